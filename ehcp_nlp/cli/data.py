"""``ehcp data ...``: commands about labelled corpus files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

app = typer.Typer(help="Check and describe labelled corpus files.", no_args_is_help=True)


@app.command("validate")
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Corpus CSV files; give train and test "
                                                "together to check that their groups are "
                                                "disjoint.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check columns, label values and consistency of labelled corpus files."""
    from ehcp_nlp.data import validate as validate_files

    report = validate_files(*paths)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        console = Console()
        if report.problems:
            table = Table("file", "row", "column", "value", "what is allowed", "severity")
            for p in report.problems[:200]:
                table.add_row(p.file, "" if p.row is None else str(p.row), p.column,
                              p.value, p.allowed, p.severity)
            console.print(table)
            if len(report.problems) > 200:
                console.print(f"... {len(report.problems) - 200} more; use --json for all")
        console.print(report.summary())
    if not report.ok:
        raise typer.Exit(1)
