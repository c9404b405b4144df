"""``ehcp score``: score statements from the command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ehcp_nlp.cli.common import ModelOption, console, read_statements
from ehcp_nlp.cli.render import render_scores


def score(
    texts: Annotated[list[str] | None, typer.Argument(help="Statements to score.")] = None,
    file: Annotated[Path | None, typer.Option("--file", "-f", help="One statement a line; "
                                               "'-' reads standard input.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object a statement, in "
                                          "input order (with --explain, the contributions "
                                          "of every component).")] = False,
    explain: Annotated[bool, typer.Option("--explain", help="Say why each verdict came out "
                                          "as it did: the evidence that pushed it each way, "
                                          "marked in the statement (the numbers are in "
                                          "--json).")] = False,
    html: Annotated[Path | None, typer.Option(
        "--html", help="Also write a self-contained HTML page: each statement with its "
        "evidence marked by spaCy's displaCy, its verdicts, why, and the advice.")] = None,
    model: ModelOption = None,
) -> None:
    """Say what each statement is and how good it is: type, SMART, specified, area, PfA."""
    from ehcp_nlp import load

    statements, warnings = read_statements(texts or [], file)
    for warning in warnings:
        typer.echo(f"warning: {warning}", err=True)
    scorer = load(model)
    # explanations cost about as much again as scoring: only when they are asked for
    results = scorer.score_many(statements, explain=explain or html is not None)
    if as_json:
        out = sys.stdout
        results = list(results)
        for result in results:
            out.write(json.dumps(result.to_dict(), ensure_ascii=False) + "\n")
        if html is not None:
            from ehcp_nlp.html import page_html

            html.write_text(page_html(scorer.nlp, results), encoding="utf-8")
        return
    results = list(results)
    render_scores(console(), results, explain=explain)
    if html is not None:
        from ehcp_nlp.errors import InputFileError
        from ehcp_nlp.html import page_html

        try:
            html.write_text(page_html(scorer.nlp, results), encoding="utf-8")
        except OSError as exc:
            raise InputFileError(f"{html}: cannot be written ({exc.strerror}); check the "
                                 "folder exists and is writable") from None
        typer.echo(f"written to {html}")
