"""``genie``: a thin command line over the library.

Each app has its own module; this one wires them together and maps Genie's
error types to exit codes in one place: 0 ok, 2 bad input, 3 no valid output
after retries, 4 model or backend failure, 1 anything unexpected.
"""

from __future__ import annotations

import sys
import warnings
from typing import Any

import typer

from ..errors import GenieError, GenieWarning
from . import evaluate as eval_cli
from . import extract as extract_cli
from . import kitchen as kitchen_cli
from . import logs as logs_cli
from . import models as models_cli
from . import schemas as schemas_cli
from . import tubetalk as tubetalk_cli
from . import tune as tune_cli
from . import vision as vision_cli
from . import web as web_cli
from .scale import optional_value

app = typer.Typer(
    name="genie",
    help="Local-first LLM apps: schema-guided extraction, KitchenGenie, TubeTalk.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("extract", help=extract_cli.__doc__)(extract_cli.extract_command)
app.command("eval", help=eval_cli.eval_command.__doc__)(eval_cli.eval_command)
app.command("tune", help=tune_cli.tune_command.__doc__)(tune_cli.tune_command)
app.add_typer(schemas_cli.app, name="schemas")
app.command("logs", help=logs_cli.logs_command.__doc__)(logs_cli.logs_command)
app.add_typer(models_cli.app, name="models")
app.add_typer(kitchen_cli.app, name="kitchen")
app.command("order", help=kitchen_cli.order.__doc__)(kitchen_cli.order)
app.add_typer(tubetalk_cli.app, name="tubetalk")
app.add_typer(vision_cli.app, name="vision")
app.command("serve", help=web_cli.serve.__doc__)(web_cli.serve)


def _show_warning(message: Any, category: type[Warning], *args: Any, **kwargs: Any) -> None:
    if issubclass(category, GenieWarning):
        print(f"genie: warning: {message}", file=sys.stderr)
    else:
        _default_show_warning(message, category, *args, **kwargs)


_default_show_warning = warnings.showwarning


def main() -> None:
    warnings.showwarning = _show_warning  # Genie's own warnings read like its errors
    try:
        app(args=optional_value(sys.argv[1:]))
    except GenieError as error:
        # Plain text, unwrapped: error messages get grepped and pasted into bug reports.
        print(f"genie: error: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        print("genie: interrupted", file=sys.stderr)
        sys.exit(130)
