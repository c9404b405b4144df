"""The ``ehcp`` command line: parses arguments, calls the library, prints."""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Annotated

import typer

from ehcp_nlp.cli.analyse import analyse
from ehcp_nlp.cli.compare import compare
from ehcp_nlp.cli.data import app as data_app
from ehcp_nlp.cli.model import evaluate, info, train, upgrade_model
from ehcp_nlp.cli.score import score
from ehcp_nlp.errors import EhcpError
from ehcp_nlp.safe import terminal_safe

app = typer.Typer(
    name="ehcp",
    help="Read EHCP statements: what each is and how good it is.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"ehcp-nlp {version('ehcp-nlp')}")
        raise typer.Exit()


@app.callback()
def _options(
    show_version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True,
        help="Print the version of ehcp-nlp and exit.")] = False,
    trust_model: Annotated[bool, typer.Option(
        "--trust-model", help="Load models in the first release's pickle format, which run "
        "any code they carry: only models you made or trust. Models saved now are data and "
        "need no trust.")] = False,
) -> None:
    """Read EHCP statements: what each is and how good it is."""
    if trust_model:
        from ehcp_nlp.model import persist

        persist.TRUST_PICKLES = True


app.command()(score)
app.command()(train)
app.command()(evaluate)
app.command()(info)
app.command("upgrade-model")(upgrade_model)
app.command()(analyse)
app.command()(compare)
app.add_typer(data_app, name="data")


def _click_exceptions() -> tuple[tuple[type, ...], tuple[type, ...]]:
    """Click's error and abort classes, from click and from Typer's own copy of it.

    Typer may bundle its own click, whose exceptions are not the installed click's.
    """
    errors: list[type] = []
    aborts: list[type] = []
    for module in ("click.exceptions", "typer._click.exceptions"):
        try:
            found = import_module(module)
        except ImportError:
            continue
        errors += [found.ClickException] if hasattr(found, "ClickException") else []
        aborts += [found.Abort] if hasattr(found, "Abort") else []
    return tuple(errors), tuple(aborts)


def main() -> None:
    """Run the CLI; a user's mistake is one line on standard error and exit code 2."""
    errors, aborts = _click_exceptions()
    for stream in (sys.stdout, sys.stderr):  # an ASCII-only terminal gets '?' for the rest
        if stream is not None and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")
    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:  # typer.Exit(n) is returned, not raised
            sys.exit(code)
    except EhcpError as exc:
        typer.echo(terminal_safe(f"error: {exc}"), err=True)
        sys.exit(2)
    except errors as exc:
        context = getattr(exc, "ctx", None)
        where = f" (see '{context.command_path} --help')" if context is not None else ""
        typer.echo(terminal_safe(f"error: {exc.format_message()}{where}"), err=True)
        sys.exit(2 if exc.exit_code in (None, 0, 1, 2) else exc.exit_code)
    except (*aborts, KeyboardInterrupt):
        typer.echo("aborted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
    except OSError as exc:  # the system refused: a full disk, a folder we may not write
        where = f": {exc.filename}" if exc.filename else ""
        typer.echo(terminal_safe(f"error: {exc.strerror or exc}{where}"), err=True)
        sys.exit(1)
