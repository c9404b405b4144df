"""Evaluation: per-label precision, recall and F1, confusion matrices and calibration."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from ehcp_nlp import labels
from ehcp_nlp.errors import CorpusFormatError
from ehcp_nlp.model.heads import HEADS, PART_HEADS, SMART
from ehcp_nlp.model.intervals import bootstrap_report


def head_report(truth: Sequence[str], predicted: Sequence[str],
                classes: Sequence[str]) -> dict:
    """Precision, recall, F1 and support per label, macro-F1, accuracy and the confusion matrix."""
    truth, predicted = np.asarray(truth), np.asarray(predicted)
    classes = list(classes)
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=classes, zero_division=0
    )
    return {
        "n": int(len(truth)),
        "accuracy": float((truth == predicted).mean()) if len(truth) else float("nan"),
        "macro_f1": float(np.mean(f1)) if len(classes) else float("nan"),
        "per_label": {c: {"precision": float(p), "recall": float(r), "f1": float(f),
                          "support": int(s)}
                      for c, p, r, f, s in zip(classes, precision, recall, f1, support,
                                               strict=True)},
        "labels": classes,
        "confusion": confusion_matrix(truth, predicted, labels=classes).tolist(),
    }


def calibration(truth_is_positive: np.ndarray, probability: np.ndarray, bins: int = 10) -> dict:
    """Expected calibration error and the reliability table (mean predicted vs observed)."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(probability, edges[1:-1]), 0, bins - 1)
    table, error = [], 0.0
    for b in range(bins):
        mask = which == b
        if not mask.any():
            continue
        predicted, observed = float(probability[mask].mean()), float(truth_is_positive[mask].mean())
        error += mask.mean() * abs(predicted - observed)
        table.append({"bin": f"{edges[b]:.1f}-{edges[b + 1]:.1f}", "n": int(mask.sum()),
                      "predicted": predicted, "observed": observed})
    return {"ece": float(error), "bins": table}


def evaluate(scorer, frame: pd.DataFrame, *, batch_size: int = 1000) -> dict:
    """Score a labelled frame and report every head the frame has labels for.

    Type is evaluated on every row; SMART and its criteria on the rows labelled outcome;
    specified (the verdict as shown, agreeing with its parts), the provision kind and each
    part on the rows labelled provision; area and PfA on every row. Each head gets
    per-label precision, recall and F1, macro-F1, accuracy, the confusion matrix,
    calibration (expected calibration error of the predicted label's probability) and 95%
    intervals (``intervals``: a bootstrap over the frame's groups when it has a ``group``
    column, else over statements).
    """
    if "text" not in frame.columns:
        raise CorpusFormatError("evaluation data has no 'text' column")
    frame = frame.reset_index(drop=True)
    scores = list(scorer.score_many(frame["text"].astype(str).tolist(), batch_size=batch_size))
    report: dict = {"rows": len(frame)}
    groups = frame["group"].astype(str).to_numpy() if "group" in frame.columns else None
    for head in head_predictions(scorer, frame, scores):
        entry = head_report(head.truth, head.predicted, head.classes)
        entry["calibration"] = calibration(head.truth == head.predicted, head.confidence)
        entry["intervals"] = bootstrap_report(
            head.truth, head.predicted, head.classes,
            groups=groups[head.rows] if groups is not None else None)
        if head.name in ("area", "pfa"):
            entry["confident"] = _confident(head, scores)
        report[head.name] = entry
    return report


def _confident(head: HeadPredictions, scores) -> dict:
    """Coverage, accuracy and macro-F1 of the verdicts given (not ``uncertain``)."""
    chosen = [s for s, keep in zip(scores, head.rows, strict=True) if keep]
    given = np.array([getattr(s, head.name) != labels.UNCERTAIN for s in chosen])
    if not given.any():
        return {"coverage": 0.0, "accuracy": float("nan"), "macro_f1": float("nan")}
    truth, predicted = head.truth[given], head.predicted[given]
    return {"coverage": float(given.mean()), "accuracy": float((truth == predicted).mean()),
            "macro_f1": float(f1_score(truth, predicted, average="macro",
                                       labels=sorted(set(truth)), zero_division=0))}


@dataclass(frozen=True, eq=False)
class HeadPredictions:
    """One head's labels and a model's predictions on the rows it is evaluated on.

    Attributes
    ----------
    name
        The head (``type``, ``smart``, a criterion, ``quantified``, ``area``, ``pfa``).
    rows
        Boolean mask of the frame's rows the head is evaluated on.
    truth, predicted
        The frame's labels and the model's predictions on those rows.
    confidence
        The model's probability of its predicted label.
    classes
        The model's labels for the head, then any other label the truth has (sorted).
    """

    name: str
    rows: np.ndarray
    truth: np.ndarray
    predicted: np.ndarray
    confidence: np.ndarray
    classes: list[str]


def head_predictions(scorer, frame: pd.DataFrame, scores: Sequence,
                     roles: Mapping[str, str | None] | None = None) -> list[HeadPredictions]:
    """The heads the model has and the frame is labelled for, with truth and predictions.

    Parameters
    ----------
    scorer
        The model that produced ``scores``.
    frame
        Labelled statements (index 0..n-1).
    scores
        The model's :class:`~ehcp_nlp.results.StatementScore` for each row of ``frame``.
    roles
        Type label -> role, deciding the rows of SMART, the criteria and quantified (see
        :meth:`Head.rows <ehcp_nlp.model.heads.Head.rows>`); the model's own by default.
    """
    if roles is None:
        roles = scorer.info.get("type_roles")
    found = []
    for head in (HEADS[0], SMART, *HEADS[1:]):
        known = head.name in scorer.linear.heads or (
            head is SMART and all(c in scorer.linear.heads for c in labels.CRITERIA))
        if (head.name not in frame.columns or not known
                or (head.applies_to is not None and "type" not in frame.columns)):
            continue
        mask = head.rows(frame, roles)
        if not mask.any():
            continue
        truth = frame.loc[mask, head.name].astype(str).to_numpy()
        chosen = [s for s, m in zip(scores, mask, strict=True) if m]
        predicted, confidence = _predictions(head.name, chosen)
        classes = (["no", "yes"] if head is SMART
                   else list(scorer.linear.heads[head.name].classes))
        classes += sorted(set(truth) - set(classes))
        found.append(HeadPredictions(head.name, mask, truth, predicted, confidence, classes))
    return found


def _predictions(head: str, scores) -> tuple[np.ndarray, np.ndarray]:
    if head == "type":
        return (np.array([s.type for s in scores]),
                np.array([s.probabilities[s.type] for s in scores]))
    if head in ("area", "pfa"):  # the best guess: every row gets one
        return (np.array([getattr(s, f"{head}_guess") or getattr(s, head) for s in scores]),
                np.array([getattr(s, f"{head}_probability") for s in scores]))
    if head == "provision_kind":
        return (np.array([getattr(s, head) for s in scores]),
                np.array([getattr(s, f"{head}_probability") for s in scores]))
    if head in labels.CRITERIA:
        p = np.array([s.criteria[head].probability for s in scores])
    elif head in PART_HEADS and head != "quantified":
        p = np.array([s.part_probabilities.get(PART_HEADS[head], np.nan) for s in scores])
    else:
        p = np.array([getattr(s, f"{head}_probability") for s in scores])
    return np.where(p >= 0.5, "yes", "no"), np.maximum(p, 1 - p)
