"""Comparing two models on the same labelled data: intervals, McNemar and disagreements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ehcp_nlp import labels
from ehcp_nlp.errors import CorpusFormatError
from ehcp_nlp.model.evaluate import HeadPredictions, head_predictions
from ehcp_nlp.model.intervals import bootstrap_report, paired_bootstrap

#: Below this many discordant statements McNemar's p-value is the exact binomial one.
EXACT_BELOW = 25
#: The columns of :attr:`Comparison.disagreements` (``id`` only when the data has ids).
DISAGREEMENT_COLUMNS = ("id", "text", "head", "truth", "prediction_a", "probability_a",
                        "prediction_b", "probability_b")


@dataclass(frozen=True)
class McNemar:
    """McNemar's test of whether two models on the same statements are equally often right.

    Only the statements where exactly one model is right bear on it: ``b`` (A right, B wrong)
    and ``c`` (A wrong, B right). Under the hypothesis of equal accuracy each of the ``b + c``
    is equally likely to fall either way, so ``b`` is binomial(``b + c``, 1/2).

    Attributes
    ----------
    b
        Statements model A gets right and model B wrong.
    c
        Statements model A gets wrong and model B right.
    statistic
        ``min(b, c)`` for the exact test; ``(|b - c| - 1)^2 / (b + c)`` for the chi-square.
    p_value
        Two-sided p-value.
    method
        ``exact binomial`` when ``b + c`` < 25, else ``chi-square with continuity
        correction`` (1 degree of freedom).
    """

    b: int
    c: int
    statistic: float
    p_value: float
    method: str

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        return {"b": self.b, "c": self.c, "statistic": self.statistic,
                "p_value": self.p_value, "method": self.method}


def mcnemar(correct_a, correct_b) -> McNemar:
    """McNemar's test on two models' correctness, statement by statement.

    Parameters
    ----------
    correct_a, correct_b
        Whether model A (B) got each statement right, in the same order.
    """
    from scipy.stats import binomtest, chi2

    correct_a, correct_b = np.asarray(correct_a, bool), np.asarray(correct_b, bool)
    b, c = int((correct_a & ~correct_b).sum()), int((~correct_a & correct_b).sum())
    if b + c < EXACT_BELOW:
        p_value = binomtest(b, b + c, 0.5).pvalue if b + c else 1.0
        return McNemar(b, c, float(min(b, c)), min(1.0, float(p_value)), "exact binomial")
    # the correction never takes |b - c| below 0 (it would make b == c look unequal)
    statistic = max(abs(b - c) - 1, 0) ** 2 / (b + c)
    return McNemar(b, c, float(statistic), float(chi2.sf(statistic, 1)),
                   "chi-square with continuity correction")


@dataclass(frozen=True)
class HeadComparison:
    """Two models compared on one head.

    Attributes
    ----------
    name
        The head (``type``, ``smart``, a criterion, ``quantified``, ``area``, ``pfa``).
    n
        Statements it is compared on.
    a, b
        Each model's metrics with intervals (see
        :func:`~ehcp_nlp.model.intervals.bootstrap_report`).
    difference
        Intervals of B - A from the same resamples (see
        :func:`~ehcp_nlp.model.intervals.paired_bootstrap`); accuracy only when the models'
        labels differ.
    mcnemar
        McNemar's test on which model gets each statement right.
    disagreements
        Statements on which the two models' predictions differ.
    note
        Why the comparison is limited, if it is (the models' labels differ).
    """

    name: str
    n: int
    a: dict[str, Any]
    b: dict[str, Any]
    difference: dict[str, Any]
    mcnemar: McNemar
    disagreements: int
    note: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        return {"n": self.n, "a": self.a, "b": self.b, "difference": self.difference,
                "mcnemar": self.mcnemar.to_dict(), "disagreements": self.disagreements,
                "note": self.note}


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare`.

    Attributes
    ----------
    model_a, model_b
        Where each model was loaded from (``A``, ``B`` for models not loaded from disk).
    rows
        Statements in the data.
    heads
        Head name -> its comparison, for every head both models have and the data labels.
    notes
        What was not compared and why (a head only one model has).
    has_ids
        Whether the data has an ``id`` column (and the disagreements with it).
    disagreement_records
        One dictionary per statement and head on which the predictions differ (see
        :attr:`disagreements`).
    """

    model_a: str
    model_b: str
    rows: int
    heads: dict[str, HeadComparison]
    notes: tuple[str, ...] = ()
    has_ids: bool = False
    disagreement_records: tuple[dict[str, Any], ...] = field(default=(), repr=False)

    @property
    def disagreements(self) -> pd.DataFrame:
        """The statements and heads on which the two models disagree, as a DataFrame.

        Columns: ``id`` (when the data has ids), ``text``, ``head``, ``truth``,
        ``prediction_a``, ``probability_a``, ``prediction_b``, ``probability_b``; a
        probability is the model's probability of its own prediction.
        """
        columns = [c for c in DISAGREEMENT_COLUMNS if self.has_ids or c != "id"]
        return pd.DataFrame(list(self.disagreement_records), columns=columns)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        return {"model_a": self.model_a, "model_b": self.model_b, "rows": self.rows,
                "heads": {name: h.to_dict() for name, h in self.heads.items()},
                "notes": list(self.notes),
                "disagreements": [dict(r) for r in self.disagreement_records]}


def compare(scorer_a, scorer_b, frame: pd.DataFrame, *, n_resamples: int = 1000,
            seed: int = 0) -> Comparison:
    """Compare two models on the same labelled statements.

    Each model scores the statements once. For every head both models have and the data is
    labelled for (on the rows :func:`~ehcp_nlp.model.evaluate.evaluate` uses), it reports each
    model's accuracy, macro-F1 and per-label precision, recall and F1 with bootstrap
    intervals, the interval of the difference B - A from the same resamples, McNemar's test,
    and the statements on which the predictions differ. When the data has a ``group`` column
    (the child or plan), whole groups are resampled (a cluster bootstrap); a row with an empty
    group is a group of its own. Without it, rows are resampled.

    Parameters
    ----------
    scorer_a, scorer_b
        The two models (:class:`~ehcp_nlp.model.scorer.Scorer`).
    frame
        Labelled statements: a ``text`` column and label columns as in
        ``data/statements.csv``; type labels of a model's own are allowed.
    n_resamples
        Bootstrap resamples.
    seed
        Seed of the bootstrap: the same seed gives the same intervals.

    Raises
    ------
    ehcp_nlp.errors.CorpusFormatError
        When the data has no ``text`` column, no rows, or no labels both models score.
    """
    if "text" not in frame.columns:
        raise CorpusFormatError("comparison data has no 'text' column; add a header row with "
                                "'text' and the label columns")
    if frame.empty:
        raise CorpusFormatError("comparison data has no statements")
    frame = frame.reset_index(drop=True)
    texts = frame["text"].astype(str).tolist()
    scores_a = list(scorer_a.score_many(texts, batch_size=1000))
    scores_b = (scores_a if scorer_b is scorer_a
                else list(scorer_b.score_many(texts, batch_size=1000)))
    roles = _roles(frame, scorer_a, scorer_b)
    by_a = {h.name: h for h in head_predictions(scorer_a, frame, scores_a, roles)}
    by_b = {h.name: h for h in head_predictions(scorer_b, frame, scores_b, roles)}
    notes = [f"{name}: only model {which} has this score; not compared"
             for which, mine, other in (("A", by_a, by_b), ("B", by_b, by_a))
             for name in mine if name not in other]
    shared = [name for name in by_a if name in by_b]
    if not shared:
        raise CorpusFormatError("the data has no label column that both models score (type, "
                                "smart, the criteria, quantified, area, pfa); give labelled "
                                "data")
    groups = _groups(frame)
    if "type" in shared and set(_model_labels(scorer_a, "type")) != set(
            _model_labels(scorer_b, "type")):
        # models with different type labels (one splits provision in two) are compared on the
        # golden-thread roles they share; the split itself is reported, not scored as errors
        by_a["type"], by_b["type"] = (_by_role(by_a["type"], scorer_a, roles),
                                      _by_role(by_b["type"], scorer_b, roles))
        notes += _split_notes(scorer_a, scorer_b, frame)
    heads, records = {}, []
    for name in shared:
        ha, hb = by_a[name], by_b[name]
        by_role = name == "type" and any(n.startswith("type: the models' type labels differ")
                                          for n in notes)
        heads[name] = _compare_head(ha, hb,
                                    tuple(ha.classes) if by_role else _model_labels(scorer_a,
                                                                                   name),
                                    tuple(ha.classes) if by_role else _model_labels(scorer_b,
                                                                                   name),
                                    None if groups is None else groups[ha.rows],
                                    n_resamples, seed)
        records += _disagreements(frame, ha, hb)
    return Comparison(str(scorer_a.info.get("path", "A")), str(scorer_b.info.get("path", "B")),
                      len(frame), heads, tuple(notes), "id" in frame.columns, tuple(records))


def _compare_head(ha: HeadPredictions, hb: HeadPredictions, labels_a: tuple[str, ...],
                  labels_b: tuple[str, ...], groups: np.ndarray | None, n_resamples: int,
                  seed: int) -> HeadComparison:
    options = {"groups": groups, "n_resamples": n_resamples, "seed": seed}
    same = set(labels_a) == set(labels_b)
    note = None if same else (
        f"{ha.name}: the models' labels differ (A: {', '.join(labels_a)}; B: "
        f"{', '.join(labels_b)}); compared on accuracy against the data's labels, not on "
        "macro-F1")
    return HeadComparison(
        name=ha.name,
        n=len(ha.truth),
        a=bootstrap_report(ha.truth, ha.predicted, ha.classes, **options),
        b=bootstrap_report(hb.truth, hb.predicted, hb.classes, **options),
        difference=paired_bootstrap(ha.truth, ha.predicted, hb.predicted,
                                    ha.classes if same else None, **options),
        mcnemar=mcnemar(ha.truth == ha.predicted, hb.truth == hb.predicted),
        disagreements=int((ha.predicted != hb.predicted).sum()),
        note=note,
    )


def _disagreements(frame: pd.DataFrame, ha: HeadPredictions,
                   hb: HeadPredictions) -> list[dict[str, Any]]:
    rows = np.flatnonzero(ha.rows)
    records = []
    for i in np.flatnonzero(ha.predicted != hb.predicted):
        record = {"id": str(frame.at[rows[i], "id"])} if "id" in frame.columns else {}
        records.append({**record, "text": str(frame.at[rows[i], "text"]), "head": ha.name,
                        "truth": str(ha.truth[i]),
                        "prediction_a": str(ha.predicted[i]),
                        "probability_a": float(ha.confidence[i]),
                        "prediction_b": str(hb.predicted[i]),
                        "probability_b": float(hb.confidence[i])})
    return records


def _roles(frame: pd.DataFrame, *scorers) -> dict[str, str | None] | None:
    """One role per type label of the data, so that both models are judged on the same rows."""
    if "type" not in frame.columns:
        return None
    given: dict[str, str | None] = {}
    for scorer in scorers:
        given.update(scorer.info.get("type_roles") or {})
    return {t: labels.type_role(t, given) for t in frame["type"].astype(str).unique()}


def _groups(frame: pd.DataFrame) -> np.ndarray | None:
    """Each row's group as a number; a row with an empty group is a group of its own."""
    if "group" not in frame.columns:
        return None
    names = frame["group"].astype(str).str.strip()
    codes, _ = pd.factorize(names.where(names != "", None))
    alone = codes < 0
    codes[alone] = codes.max() + 1 + np.arange(alone.sum())
    return codes


def _by_role(head: HeadPredictions, scorer, roles: dict[str, str | None] | None
             ) -> HeadPredictions:
    """A type head's truth and predictions as golden-thread roles (need, outcome...)."""
    given = dict(roles or {})
    given.update(scorer.info.get("type_roles") or {})

    def role(label) -> str:
        return labels.type_role(str(label), given) or str(label)

    truth = np.array([role(t) for t in head.truth], dtype=object)
    predicted = np.array([role(t) for t in head.predicted], dtype=object)
    classes = [r for r in ("aspiration", "need", "outcome", "provision")]
    classes += sorted((set(truth) | set(predicted)) - set(classes))
    return HeadPredictions("type", head.rows, truth, predicted, head.confidence, classes)


def _split_notes(scorer_a, scorer_b, frame: pd.DataFrame) -> list[str]:
    """Name each type label a model splits into several of the same role."""
    data_labels = set(frame["type"].astype(str)) if "type" in frame.columns else set()
    notes = ["type: the models' type labels differ, so type is compared on the roles both "
             "have (aspiration, need, outcome, provision): a statement is right when its "
             "label's role is the data's"]
    for which, scorer in (("A", scorer_a), ("B", scorer_b)):
        given = scorer.info.get("type_roles") or {}
        by_role: dict[str, list[str]] = {}
        for label in _model_labels(scorer, "type"):
            by_role.setdefault(labels.type_role(label, given) or label, []).append(label)
        for role, split in by_role.items():
            if len(split) > 1 and not set(split) <= data_labels:
                notes.append(f"type: model {which} splits {role} into {', '.join(split)}; "
                             f"the data labels {role} as one, so the choice between them is "
                             "not judged here (give data labelled with those types to judge "
                             "it)")
    return notes


def _model_labels(scorer, head: str) -> tuple[str, ...]:
    if head == "smart":
        return ("no", "yes")
    return tuple(str(c) for c in scorer.linear.heads[head].classes)
