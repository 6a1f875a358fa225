"""Small models working together: ask the cheap model first, return its answer only when code's
checks pass, else the next model (``model="auto"``, ``--model auto``, ``--cascade tiny,default``).

`Cascade` is the chain and its settings, `cascade_stream` runs one request through it, `checks` holds
the acceptance rules and `routing` the cheapest stage each app task may use.
"""

from .chain import AUTO, REMOTE, Cascade, auto_chain, is_cascade, parse_chain
from .run import Escalation, cascade_stream

__all__ = [
    "AUTO",
    "REMOTE",
    "Cascade",
    "Escalation",
    "auto_chain",
    "cascade_stream",
    "is_cascade",
    "parse_chain",
]
