"""The ``ehcp`` command line: parses arguments, calls the library, prints."""

from __future__ import annotations

import sys

import typer

from ehcp_nlp.cli.data import app as data_app
from ehcp_nlp.errors import EhcpError

app = typer.Typer(
    name="ehcp",
    help="Read EHCP statements: what each is and how good it is.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(data_app, name="data")


def main() -> None:
    """Run the CLI; a user's mistake is one line on standard error and exit code 2."""
    try:
        app(standalone_mode=False)
    except EhcpError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # click usage errors arrive here in non-standalone mode
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise
