"""Corpus figures for the data card: label counts and the near-duplicate rate."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from ehcp_nlp import labels

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
    matrix = TfidfVectorizer(analyzer="char", ngram_range=(5, 5)).fit_transform(texts)
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
    counts["quantified (provision)"] = {
        v: int((provision["quantified"] == v).sum()) for v in labels.YES_NO
    }
    return counts
