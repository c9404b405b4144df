"""``ehcp data ...``: commands about labelled corpus files."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ehcp_nlp.cli.common import ModelOption, console, progress_lines
from ehcp_nlp.safe import terminal_safe

app = typer.Typer(help="Check, describe and improve labelled corpus files.",
                  no_args_is_help=True)


@app.command("validate")
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Corpus CSV files; give train and test "
                                                "together to check that their groups are "
                                                "disjoint.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON (every "
                                          "problem, one by one).")] = False,
    custom_types: Annotated[bool, typer.Option(
        "--custom-types/--schema-types",
        help="Accept type labels of your own (the default; each is named once as a warning, "
             "with the role its name gives), or only the schema's four.")] = True,
) -> None:
    """Check columns, label values and consistency of labelled corpus files.

    Only the columns a file has are checked: a file with `text` and `type` is valid for the
    type head. Problems of one kind are grouped: one line with their count and first rows.
    """
    from ehcp_nlp.data import validate as validate_files

    report = validate_files(*paths, custom_types=custom_types)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        ui = console()
        for problem, count, rows in report.grouped():
            where = problem.file
            if rows:
                more = f" and {count - len(rows)} more" if count > len(rows) else ""
                where += f", row{'s' if count > 1 else ''} {', '.join(map(str, rows))}{more}"
            value = f" {problem.value!r}" if problem.value and count == 1 else ""
            times = f" ({count} rows)" if count > 1 else ""
            ui.print(terminal_safe(f"{problem.severity}: {where}: {problem.column}{value}{times}: "
                                   f"{problem.allowed}"), highlight=False, markup=False)
        ui.print(report.summary(), highlight=False, markup=False)
    if not report.ok:
        raise typer.Exit(1)


def _validated(data: Path) -> None:
    """Refuse a corpus with schema errors in one line, as ``ehcp train`` does."""
    from ehcp_nlp.data import validate as validate_files
    from ehcp_nlp.errors import CorpusFormatError

    report = validate_files(data, custom_types=True)
    if not report.ok:
        raise CorpusFormatError(f"{report.errors[0]} ({len(report.errors)} errors in all; run "
                                f"`ehcp data validate {data}` to list them)")


def _write_csv(frame, out: Path) -> None:
    from ehcp_nlp.errors import InputFileError
    from ehcp_nlp.safe import safe_frame

    try:
        safe_frame(frame).to_csv(out, index=False, encoding="utf-8")
    except OSError as exc:
        raise InputFileError(f"{out}: cannot be written ({exc.strerror}); check the folder "
                             "exists and is writable") from None


@app.command("issues")
def issues(
    data: Annotated[Path, typer.Argument(help="Labelled corpus CSV (see data/ANNOTATION.md).")],
    head: Annotated[list[str] | None, typer.Option(
        "--head", help="Check only this label column (type, specific, ..., quantified, area, "
        "pfa); repeat for several. Default: every column with labels.")] = None,
    top: Annotated[int, typer.Option(help="Rows to print.")] = 20,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write every (row, label) pair, ranked, to this CSV.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the top pairs as JSON.")
                       ] = False,
    seed: Annotated[int, typer.Option(help="Random seed of the cross-validation.")] = 0,
    folds: Annotated[int, typer.Option(help="Grouped cross-validation folds.")] = 5,
) -> None:
    """Rank the labels most likely wrong, with the model's reading of each.

    Grouped cross-validation gives every row probabilities from a model that never saw it;
    a label the model finds improbable while it is confident of another is listed first.
    Every column of the bundled corpus (5,000 statements) takes a minute or two; --head type
    about 15 seconds.
    """
    from ehcp_nlp.cli.common import console
    from ehcp_nlp.data import label_issues, read_corpus
    from ehcp_nlp.data._issues import ISSUES_C
    from ehcp_nlp.model.train import TrainingConfig

    _validated(data)
    frame = read_corpus(data)
    config = TrainingConfig(seed=seed, folds=folds, c_grid=(ISSUES_C,), learning_curve=())
    ui = console()
    with progress_lines(ui, "finding label issues") as progress:
        found = label_issues(frame, heads=head, config=config, progress=progress)
    if out is not None:
        _write_csv(found.to_frame(), out)
    if as_json:
        typer.echo(json.dumps(found.to_dict(top=top), ensure_ascii=False))
        return
    # one short paragraph an issue: a table of eleven columns is unreadable at 80 columns
    ui.print(f"[bold]labels most likely wrong in {data}[/bold] (top {min(top, len(found.issues))}"
             f" of {len(found.issues):,} labels checked)")
    for k, issue in enumerate(found.issues[:top], start=1):
        where = f"row {issue.row}" + (f" ({issue.id})" if issue.id else "")
        ui.print(f"{k:>3}. {where}, {issue.head}: given [bold]{issue.given}[/bold], model reads "
                 f"[bold]{issue.suggested}[/bold] (p {issue.p_given:.2f} vs "
                 f"{issue.p_suggested:.2f})" + ("  [yellow]likely issue[/yellow]"
                                                if issue.likely_issue else ""))
        ui.print(f"     {terminal_safe(issue.text)}", markup=False, highlight=False)
    counts = ", ".join(f"{h} {sum(i.likely_issue for i in found.issues if i.head == h)}"
                       for h in found.heads)
    ui.print(f"likely issues (confident learning): {counts}")
    if out is not None:
        ui.print(f"all {len(found.issues):,} ranked pairs written to {out}")


@app.command("suggest")
def suggest(
    pool: Annotated[Path, typer.Argument(help="Unlabelled statements: a CSV, TSV, JSON Lines "
                                         "or Excel table with a text column, or a text file "
                                         "with one statement a line.")],
    n: Annotated[int, typer.Option("--n", help="How many statements to suggest.")] = 50,
    model: ModelOption = None,
    out: Annotated[Path | None, typer.Option(
        "--out", "-o", help="Write the suggestions to this CSV, ready to annotate.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the suggestions as JSON.")
                       ] = False,
    seed: Annotated[int, typer.Option(help="Breaks ties between equally uncertain "
                                      "statements.")] = 0,
    text_column: Annotated[str | None, typer.Option(
        "--text-column", help="The table's column of statements, when it is not named text, "
        "statement, ...")] = None,
) -> None:
    """Pick the unlabelled statements that would teach the model most.

    The statements the model is least sure of, no two alike: annotate them (the label columns
    are empty, the model's reading is beside them) and retrain.
    """
    from ehcp_nlp import load
    from ehcp_nlp.cli.common import console
    from ehcp_nlp.data import read_pool
    from ehcp_nlp.data import suggest as suggest_statements

    frame = read_pool(pool, text_column=text_column)
    scorer = load(model)
    ui = console()
    with ui.status(f"scoring {len(frame):,} statements"):
        found = suggest_statements(frame, scorer=scorer, n=n, seed=seed)
    if out is not None:
        _write_csv(found.to_frame(), out)
    if as_json:
        typer.echo(json.dumps(found.to_dict(), ensure_ascii=False))
        return
    ui.print(f"[bold]{len(found.items)} statements to annotate from {pool}[/bold] "
             f"({found.pool_size:,} distinct, the {found.candidates:,} most uncertain "
             "considered)")
    for k, item in enumerate(found.items, start=1):
        ui.print(f"{k:>3}. {item.id}: model reads [bold]{item.reading.get('type', '')}[/bold], "
                 f"uncertainty {item.uncertainty:.2f} ({item.reason})")
        ui.print(f"     {item.text}", markup=False, highlight=False)
    if out is not None:
        ui.print(f"written to {out}: fill in the label columns, then `ehcp data validate "
                 f"{out}`")


@app.command("stats")
def stats(
    data: Annotated[Path, typer.Argument(help="Labelled corpus CSV.")],
    test: Annotated[Path | None, typer.Option(
        "--test", help="Held-out CSV: report the statements and groups it shares with DATA.")
                    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the figures as JSON.")] = False,
) -> None:
    """Rows, groups, label counts, text lengths and empty cells; overlap with a test set."""
    from ehcp_nlp.cli.common import console
    from ehcp_nlp.data import dataset_stats, overlap, read_corpus
    from ehcp_nlp.errors import CorpusFormatError

    frames = {data: read_corpus(data)}
    if test is not None:
        frames[test] = read_corpus(test)
    for path, frame in frames.items():
        if "text" not in frame.columns:
            raise CorpusFormatError(f"{path}: has no 'text' column; columns are "
                                    f"{', '.join(frame.columns)}")
    figures = {"file": str(data), **dataset_stats(frames[data])}
    shared = overlap(frames[data], frames[test]) if test is not None else None
    if shared is not None:
        figures["test"] = {"file": str(test), **dataset_stats(frames[test])}
        figures["overlap"] = shared.to_dict()
    if as_json:
        typer.echo(json.dumps(figures, ensure_ascii=False))
        return
    ui = console()
    _print_stats(ui, data, figures)
    if shared is None:
        return
    _print_stats(ui, test, figures["test"])
    if shared.clean:
        ui.print(f"no overlap: {shared.summary()}")
        return
    ui.print(f"[yellow]warning[/yellow]: {shared.summary()}")
    table = Table("test row", "train row", "cosine", "test statement", "training statement",
                  title="test statements that repeat training ones")
    for pair in shared.pairs[:20]:
        table.add_row(str(pair.test_row), str(pair.train_row), f"{pair.similarity:.2f}",
                      pair.test_text[:60], pair.train_text[:60])
    ui.print(table)
    if len(shared.pairs) > 20:
        ui.print(f"... {len(shared.pairs) - 20} more; use --json for all")
    if shared.shared_groups:
        ui.print("groups on both sides: " + ", ".join(shared.shared_groups[:20]))


def _print_stats(ui: Console, path: Path, figures: dict) -> None:
    line = f"[bold]{path}[/bold]: {figures['rows']:,} statements"
    if "groups" in figures:
        spread = figures["rows_per_group"]
        line += (f" in {figures['groups']:,} groups ({spread.get('min')} to "
                 f"{spread.get('max')} a group, median {spread.get('median'):g})")
    ui.print(line)
    length = figures["text_length"]
    if length["characters"]:
        ui.print(f"text length: median {length['characters']['median']:.0f} characters "
                 f"({length['characters']['min']} to {length['characters']['max']}), median "
                 f"{length['words']['median']:.0f} words; {figures['duplicate_texts']} "
                 "repeated texts")
    table = Table("label", "statements per value", title="labels")
    for column, counts in figures["labels"].items():
        table.add_row(column, ", ".join(f"{value} {count:,}" for value, count in counts.items()))
    ui.print(table)
    missing = {c: m for c, m in figures["missing"].items() if m}
    if missing:
        ui.print("empty cells: " + ", ".join(f"{c} {m:,}" for c, m in missing.items()))
