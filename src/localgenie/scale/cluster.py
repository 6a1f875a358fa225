"""Joining or starting the Ray cluster the engines run on.

``connect()`` uses the cluster this process is already connected to; else the one at ``address`` (a
head's ``host:6379``, ``ray://host:10001`` for Ray Client, or ``auto`` for the cluster started on this
machine with ``ray start``); else ``RAY_ADDRESS``; else it starts a private cluster on 127.0.0.1 with
``num_cpus`` workers and no dashboard, shut down when the process exits.  Worker processes of a local
cluster inherit this process's environment (``PYTHONPATH`` included); on an existing cluster every
node needs ``localgenie[ray]`` installed, with the model packages for embedded models.
"""

from __future__ import annotations

import importlib.util
import os
from types import ModuleType

from ..errors import BadInput

INSTALL_HINT = "pip install 'localgenie[ray]'"


def check_installed() -> None:
    """A `BadInput` saying how to install Ray when it is missing (Ray itself is not imported)."""
    if importlib.util.find_spec("ray") is None:
        raise BadInput(f"the Ray engine needs Ray: {INSTALL_HINT} (or run without --ray / engine='ray')")


def require_ray() -> ModuleType:
    """The ``ray`` module, or a `BadInput` saying how to install it."""
    check_installed()
    import ray

    return ray


def connect(address: str | None = None, *, num_cpus: int | None = None) -> ModuleType:
    """Connect to (or start) a cluster; returns the ``ray`` module.  Ray Data's progress bars are off:
    the CLI draws its own."""
    ray = require_ray()
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS") or None
        quiet = {"log_to_driver": False, "configure_logging": True, "logging_level": "ERROR"}
        try:
            if address:
                ray.init(address=address, **quiet)
            else:
                ray.init(
                    num_cpus=num_cpus,
                    include_dashboard=False,
                    _node_ip_address="127.0.0.1",
                    **quiet,
                )
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = f"the Ray cluster at {address}" if address else "a local Ray cluster"
            raise BadInput(f"cannot connect to {where}: {exc}") from None
    import ray.data

    context = ray.data.DataContext.get_current()
    context.enable_progress_bars = False
    context.print_on_execution_start = False
    return ray
