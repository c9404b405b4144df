"""``ehcp train``, ``ehcp evaluate`` and ``ehcp info``: building and checking models."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ehcp_nlp import labels
from ehcp_nlp.cli.common import ModelOption, console, progress_lines
from ehcp_nlp.errors import EhcpError


def _metrics_table(title: str, report: dict) -> Table:
    table = Table(title=title)
    for column in ("score", "n", "macro-F1", "accuracy", "ECE"):
        table.add_column(column, justify="right" if column != "score" else "left")
    for name, entry in report.items():
        if not isinstance(entry, dict) or "macro_f1" not in entry:
            continue
        ece = entry.get("calibration", {}).get("ece")
        interval = entry.get("intervals", {}).get("macro_f1")
        table.add_row(name, str(entry["n"]), f"{entry['macro_f1']:.3f}" + (
            f" [{interval['low']:.3f}, {interval['high']:.3f}]" if interval else ""),
                      f"{entry['accuracy']:.3f}", "" if ece is None else f"{ece:.3f}")
    return table


def _label_tables(report: dict) -> list[Table]:
    tables = []
    for name, entry in report.items():
        if not isinstance(entry, dict) or "per_label" not in entry:
            continue
        table = Table(title=f"{name}: per label, and confusion (rows: truth)")
        for column in ("label", "precision", "recall", "F1", "support", *entry["labels"]):
            table.add_column(column, justify="left" if column == "label" else "right")
        for label, row in zip(entry["labels"], entry["confusion"], strict=True):
            stats = entry["per_label"][label]
            table.add_row(label, f"{stats['precision']:.3f}", f"{stats['recall']:.3f}",
                          f"{stats['f1']:.3f}", str(stats["support"]), *map(str, row))
        tables.append(table)
    return tables


def _roles(values: list[str]) -> dict[str, str | None]:
    roles: dict[str, str | None] = {}
    for value in values:
        label, sep, role = value.partition("=")
        role = role.strip()
        if not sep or not label.strip() or role not in (*labels.TYPES, "", "none"):
            raise EhcpError(f"--role {value!r}: write LABEL=ROLE, ROLE one of "
                            f"{', '.join(labels.TYPES)} or none")
        roles[label.strip()] = None if role in ("", "none") else role
    return roles


def _curve_table(curve: dict) -> Table:
    from ehcp_nlp.model.card import curve_grid

    table = Table(title="learning curve: out-of-fold macro-F1 by share of training groups")
    shares, grid = curve_grid(curve, rows_word="")
    table.add_column("score")
    for share in shares:
        table.add_column(f"{share:.0%}", justify="right")
    for name, cells in grid:
        table.add_row(name, *cells)
    return table


def train(
    data: Annotated[Path, typer.Argument(help="Labelled corpus CSV (see data/ANNOTATION.md).")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the model to.")],
    base_corpus: Annotated[bool, typer.Option(
        "--base-corpus", help="Train on the bundled corpus and DATA together (DATA alone "
        "by default).")] = False,
    base_clash: Annotated[str, typer.Option(
        "--base-clash", help="With --base-corpus, when your types split a bundled one "
        "(education_provision and health_provision, no provision): 'refuse' (stop and say "
        "so) or 'drop' (leave the bundled rows of that type out).")] = "refuse",
    test: Annotated[Path | None, typer.Option("--test", help="Held-out labelled CSV whose "
                                              "metrics go into the manifest and card.")] = None,
    contrast: Annotated[Path | None, typer.Option(
        "--contrast", help="Contrast set (minimal pairs that keep a cue and flip a label) "
        "whose metrics go into the manifest and card.")] = None,
    notes: Annotated[Path | None, typer.Option(
        "--notes", help="A Markdown file saying what changed from the previous model; it "
        "opens the model card.")] = None,
    holdout: Annotated[str | None, typer.Option(
        "--holdout", help="A column of DATA (e.g. register, voice): train without each of "
        "its values in turn and score the rows held out; the table goes into the card.")
    ] = None,
    role: Annotated[list[str] | None, typer.Option(
        "--role", help="LABEL=ROLE: the golden-thread role (aspiration, need, outcome, "
        "provision or none) of a type label of your own whose name does not say it; "
        "repeat for several.")] = None,
    learning_curve: Annotated[bool, typer.Option(
        "--learning-curve/--no-learning-curve",
        help="Also train on a quarter and a half of each fold's groups (the learning "
        "curve).")] = True,
    seed: Annotated[int, typer.Option(help="Random seed (fixes folds and solvers).")] = 0,
    folds: Annotated[int, typer.Option(help="Grouped cross-validation folds.")] = 5,
    force: Annotated[bool, typer.Option("--force", help="Replace a model already in --out.")
                     ] = False,
) -> None:
    """Train a model and write it with its manifest and model card.

    Grouped cross-validation (with confidence intervals) and a learning curve first, then a
    fit on all the data.
    """
    from ehcp_nlp.data import read_corpus, validate
    from ehcp_nlp.data._base import bundled_corpus_path, with_base_corpus
    from ehcp_nlp.model.card import model_card
    from ehcp_nlp.model.evaluate import evaluate
    from ehcp_nlp.model.persist import MANIFEST, save
    from ehcp_nlp.model.train import LEARNING_CURVE, TrainingConfig
    from ehcp_nlp.model.train import train as train_model

    if out.exists() and not out.is_dir():
        raise EhcpError(f"{out}: is a file; --out takes a folder for the model")
    if out.exists() and any(out.iterdir()) and not force:
        if (out / MANIFEST).exists():
            raise EhcpError(f"{out}: already holds a model; pass --force to replace it")
        raise EhcpError(f"{out}: is not empty; choose an empty directory or pass --force")
    roles = _roles(role or [])
    from ehcp_nlp.data._read import read_text_file

    notes_text = read_text_file(notes) if notes is not None else None  # fail before training
    report = validate(data, *([test] if test else []), *([contrast] if contrast else []),
                      custom_types=True, type_roles=roles)
    if not report.ok:
        raise EhcpError(f"{report.errors[0]} ({len(report.errors)} errors in all; run "
                        f"`ehcp data validate {data}` to list them)")
    ui = console()
    said: set[str] = set()
    for problem in report.warnings:  # once a type, whichever files have it
        if problem.column == "type" and problem.value not in said:
            said.add(problem.value)
            ui.print(f"[yellow]note[/yellow]: type {problem.value!r} is {problem.allowed}")
    frame = read_corpus(data)
    if base_corpus:
        if base_clash not in ("refuse", "drop"):
            raise EhcpError(f"--base-clash {base_clash!r}: use refuse or drop")
        frame = with_base_corpus(frame, on_clash=base_clash, roles=roles)
        if base_clash == "drop":
            from ehcp_nlp.data._base import type_clashes

            for kind, mine in type_clashes(read_corpus(data), read_corpus(
                    bundled_corpus_path()), roles).items():
                ui.print(f"[yellow]note[/yellow]: the bundled corpus's {kind!r} rows are left "
                         f"out: your {', '.join(mine)} split it")
    config = TrainingConfig(seed=seed, folds=folds, type_roles=roles,
                            learning_curve=LEARNING_CURVE if learning_curve else ())
    with progress_lines(ui, "training") as progress:
        scorer = train_model(frame, config=config, progress=progress)
    ui.print(_metrics_table(f"grouped {folds}-fold cross-validation on {data}"
                            + (" and the bundled corpus" if base_corpus else ""),
                            scorer.info["cross_validation"]))
    if scorer.info.get("learning_curve"):
        ui.print(_curve_table(scorer.info["learning_curve"]))
    if test is not None:
        with ui.status(f"evaluating on {test}"):
            scorer.info["test"] = {"file": str(test), **evaluate(scorer, read_corpus(test))}
        ui.print(_metrics_table(f"held-out test set {test}", scorer.info["test"]))
    if contrast is not None:
        with ui.status(f"evaluating on {contrast}"):
            scorer.info["contrast"] = {"file": str(contrast),
                                       **evaluate(scorer, read_corpus(contrast))}
        ui.print(_metrics_table(f"contrast set {contrast}", scorer.info["contrast"]))
    if holdout is not None:
        from ehcp_nlp.model.holdout import holdout_by

        with progress_lines(ui, f"holding out each {holdout}") as progress:
            scorer.info["holdout"] = {"column": holdout, "values": holdout_by(
                frame, holdout, scorer, config=config, progress=progress)}
    if notes_text is not None:
        scorer.info["notes"] = notes_text
    scorer.info["training"]["file"] = str(data)
    if base_corpus:
        scorer.info["training"]["base_corpus"] = str(bundled_corpus_path())
    save(scorer, out, card=model_card(scorer.info))
    ui.print(f"model written to {out}")


def evaluate(
    data: Annotated[Path, typer.Argument(help="Labelled CSV to evaluate on.")],
    model: ModelOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Precision, recall and F1 per label, confusion matrices and calibration."""
    from ehcp_nlp import load
    from ehcp_nlp.data import read_corpus
    from ehcp_nlp.model.evaluate import evaluate as evaluate_model

    frame = read_corpus(data)
    scorer = load(model)
    report = evaluate_model(scorer, frame)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False))
        return
    ui = console()
    ui.print(_metrics_table(f"evaluation on {data}", report))
    for table in _label_tables(report):
        ui.print(table)


