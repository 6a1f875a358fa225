"""``jsonschema``, imported without building the ``iri`` formats' grammar at start-up.

When ``rfc3987_syntax`` is installed (``jsonschema[format-nongpl]`` brings it), jsonschema's format
module imports it, and that import builds a Lark grammar: about a second of every process's start
(four on a busy machine), before a single schema is read, for two formats few schemas use.  Here
jsonschema is imported with that module held back, and the same ``iri`` / ``iri-reference`` checks
are registered on the draft format checkers, importing ``rfc3987_syntax`` the first time a value is
checked.  Validation answers exactly as before (the JSON Schema test suite's format tests check it).
"""

from __future__ import annotations

import functools
import importlib.util
import sys

_DEFERRED = "rfc3987_syntax"


def _import_jsonschema() -> bool:
    """Import jsonschema; True when the ``iri`` checks were held back and must be registered."""
    if "jsonschema" in sys.modules or _DEFERRED in sys.modules or importlib.util.find_spec(_DEFERRED) is None:
        import jsonschema

        return False
    sys.modules[_DEFERRED] = None  # type: ignore[assignment]  # `import` of it raises ImportError
    try:
        import jsonschema  # noqa: F401
    finally:
        del sys.modules[_DEFERRED]
    return True


def _is_valid_syntax(rule: str, instance: object) -> bool:
    if not isinstance(instance, str):
        return True
    from rfc3987_syntax import is_valid_syntax  # the grammar is built here, once

    return bool(is_valid_syntax(rule, instance))


def _register_iri_checks() -> None:
    """What jsonschema registers for these formats when it imports ``rfc3987_syntax`` itself."""
    from jsonschema import FormatChecker, _format

    checkers = (
        _format.draft7_format_checker,
        _format.draft201909_format_checker,
        _format.draft202012_format_checker,
    )
    for name, rule in (("iri", "iri"), ("iri-reference", "iri_reference")):
        check = functools.partial(_is_valid_syntax, rule)
        for checker in checkers:
            checker.checks(name, raises=ValueError)(check)
        FormatChecker.checkers.setdefault(name, (check, ValueError))  # jsonschema's global default too


if _import_jsonschema():
    _register_iri_checks()

import jsonschema  # noqa: E402

__all__ = ["jsonschema"]
