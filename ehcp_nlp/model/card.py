"""The model card written beside every trained model (MODEL_CARD.md)."""

from __future__ import annotations

from typing import Any


def _with_interval(entry: dict[str, Any], metric: str) -> str:
    interval = entry.get("intervals", {}).get(metric)
    if not interval:
        return f"{entry[metric]:.3f}"
    return f"{entry[metric]:.3f} [{interval['low']:.3f}, {interval['high']:.3f}]"


def _metric_rows(report: dict[str, Any]) -> list[str]:
    rows = ["| score | n | macro-F1 | accuracy |", "|---|---|---|---|"]
    for name, entry in report.items():
        if isinstance(entry, dict) and "macro_f1" in entry:
            rows.append(f"| {name} | {entry['n']} | {_with_interval(entry, 'macro_f1')} | "
                        f"{_with_interval(entry, 'accuracy')} |")
    return rows


def curve_grid(curve: dict[str, list[dict]], rows_word: str = " rows"
               ) -> tuple[list[float], list[tuple[str, list[str]]]]:
    """The learning curve as a grid: its shares, then each score with one cell per share.

    A cell reads ``0.958 (2,076 rows)``: macro-F1 and training rows; empty where the score
    has no point at that share.
    """
    shares = sorted({p["share"] for points in curve.values() for p in points})
    grid = []
    for name, points in curve.items():
        by_share = {p["share"]: p for p in points}
        grid.append((name, [f"{by_share[s]['macro_f1']:.3f} ({by_share[s]['train_rows']:,}"
                            f"{rows_word})" if s in by_share else "" for s in shares]))
    return shares, grid


def _curve_rows(curve: dict[str, list[dict]]) -> list[str]:
    shares, grid = curve_grid(curve)
    rows = ["| score | " + " | ".join(f"{s:.0%} of groups" for s in shares) + " |",
            "|---|" + "---|" * len(shares)]
    rows += [f"| {name} | " + " | ".join(cells) + " |" for name, cells in grid]
    return rows


def _count_rows(counts: dict[str, dict[str, int]]) -> list[str]:
    rows = ["| score | label counts |", "|---|---|"]
    for name, found in counts.items():
        rows.append(f"| {name} | " + ", ".join(f"{k} {v:,}" for k, v in found.items()) + " |")
    return rows


def _label_rows(report: dict[str, Any]) -> list[str]:
    rows = ["| score | label | precision | recall | F1 | support |", "|---|---|---|---|---|---|"]
    for name, entry in report.items():
        if isinstance(entry, dict) and "per_label" in entry:
            for label, m in entry["per_label"].items():
                rows.append(f"| {name} | {label} | {m['precision']:.3f} | {m['recall']:.3f} | "
                            f"{m['f1']:.3f} | {m['support']} |")
    return rows


def _holdout_rows(values: dict[str, dict]) -> list[str]:
    heads = list(dict.fromkeys(h for entry in values.values() for h in entry if h != "rows"))
    rows = ["| held out | rows | " + " | ".join(heads) + " |", "|---|---|" + "---|" * len(heads)]
    for value, entry in values.items():
        rows.append(f"| {value} | {entry['rows']} | " + " | ".join(
            f"{entry[h]['macro_f1']:.3f}" if h in entry else "" for h in heads) + " |")
    return rows


def model_card(info: dict[str, Any]) -> str:
    """Return the model card as Markdown."""
    training = info.get("training", {})
    lines = [
        "# Model card: ehcp-nlp statement scorer",
        "",
        *(["## What changed", "", info["notes"].strip(), ""] if info.get("notes") else []),
        "## Intended use",
        "Reads one statement from an English Education, Health and Care Plan and says what it",
        "is (aspiration, need, outcome, provision), whether an outcome is SMART and which",
        "criteria it meets, whether provision is specified (and which of its parts it states),",
        "its area of need and its preparing-for-adulthood domain, with the contribution of",
        "each component to every score. It is a checking aid for caseworkers,",
        "quality-assurance officers and researchers: a second reader that points at",
        "statements worth a look. It does not decide what a child needs, and its verdicts",
        "are not legal judgements on a plan.",
        "",
        "## Training data",
        f"- file: `{training.get('file', '?')}`; {training.get('rows')} statements in "
        f"{training.get('groups')} groups (fictional children); sha256 "
        f"`{training.get('data_sha256', '')}`",
        f"- configuration: `{training.get('config')}`",
        *([f"- merged with the bundled corpus `{training['base_corpus']}`"]
          if training.get("base_corpus") else []),
        *([f"- type labels and their roles: `{info['type_roles']}`"]
          if info.get("type_roles") and any(k != v for k, v in info["type_roles"].items())
          else []),
        "- written for this project in many professional voices (see data/README.md); no",
        "  statement comes from a real plan.",
        "",
        "## Model",
        "A blank spaCy English pipeline with lookup lemmas and rule components (time frames,",
        "measures, provision quantities, vague wording, absolute targets, perspective,",
        "modality, type markers) feeds one scikit-learn feature union (rule features, lemma",
        "n-grams, character n-grams). Each score is a logistic regression chosen by grouped",
        "cross-validation and calibrated by a temperature fitted on out-of-fold predictions.",
        "Explanations split each logit exactly into per-component contributions plus bias.",
        "",
        "## Training labels",
        *_count_rows(training.get("label_counts", {})),
        "",
        "## Grouped cross-validation (training data)",
        "Out-of-fold predictions; 95% intervals from a bootstrap over groups (children).",
        "",
        *_metric_rows(info.get("cross_validation", {})),
    ]
    if info.get("learning_curve"):
        lines += ["", "## Learning curve",
                  "Out-of-fold macro-F1 when each fold trains on a share of its groups.", "",
                  *_curve_rows(info["learning_curve"])]
    if "test" in info:
        lines += ["", f"## Held-out test set (`{info['test'].get('file')}`)",
                  *_metric_rows(info["test"]), "", "### Per label (test set)",
                  *_label_rows(info["test"])]
    if "contrast" in info:
        lines += ["", f"## Contrast set (`{info['contrast'].get('file')}`)",
                  "Minimal pairs and sets that keep a surface cue (a time frame, a duration, "
                  "length, tense, 'I want'...) and flip a label.", "",
                  *_metric_rows(info["contrast"])]
    if info.get("holdout"):
        lines += ["", f"## Leave one {info['holdout']['column']} out",
                  f"Trained without the rows of one {info['holdout']['column']} (with the "
                  "regularisation cross-validation chose on all the data), scored on them: "
                  "macro-F1 per score.", "", *_holdout_rows(info["holdout"]["values"])]
    lines += [
        "",
        "## Limits and known failure modes",
        "- Trained on fictional statements written for the project; wording far from the",
        "  corpus's voices (other authorities' templates, heavy abbreviations, other",
        "  languages) will score less reliably. Retrain on your own labelled data",
        "  (`ehcp train`) and compare before relying on it.",
        "- SMART judgements about achievability and realism depend on the child's context,",
        "  which one statement does not carry; the model reads the wording only (absolute",
        "  words, whose perspective it is written from), not the child.",
        "- Outcomes and provision that sit between types (\"will attend a club\", \"will be",
        "  supported to ...\") are the most common confusions; see the confusion matrices.",
        "- Area of need and PfA domain are the weakest scores: many statements serve several",
        "  areas, and the corpus labels one.",
        "- Provision 'specified' follows the rules of data/ANNOTATION.md (the parts each kind",
        "  of provision needs, and hedges); an authority with other rules should retrain.",
    ]
    return "\n".join(lines) + "\n"
