"""``ehcp analyse``: analyse plans and tables in bulk and write the tables and the report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ehcp_nlp.cli.common import ModelOption, console
from ehcp_nlp.safe import terminal_safe


def analyse(
    inputs: Annotated[list[str], typer.Argument(
        help="Plan documents (DOCX, PDF, Markdown, text), tables (CSV, TSV, JSONL, Parquet, "
             "Excel), folders of them, or glob patterns.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the results.")],
    fmt: Annotated[str, typer.Option("--format", help="Format of the statements table: csv, "
                                     "parquet or jsonl.")] = "csv",
    jobs: Annotated[int, typer.Option(
        "--jobs", "-j", min=1,
        help="Worker processes. Each loads the model (about 2 s), so more than one pays only "
             "for large tables on a machine with cores to spare: on 2 cores, 2 jobs took 11.4 s "
             "against 12.7 s for a 60,000-row table, and were slower for 20 or 200 plan "
             "documents (benchmarks/README.md).")] = 1,
    text_column: Annotated[str | None, typer.Option(
        "--text-column", help="The tables' text column, when it is not 'text' or "
                              "'statement'.")] = None,
    redact: Annotated[bool, typer.Option("--redact", help="Replace personal data in every "
                                         "output, the report included.")] = False,
    force: Annotated[bool, typer.Option("--force", help="Write into a folder that is not "
                                        "empty, replacing a previous analysis.")] = False,
    no_report: Annotated[bool, typer.Option("--no-report", help="Skip report.html.")] = False,
    names: Annotated[bool, typer.Option(
        "--names", help="With --redact, also replace person names, one [NAME n] a person in "
        "each plan (needs the names extra: pip install --no-deps --require-hashes -r "
        "requirements-names.txt; about 700 statements a second).")] = False,
    follow_links: Annotated[bool, typer.Option(
        "--follow-links", help="Read files that links inside an input folder lead to outside "
        "it (not followed by default).")] = False,
    model: ModelOption = None,
) -> None:
    """Score every statement of many plans, check each plan's golden thread, write a report.

    Exit code 0 when everything was read and scored, 1 when some files or rows could not be
    (they are listed in errors.csv; the rest is analysed), 2 when nothing was written.
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from ehcp_nlp import load
    from ehcp_nlp.bulk import analyse as run
    from ehcp_nlp.errors import InputFileError

    for item in inputs:
        if not any(ch in item for ch in "*?[") and not Path(item).exists():
            raise InputFileError(f"{item}: no such file or folder; check the path (quote a "
                                 "glob pattern such as 'plans/*.docx')")
    scorer = load(model)
    screen = console()
    columns = (TextColumn("[bold]analysing"), BarColumn(), MofNCompleteColumn(),
               TextColumn("statements · {task.fields[files]} files · {task.fields[rate]}/s"),
               TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn())
    with Progress(*columns, console=screen, transient=True,
                  disable=not screen.is_terminal) as bar:
        task = bar.add_task("analyse", total=None, files="0", rate="0")

        def progress(state: dict) -> None:
            elapsed = max(state.get("elapsed", 0.0), 1e-9)
            total = max(state["rows_total"], state["statements"])
            bar.update(task, completed=state["statements"], total=total,
                       files=f"{state['files']}/{state['files_total']}",
                       rate=f"{state['statements'] / elapsed:,.0f}")

        import signal

        def stop(signum, frame):  # SIGTERM cleans up as Ctrl-C does
            raise KeyboardInterrupt

        previous = signal.signal(signal.SIGTERM, stop)
        try:
            result = run(inputs, scorer=scorer, out=out, fmt=fmt, jobs=jobs,
                         text_column=text_column, redact=redact, force=force,
                         report=not no_report, progress=progress, follow_links=follow_links,
                         names=names)
        finally:
            signal.signal(signal.SIGTERM, previous)
    for warning in result.warnings:
        typer.echo(terminal_safe(f"warning: {warning}"), err=True)
    for row in result.errors.itertuples():
        where = f" ({row.location})" if row.location else ""
        typer.echo(terminal_safe(f"not analysed: {row.file}{where}: {row.reason}"), err=True)
    if len(result.personal_data):
        by_file = result.personal_data.groupby("file")
        for file, rows in by_file:
            counts = ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in
                               zip(rows["kind"], rows["count"], strict=True))
            action = "redacted" if redact else "left in the outputs (use --redact)"
            typer.echo(terminal_safe(f"personal data in {file}: {counts}; {action}"), err=True)
    totals = result.totals
    typer.echo(f"read {totals.read:,} statements from {totals.files:,} files; scored "
               f"{totals.scored:,}; failed {totals.failed:,} statements and "
               f"{totals.files_failed:,} files; {len(result.plans):,} plans, "
               f"{totals.findings:,} findings; {totals.skipped:,} pieces of text that are not "
               "statements skipped (skipped.csv)")
    typer.echo(f"written to {out}/: statements.{fmt}, findings.csv, links.csv, plans.csv, "
               "skipped.csv, errors.csv, personal_data.csv"
               + ("" if no_report else ", report.html"))
    if totals.failed or totals.files_failed:
        raise typer.Exit(1)
