"""Corpus figures: label counts, the near-duplicate rate, and train/test overlap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from ehcp_nlp import labels
from ehcp_nlp.data._read import FIRST_ROW

#: Two statements are near duplicates at or above this cosine similarity.
NEAR_DUPLICATE_THRESHOLD = 0.9


@dataclass(frozen=True)
class NearDuplicates:
    """How similar each statement is to its closest other statement.

    Attributes
    ----------
    max_similarity
        Per statement, the highest character 5-gram TF-IDF cosine to any other statement.
    nearest
        Per statement, the index (into the concatenated input) of that closest statement.
    threshold
        The cosine at or above which two statements count as near duplicates.
    """

    max_similarity: np.ndarray
    nearest: np.ndarray
    threshold: float = NEAR_DUPLICATE_THRESHOLD

    @property
    def flagged(self) -> np.ndarray:
        """Boolean mask: the statements that have a near duplicate."""
        return self.max_similarity >= self.threshold

    @property
    def rate(self) -> float:
        """Share of statements that have a near duplicate."""
        return float(self.flagged.mean()) if len(self.flagged) else 0.0


def char_vectors(texts: Sequence[str]):
    """L2-normalised character 5-gram TF-IDF vectors, lower-cased, fitted on ``texts``.

    The similarity of :func:`near_duplicates`, :func:`overlap` and the diversity of
    :func:`~ehcp_nlp.data.suggest`: the cosine of two statements is the dot product of their
    rows.
    """
    return TfidfVectorizer(analyzer="char", ngram_range=(5, 5)).fit_transform(texts)


def normalised_text(text: str) -> str:
    """A statement lower-cased with its white space collapsed: the key of exact duplicates."""
    return " ".join(str(text).lower().split())


def near_duplicates(
    texts: Sequence[str], *, threshold: float = NEAR_DUPLICATE_THRESHOLD, chunk: int = 2000
) -> NearDuplicates:
    """Find each statement's most similar other statement (character 5-gram TF-IDF cosine).

    The vectoriser lower-cases, uses character 5-grams (``analyzer="char"``) and L2-normalised
    TF-IDF weights fitted on all the texts given, so cosine is a dot product. To measure across a
    training corpus and its test set, pass their texts concatenated.

    Parameters
    ----------
    texts
        The statements.
    threshold
        Cosine at or above which two statements are near duplicates.
    chunk
        Rows compared at a time; bounds memory on large corpora.
    """
    n = len(texts)
    if n < 2:
        return NearDuplicates(np.zeros(n), np.full(n, -1), threshold)
    matrix = char_vectors(texts)
    best = np.zeros(n)
    nearest = np.full(n, -1)
    for start in range(0, n, chunk):
        block = (matrix[start : start + chunk] @ matrix.T).toarray()
        rows = np.arange(block.shape[0])
        block[rows, rows + start] = -1.0  # a statement is not its own duplicate
        nearest[start : start + chunk] = block.argmax(axis=1)
        best[start : start + chunk] = block[rows, nearest[start : start + chunk]]
    return NearDuplicates(best, nearest, threshold)


def label_counts(frame: pd.DataFrame) -> dict[str, dict[str, int]]:
    """Count statements per value of each label column, in the order of :mod:`labels`."""
    vocab = {
        "type": labels.TYPES,
        "area": labels.AREAS,
        "pfa": labels.PFA,
        "stage": labels.STAGES,
        "voice": labels.VOICES,
        "register": labels.REGISTERS,
    }
    counts: dict[str, dict[str, int]] = {}
    for column, values in vocab.items():
        if column in frame.columns:
            observed = frame[column].value_counts()
            counts[column] = {v: int(observed.get(v, 0)) for v in values}
    outcomes = frame[frame["type"] == "outcome"]
    counts["smart (outcomes)"] = {v: int((outcomes["smart"] == v).sum()) for v in labels.YES_NO}
    for criterion in labels.CRITERIA:
        counts[f"{criterion} (outcomes)"] = {
            v: int((outcomes[criterion] == v).sum()) for v in labels.YES_NO
        }
    provision = frame[frame["type"] == "provision"]
    for column in ("specified", *labels.PART_COLUMNS):
        if column in provision.columns:
            counts[f"{column} (provision)"] = {
                v: int((provision[column] == v).sum()) for v in labels.YES_NO
            }
    if "provision_kind" in provision.columns:
        counts["provision_kind (provision)"] = {
            v: int((provision["provision_kind"] == v).sum()) for v in labels.PROVISION_KINDS}
    return counts


def dataset_stats(frame: pd.DataFrame) -> dict:
    """Describe a labelled corpus: size, groups, labels, text lengths and empty cells.

    Parameters
    ----------
    frame
        A corpus as read by :func:`ehcp_nlp.data.read_corpus`; only ``text`` is required.

    Returns
    -------
    dict
        ``rows``; ``groups`` and ``rows_per_group`` (``min``, ``median``, ``max``) when there
        is a ``group`` column; ``labels``: for every label column present, the count of each
        value given (empty cells left out); ``text_length``: characters and words (``min``,
        ``median``, ``mean``, ``max``); ``missing``: empty cells per column; and
        ``duplicate_texts``: rows whose text, ignoring case and spacing, repeats an earlier
        row's.
    """
    texts = frame["text"].astype(str)
    out: dict = {"rows": len(frame)}
    if "group" in frame.columns:
        sizes = frame["group"].astype(str).value_counts()
        out["groups"] = len(sizes)
        out["rows_per_group"] = _summary(sizes.to_numpy(), mean=False)
    label_columns = [c for c in labels.COLUMNS if c not in ("id", "text", "group")]
    out["labels"] = {}
    for column in label_columns:
        if column in frame.columns:
            values = frame[column].astype(str)
            counts = values[values.str.strip() != ""].value_counts()
            out["labels"][column] = {str(k): int(v) for k, v in sorted(counts.items())}
    out["text_length"] = {
        "characters": _summary(texts.str.len().to_numpy()),
        "words": _summary(texts.str.split().str.len().to_numpy()),
    }
    out["missing"] = {str(c): int(frame[c].astype(str).str.strip().eq("").sum())
                      for c in frame.columns}
    out["duplicate_texts"] = int(texts.map(normalised_text).duplicated().sum())
    return out


def _summary(values: np.ndarray, mean: bool = True) -> dict[str, float]:
    if len(values) == 0:
        return {}
    out = {"min": int(values.min()), "median": float(np.median(values))}
    if mean:
        out["mean"] = round(float(values.mean()), 1)
    out["max"] = int(values.max())
    return out


@dataclass(frozen=True)
class OverlapPair:
    """A test statement that repeats, or nearly repeats, a training statement.

    Attributes
    ----------
    test_row, train_row
        Spreadsheet rows (the header is row 1) in the test and training data.
    similarity
        Character 5-gram TF-IDF cosine; 1.0 for an exact duplicate.
    exact
        The same text once case and spacing are ignored.
    test_text, train_text
        The two statements.
    """

    test_row: int
    train_row: int
    similarity: float
    exact: bool
    test_text: str
    train_text: str

    def to_dict(self) -> dict:
        """Return a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class Overlap:
    """What a test set shares with its training data (see :func:`overlap`).

    Attributes
    ----------
    pairs
        Each test statement with an exact or near duplicate in the training data, paired with
        its closest training statement, in test row order.
    shared_groups
        Groups (children or plans) with statements on both sides.
    test_rows, train_rows
        Statements in each.
    threshold
        The cosine at or above which two statements count as near duplicates.
    """

    pairs: tuple[OverlapPair, ...]
    shared_groups: tuple[str, ...]
    test_rows: int
    train_rows: int
    threshold: float = NEAR_DUPLICATE_THRESHOLD

    @property
    def exact(self) -> tuple[OverlapPair, ...]:
        """Test statements repeating a training statement."""
        return tuple(p for p in self.pairs if p.exact)

    @property
    def near(self) -> tuple[OverlapPair, ...]:
        """Test statements nearly repeating a training statement (not exactly)."""
        return tuple(p for p in self.pairs if not p.exact)

    @property
    def clean(self) -> bool:
        """True when nothing is shared."""
        return not self.pairs and not self.shared_groups

    def summary(self) -> str:
        """Return one line: the counts."""
        return (f"{len(self.exact)} of {self.test_rows} test statements repeat a training "
                f"statement, {len(self.near)} nearly (cosine >= {self.threshold}); "
                f"{len(self.shared_groups)} groups on both sides")

    def to_dict(self) -> dict:
        """Return a JSON-ready dictionary."""
        return {"test_rows": self.test_rows, "train_rows": self.train_rows,
                "threshold": self.threshold, "exact": len(self.exact),
                "near": len(self.near), "shared_groups": list(self.shared_groups),
                "pairs": [p.to_dict() for p in self.pairs]}


