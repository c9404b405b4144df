"""The ``ehcp`` command line: parses arguments, calls the library, prints."""

from __future__ import annotations

import sys

import typer

from ehcp_nlp.cli.analyse import analyse
from ehcp_nlp.cli.compare import compare
from ehcp_nlp.cli.data import app as data_app
from ehcp_nlp.cli.model import evaluate, info, train
from ehcp_nlp.cli.score import score
from ehcp_nlp.errors import EhcpError

app = typer.Typer(
    name="ehcp",
    help="Read EHCP statements: what each is and how good it is.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command()(score)
app.command()(train)
app.command()(evaluate)
app.command()(info)
app.command()(analyse)
app.command()(compare)
app.add_typer(data_app, name="data")


def main() -> None:
    """Run the CLI; a user's mistake is one line on standard error and exit code 2."""
    import click

    try:
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:  # typer.Exit(n) is returned, not raised
            sys.exit(code)
    except EhcpError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except (click.Abort, KeyboardInterrupt):
        typer.echo("aborted", err=True)
        sys.exit(130)
    except BrokenPipeError:
        sys.exit(0)
