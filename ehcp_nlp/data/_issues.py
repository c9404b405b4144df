"""Labels that are probably wrong: out-of-fold probabilities far from the label given.

Grouped cross-validation with the project's own training code gives every labelled row a
calibrated probability for each class from a model that never saw the row (nor any other
statement of its child). A row whose given label gets a low probability, while another label
gets a high one, is worth a second look. The ranking and the marks are confident learning
(Northcutt, Jiang and Chuang, 2021) as cleanlab implements it: rows are ranked by the
normalised margin (``cleanlab.rank.get_label_quality_scores``) and marked likely issues by
``cleanlab.filter.find_label_issues``, on the grouped out-of-fold probabilities of this
project's training code (``benchmarks/label_issues.py`` measures both against the first
release's hand-written rule).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ehcp_nlp.data._validate import FIRST_ROW
from ehcp_nlp.errors import CorpusFormatError

if TYPE_CHECKING:
    from ehcp_nlp.model.train import TrainingConfig

#: Regularisation used for the cross-validation unless a config is given: one C (the middle
#: of the training grid) instead of three costs a third of the time and, measured by
#: ``benchmarks/label_issues.py``, ranks flipped labels as well.
ISSUES_C = 4.0


@dataclass(frozen=True)
class LabelIssue:
    """How well one row's label for one head agrees with the model's out-of-fold reading.

    Attributes
    ----------
    row
        Spreadsheet row number in the file (the header is row 1, the first statement row 2).
    id
        The row's ``id`` (empty when the data has none).
    text
        The statement.
    head
        The label column (``type``, a SMART criterion, ``quantified``, ``area``, ``pfa``).
    given
        The label in the data.
    suggested
        The most probable label other than the given one.
    p_given, p_suggested
        Calibrated out-of-fold probabilities of the two.
    quality
        Normalised margin ``(p_given - p_suggested + 1) / 2`` in [0, 1]: below 0.5 the model
        prefers another label; the lower, the likelier the label is wrong.
    likely_issue
        Off the diagonal of the confident joint: ``suggested`` clears its class threshold and
        beats every other class that does, the given label included.
    rank
        Position within the head, 1 being the likeliest wrong.
    """

    row: int
    id: str
    text: str
    head: str
    given: str
    suggested: str
    p_given: float
    p_suggested: float
    quality: float
    likely_issue: bool
    rank: int

    def to_dict(self) -> dict:
        """Return a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class LabelIssues:
    """Every scored (row, head) pair, likeliest wrong first.

    Attributes
    ----------
    issues
        Sorted by quality (lowest first), then head order, then row.
    thresholds
        Head -> class -> the confident-learning threshold (mean out-of-fold probability of
        the class over rows labelled with it).
    cv_macro_f1
        Head -> out-of-fold macro-F1 of the cross-validation (how far to trust the readings).
    rows
        Number of rows in the data.
    config
        The training configuration of the cross-validation.
    """

    issues: tuple[LabelIssue, ...]
    thresholds: dict[str, dict[str, float]]
    cv_macro_f1: dict[str, float]
    rows: int
    config: dict = field(default_factory=dict)

    @property
    def heads(self) -> tuple[str, ...]:
        """The heads scored, in training order."""
        return tuple(self.thresholds)

    @property
    def likely(self) -> tuple[LabelIssue, ...]:
        """The pairs marked as likely issues."""
        return tuple(i for i in self.issues if i.likely_issue)

    def for_head(self, head: str) -> tuple[LabelIssue, ...]:
        """One head's pairs, by rank."""
        return tuple(sorted((i for i in self.issues if i.head == head), key=lambda i: i.rank))

    def to_frame(self) -> pd.DataFrame:
        """One row per (row, head) pair, in the order of :attr:`issues`."""
        columns = list(LabelIssue.__dataclass_fields__)
        return pd.DataFrame([i.to_dict() for i in self.issues], columns=columns)

    def to_dict(self, top: int | None = None) -> dict:
        """Return a JSON-ready dictionary; ``top`` keeps only the first pairs."""
        chosen = self.issues if top is None else self.issues[:top]
        return {
            "rows": self.rows,
            "heads": list(self.heads),
            "likely_issues": {h: sum(i.likely_issue for i in self.issues if i.head == h)
                              for h in self.heads},
            "thresholds": self.thresholds,
            "cv_macro_f1": self.cv_macro_f1,
            "config": self.config,
            "issues": [i.to_dict() for i in chosen],
        }