def cross_similarity(train_texts: Sequence[str], test_texts: Sequence[str], *,
                     chunk: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """For each test statement, its closest training statement and their cosine.

    The vectors are :func:`char_vectors` fitted on both sides together, as
    :func:`near_duplicates` does when given train and test concatenated.

    Returns
    -------
    tuple of numpy.ndarray
        The index of the closest training statement (``-1`` when there is none) and the
        cosine, per test statement.
    """
    train_texts, test_texts = list(train_texts), list(test_texts)
    nearest = np.full(len(test_texts), -1)
    best = np.zeros(len(test_texts))
    if not train_texts or not test_texts:
        return nearest, best
    matrix = char_vectors(train_texts + test_texts)
    train, test = matrix[: len(train_texts)], matrix[len(train_texts):]
    for start in range(0, len(test_texts), chunk):
        block = (test[start : start + chunk] @ train.T).toarray()
        nearest[start : start + chunk] = block.argmax(axis=1)
        best[start : start + chunk] = block.max(axis=1)
    return nearest, best


def overlap(train_frame: pd.DataFrame, test_frame: pd.DataFrame, *,
            threshold: float = NEAR_DUPLICATE_THRESHOLD) -> Overlap:
    """Find test statements that repeat or nearly repeat training ones, and shared groups.

    A test statement shared with the training data measures memory, not reading; a shared
    group puts one child's statements on both sides.

    Parameters
    ----------
    train_frame, test_frame
        Corpora with a ``text`` column (and ``group`` for the shared groups), rows in file
        order.
    threshold
        Cosine at or above which two statements count as near duplicates.
    """
    train_texts = train_frame["text"].astype(str).tolist()
    test_texts = test_frame["text"].astype(str).tolist()
    exact_rows = {}
    for row, text in enumerate(train_texts):
        exact_rows.setdefault(normalised_text(text), row)
    nearest, best = cross_similarity(train_texts, test_texts)
    pairs = []
    for row, text in enumerate(test_texts):
        same = exact_rows.get(normalised_text(text))
        if same is None and best[row] < threshold:
            continue
        other = same if same is not None else int(nearest[row])
        pairs.append(OverlapPair(row + FIRST_ROW, other + FIRST_ROW,
                                 1.0 if same is not None else round(float(best[row]), 4),
                                 same is not None, text, train_texts[other]))
    shared: tuple[str, ...] = ()
    if "group" in train_frame.columns and "group" in test_frame.columns:
        shared = tuple(sorted(set(train_frame["group"].astype(str))
                              & set(test_frame["group"].astype(str)) - {""}))
    return Overlap(tuple(pairs), shared, len(test_texts), len(train_texts), threshold)
