"""Rule features: the evidence the spaCy rulers marked, as named numeric features.

Each evidence label becomes a feature named ``<family>.<label>`` (``time_frame.date``,
``vague.hedge``); its value grows with the number of matches and saturates at ``cap``. A few
``form.*`` features describe the statement's shape (length, whether it opens with the child,
a first-person pronoun or a bare "To ..."), which separates types that share vocabulary.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from spacy.strings import hash_string
from spacy.tokens import Doc

from ehcp_nlp.nlp.patterns import FAMILIES
from ehcp_nlp.nlp.tokens import token_arrays

#: Features about the statement's shape rather than its evidence.
FORM_FEATURES = (
    "form.length",
    "form.opens_with_subject",
    "form.opens_with_to",
    "form.opens_with_time_frame",
    "form.sentences",
    "form.has_digit",
)
_TO = {hash_string("to"), hash_string("To"), hash_string("TO")}
_STOPS = {hash_string(p) for p in (".", "!", "?", ";")}


def evidence_of(doc: Doc) -> list[tuple[int, int, str, str]]:
    """The ``(start, end, family, label)`` evidence the ruler left on the Doc."""
    found = doc._.ehcp_evidence
    if found is None:
        raise ValueError("Doc has no ehcp evidence: run it through ehcp_nlp.nlp.make_pipeline()")
    return found


class RuleFeatures(TransformerMixin, BaseEstimator):
    """Turn the evidence on each Doc into a sparse row of named features.

    Parameters
    ----------
    cap
        Matches of one label beyond this number add nothing.
    """

    def __init__(self, cap: int = 3) -> None:
        self.cap = cap

    def fit(self, docs: Sequence[Doc], y=None):
        """Fix the feature names: every evidence label of every family, then the form ones."""
        keys = [(family, label) for family, labels in FAMILIES.items() for label in labels]
        self.feature_names_ = np.array([f"{f}.{label}" for f, label in keys] + list(FORM_FEATURES),
                                       dtype=object)
        self.index_ = {key: i for i, key in enumerate(keys)}
        return self

    def _row(self, doc: Doc) -> dict[int, float]:
        index, cap = self.index_, self.cap
        counts: dict[int, float] = {}
        opens_subject = opens_time = False
        for start, _end, family, label in evidence_of(doc):
            column = index.get((family, label))
            if column is not None:
                counts[column] = counts.get(column, 0) + 1
            if start == 0 and family == "perspective":
                opens_subject = True
            if start <= 1 and family == "time_frame":
                opens_time = True
        row = {c: min(n, cap) / cap for c, n in counts.items()}
        form = len(index)
        tokens = token_arrays(doc)
        orths = tokens.orth
        row[form] = math.log1p(len(orths)) / 4.0
        if opens_subject:
            row[form + 1] = 1.0
        if len(orths) and orths[0] in _TO:
            row[form + 2] = 1.0
        if opens_time:
            row[form + 3] = 1.0
        stops = sum(1 for orth in orths[:-1] if orth in _STOPS)
        if stops:
            row[form + 4] = min(stops, 3) / 3
        if tokens.has_number:
            row[form + 5] = 1.0
        return row

    def transform(self, docs: Iterable[Doc]) -> sp.csr_matrix:
        """Return one row per Doc."""
        check_is_fitted(self, "feature_names_")
        indptr, indices, data = [0], [], []
        for doc in docs:
            row = self._row(doc)
            indices.extend(row)
            data.extend(row.values())
            indptr.append(len(indices))
        return sp.csr_matrix((np.asarray(data, dtype=float), indices, indptr),
                             shape=(len(indptr) - 1, len(self.feature_names_)))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``<family>.<label>`` and ``form.*`` names, in column order."""
        check_is_fitted(self, "feature_names_")
        return self.feature_names_