def score_labels(probabilities: np.ndarray, given: np.ndarray,
                 method: str = "cleanlab") -> dict[str, np.ndarray]:
    """Confident-learning scores of labelled rows from out-of-fold probabilities.

    Parameters
    ----------
    probabilities
        One row per labelled row, one column per class; rows sum to 1.
    given
        Index of each row's given class.
    method
        ``cleanlab`` (the default): the rows cleanlab's ``find_label_issues`` flags (pruned
        by noise rate from the confident joint) and its normalised-margin quality;
        ``confident_joint``: the hand-written rule of the first release (off the diagonal of
        the confident joint), kept to measure the two against each other
        (``benchmarks/label_issues.py --method``).

    Returns
    -------
    dict
        ``p_given``, ``suggested`` (index of the most probable other class), ``p_suggested``,
        ``quality`` (normalised margin), ``likely_issue`` and ``thresholds`` (per class).
    """
    n, k = probabilities.shape
    rows = np.arange(n)
    p_given = probabilities[rows, given]
    others = probabilities.copy()
    others[rows, given] = -np.inf
    suggested = others.argmax(axis=1)
    p_suggested = probabilities[rows, suggested]
    thresholds = np.array([probabilities[given == j, j].mean() if (given == j).any() else 1.0
                           for j in range(k)])
    if method == "cleanlab":
        from cleanlab.filter import find_label_issues
        from cleanlab.rank import get_label_quality_scores

        quality = get_label_quality_scores(given, probabilities, method="normalized_margin")
        likely = find_label_issues(given, probabilities) if len(set(given.tolist())) > 1 \
            else np.zeros(n, bool)
    elif method == "confident_joint":
        above = np.where(probabilities >= thresholds - 1e-12, probabilities, -np.inf)
        confident = above.argmax(axis=1)
        likely = np.isfinite(above).any(axis=1) & (confident != given)
        quality = (p_given - p_suggested + 1) / 2
    else:
        raise ValueError(f"method {method!r}: use cleanlab or confident_joint")
    return {
        "p_given": p_given,
        "suggested": suggested,
        "p_suggested": p_suggested,
        "quality": np.asarray(quality, dtype=float),
        "likely_issue": np.asarray(likely, dtype=bool),
        "thresholds": thresholds,
    }


def label_issues(
    frame: pd.DataFrame,
    *,
    heads: Sequence[str] | None = None,
    config: TrainingConfig | None = None,
    seed: int = 0,
    progress: Callable[[str], None] | None = None,
    method: str = "cleanlab",
) -> LabelIssues:
    """Rank labelled rows by how likely their labels are wrong.

    Runs the grouped cross-validation of :func:`ehcp_nlp.model.train.select_models` (the
    folds, features and calibration of training) and scores each head's calibrated
    out-of-fold probabilities (see :func:`score_labels`).

    Parameters
    ----------
    frame
        A labelled corpus as read by :func:`ehcp_nlp.data.read_corpus` (rows in file order).
    heads
        The label columns to check (default: every head the data has labels for).
    config
        The training configuration; by default training's, with the single C
        :data:`ISSUES_C` and ``seed``. When given, its own seed is used.
    seed
        Seed of the default configuration.
    progress
        Called with a short message at each stage.
    method
        How likely issues are marked (see :func:`score_labels`).

    Returns
    -------
    LabelIssues

    Raises
    ------
    CorpusFormatError
        When the data lacks ``text``, ``type`` or ``group``, or a head asked for has no labels.
    """
    # imported here: training pulls in spaCy and scikit-learn, which the rest of
    # ehcp_nlp.data (validation, statistics) does not need
    from ehcp_nlp.model.train import (
        TrainingConfig,
        check_training_frame,
        process,
        roles_of,
        select_models,
    )

    config = config or TrainingConfig(seed=seed, c_grid=(ISSUES_C,), learning_curve=())
    roles = roles_of(frame, config.type_roles) if "type" in frame.columns else {}
    available = check_training_frame(frame, roles)
    if heads is not None:
        names = [h.name for h in available]
        unknown = [h for h in heads if h not in names]
        if unknown:
            raise CorpusFormatError(f"no labels to check for {', '.join(unknown)}; heads with "
                                    f"labels in this data: {', '.join(names)}")
        available = [h for h in available if h.name in heads]
    frame = frame.reset_index(drop=True).astype({"text": str, "group": str})
    if progress:
        progress(f"processing {len(frame):,} statements with spaCy")
    _, docs = process(frame["text"].tolist())
    fits = select_models(docs, frame, available, config, progress, roles)
    ids = frame["id"].astype(str).to_numpy() if "id" in frame.columns else np.full(len(frame), "")
    texts = frame["text"].to_numpy()
    issues: list[LabelIssue] = []
    thresholds: dict[str, dict[str, float]] = {}
    order = {}
    for k, (name, fit) in enumerate(fits.items()):
        order[name] = k
        classes = list(fit.classes)
        given = np.array([classes.index(t) for t in fit.oof_truth])
        scores = score_labels(fit.oof_probabilities, given, method)
        thresholds[name] = dict(zip(classes, scores["thresholds"].round(6).tolist(),
                                    strict=True))
        # lowest quality first; ties by row, so the ranking is stable
        ranking = np.lexsort((fit.oof_rows, scores["quality"]))
        for rank, j in enumerate(ranking, start=1):
            position = int(fit.oof_rows[j])
            issues.append(LabelIssue(
                row=position + FIRST_ROW, id=str(ids[position]), text=str(texts[position]),
                head=name, given=classes[given[j]], suggested=classes[scores["suggested"][j]],
                p_given=float(scores["p_given"][j]),
                p_suggested=float(scores["p_suggested"][j]),
                quality=float(scores["quality"][j]),
                likely_issue=bool(scores["likely_issue"][j]), rank=rank))
    issues.sort(key=lambda i: (i.quality, order[i.head], i.row))
    return LabelIssues(tuple(issues), thresholds,
                       {name: fit.cv_macro_f1 for name, fit in fits.items()},
                       len(frame), config.to_dict())
