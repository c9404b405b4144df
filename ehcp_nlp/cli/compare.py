"""``ehcp compare``: two models on the same labelled data."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from ehcp_nlp import labels
from ehcp_nlp.cli.common import console
from ehcp_nlp.errors import EhcpError
from ehcp_nlp.safe import safe_frame

#: Disagreements printed under the tables (all of them go to --disagreements).
SHOWN = 10
BUNDLED_WORD = "bundled"


def _interval(entry: dict | None, signed: bool = False) -> str:
    """The value, and under it the interval (two lines keep the tables narrow)."""
    if not entry or entry.get("value") is None:
        return ""
    number = "{:+.3f}" if signed else "{:.3f}"
    text = number.format(entry["value"])
    if entry.get("low") is not None:
        text += f"\n[dim][{number.format(entry['low'])}, {number.format(entry['high'])}][/dim]"
    return text


def _head_table(head: dict, name: str) -> Table:
    table = Table(title=f"{name}: {head['n']} statements, {head['a']['level']:.0%} intervals",
                  show_lines=True)
    for column in ("", "A", "B", "B − A"):
        table.add_column(column, justify="left" if not column else "right")
    for metric, title in (("accuracy", "accuracy"), ("macro_f1", "macro-F1")):
        table.add_row(title, _interval(head["a"][metric]), _interval(head["b"][metric]),
                      _interval(head["difference"].get(metric), signed=True))
    for label in dict.fromkeys([*head["a"]["per_label"], *head["b"]["per_label"]]):
        table.add_row(f"F1 {escape(label)}",
                      *(_interval(head[m]["per_label"].get(label, {}).get("f1"))
                        for m in ("a", "b")), "")
    return table


def _print_disagreements(ui, frame) -> None:
    """The first disagreements, one statement a paragraph (reads at any width)."""
    ui.print(f"first {min(SHOWN, len(frame))}:")
    for row in frame.head(SHOWN).to_dict("records"):
        where = f"{escape(row['id'])}  " if "id" in row else ""
        ui.print(f"{where}[bold]{escape(row['head'])}[/bold]: truth {escape(row['truth'])}; "
                 f"A {escape(row['prediction_a'])} ({row['probability_a']:.2f}); "
                 f"B {escape(row['prediction_b'])} ({row['probability_b']:.2f})")
        ui.print(textwrap.fill(row["text"], width=max(40, ui.width - 1), initial_indent="    ",
                               subsequent_indent="    ", break_on_hyphens=False) + "\n",
                 markup=False, highlight=False)


def _model(word: str):
    from ehcp_nlp import load

    return load(None if word == BUNDLED_WORD else Path(word))


def _check_labels(data: Path, columns, scorers) -> None:
    """Validate a file with the schema's columns, allowing labels either model was trained on.

    Type labels of a model's own are allowed by ``validate(custom_types=True)``; area and PfA
    labels outside the schema are allowed when a model knows them. A file without all the
    schema's columns is compared on the label columns it has.
    """
    from ehcp_nlp.data import validate

    if any(c not in columns for c in labels.SCHEMA_COLUMNS):
        return
    roles: dict[str, str | None] = {}
    known: dict[str, set[str]] = {"area": set(), "pfa": set()}
    for scorer in scorers:
        roles.update(scorer.info.get("type_roles") or {})
        for name in known:
            if name in scorer.linear.heads:
                known[name].update(map(str, scorer.linear.heads[name].classes))
    report = validate(data, custom_types=True, type_roles=roles)
    errors = [p for p in report.errors if p.value not in known.get(p.column, ())]
    if errors:
        raise EhcpError(f"{errors[0]} ({len(errors)} errors in all; run "
                        f"`ehcp data validate {data}` to list them)")


def compare(
    model_a: Annotated[str, typer.Argument(metavar="MODEL_A",
                                           help="A model directory, or 'bundled'.")],
    model_b: Annotated[str, typer.Argument(metavar="MODEL_B",
                                           help="A model directory, or 'bundled'.")],
    data: Annotated[Path, typer.Argument(metavar="DATA",
                                         help="Labelled CSV both models are scored on.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")
                       ] = False,
    disagreements: Annotated[Path | None, typer.Option(
        "--disagreements", help="Write every statement the models disagree on to this "
        "CSV.")] = None,
    resamples: Annotated[int, typer.Option("--resamples", min=1,
                                           help="Bootstrap resamples.")] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
) -> None:
    """Compare two models on the same labelled data.

    Per score: accuracy, macro-F1 and per-label F1 of both models with 95% intervals (a
    bootstrap over the data's groups), the interval of the difference B − A, McNemar's test,
    and the statements on which the two disagree.
    """
    from ehcp_nlp.data import read_corpus
    from ehcp_nlp.model.compare import compare as compare_models

    frame = read_corpus(data)
    if "text" not in frame.columns:
        raise EhcpError(f"{data}: has no 'text' column; give a labelled CSV with a header "
                        "row naming 'text' and the label columns")
    scorers = _model(model_a), _model(model_b)
    _check_labels(data, frame.columns, scorers)
    ui = console()
    if as_json:
        comparison = compare_models(*scorers, frame, n_resamples=resamples, seed=seed)
    else:
        with ui.status("scoring with both models"):
            comparison = compare_models(*scorers, frame, n_resamples=resamples, seed=seed)
    if disagreements is not None:
        try:
            safe_frame(comparison.disagreements).to_csv(disagreements, index=False)
        except OSError as exc:
            raise EhcpError(f"{disagreements}: cannot be written ({exc.strerror}); check "
                            "that its directory exists and is writable") from None
    if as_json:
        typer.echo(json.dumps(comparison.to_dict(), ensure_ascii=False))
        return
    result = comparison.to_dict()
    ui.print(f"[bold]A[/bold] {escape(model_a)}   [bold]B[/bold] {escape(model_b)}   on "
             f"{escape(str(data))} "
             f"({result['rows']} statements)")
    for name, head in result["heads"].items():
        test = head["mcnemar"]
        ui.print(_head_table(head, name))
        ui.print(f"McNemar p = {test['p_value']:.3g}: A alone right on {test['b']}, B alone "
                 f"right on {test['c']} ({test['method']})")
        if head["note"]:
            ui.print(f"[yellow]note[/yellow]: {escape(head['note'])}")
    for note in result["notes"]:
        ui.print(f"[yellow]note[/yellow]: {escape(note)}")
    frame = comparison.disagreements
    ui.print(f"{len(frame)} disagreements (statement and score)"
             + (f", written to {escape(str(disagreements))}" if disagreements is not None
                else ""))
    if len(frame):
        _print_disagreements(ui, frame)