def info(
    model: ModelOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the manifest as JSON.")] = False,
) -> None:
    """The model's versions, training data, metrics and checksums (verified)."""
    from ehcp_nlp.model.persist import BUNDLED, verify

    directory = model or BUNDLED
    manifest = verify(directory)
    if as_json:
        typer.echo(json.dumps(manifest, ensure_ascii=False))
        return
    ui = console()
    training = manifest.get("training", {})
    ui.print(f"[bold]model[/bold] {directory}  (checksums verified)")
    ui.print("versions: " + ", ".join(f"{k} {v}" for k, v in manifest["versions"].items()))
    ui.print(f"trained on {training.get('file', '?')}: {training.get('rows')} statements, "
             f"{training.get('groups')} groups, sha256 {training.get('data_sha256', '')[:16]}…")
    ui.print("labels: " + "; ".join(f"{k}: {', '.join(v)}"
                                    for k, v in manifest.get("labels", {}).items()))
    ui.print(_metrics_table("grouped cross-validation", manifest.get("cross_validation", {})))
    if "test" in manifest:
        ui.print(_metrics_table(f"held-out test ({manifest['test'].get('file')})",
                                manifest["test"]))


def upgrade_model(
    model: Annotated[Path, typer.Argument(help="A model folder in the first release's pickle "
                                          "format.")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the converted model "
                                             "here (default: in place).")] = None,
) -> None:
    """Convert a pickled model you trust into the safe format (data only; needs --trust-model).

    Run as `ehcp --trust-model upgrade-model DIR`: the old files are loaded (running what they
    carry, hence the flag), and the model is saved as JSON and arrays that load without
    running anything.
    """
    from ehcp_nlp.model import persist

    if not persist.TRUST_PICKLES:
        raise EhcpError("upgrading loads the old pickle, which runs any code it carries: run "
                        f"`ehcp --trust-model upgrade-model {model}` if you trust it")
    scorer = persist.load(model, trust_model=True)
    estimators = scorer.estimators
    card = (model / persist.CARD).read_text(encoding="utf-8") if (model / persist.CARD
                                                                  ).is_file() else None
    scorer.info = {k: v for k, v in scorer.info.items() if k not in ("path", "manifest")}
    scorer._estimators = estimators
    target = out or model
    persist.save(scorer, target, card=card)
    console().print(f"{target}: saved in the safe format ({persist.FORMAT})")
