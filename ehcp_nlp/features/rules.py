"""Rule features: the evidence the spaCy rulers marked, as named numeric features.

Each evidence label becomes a feature named ``<family>.<label>`` (``time_frame.date``,
``vague.hedge``); its value grows with the number of matches and saturates at ``cap``. A few
``form.*`` features describe the statement's shape (length, whether it opens with the child,
a first-person pronoun or a bare "To ..."), which separates types that share vocabulary.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from spacy.strings import hash_string

from ehcp_nlp.nlp.patterns import FAMILIES
from ehcp_nlp.nlp.tokens import as_statements

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


class RuleFeatures(TransformerMixin, BaseEstimator):
    """Turn each statement's rule evidence into a sparse row of named features.

    Input: processed statements (:func:`ehcp_nlp.nlp.tokens.process`) or Docs from
    :func:`ehcp_nlp.nlp.make_pipeline`.

    Parameters
    ----------
    cap
        Matches of one label beyond this number add nothing.
    """

    def __init__(self, cap: int = 3) -> None:
        self.cap = cap

    def fit(self, docs: Sequence, y=None):
        """Fix the feature names: every evidence label of every family, then the form ones."""
        keys = [(family, label) for family, labels in FAMILIES.items() for label in labels]
        self.feature_names_ = np.array([f"{f}.{label}" for f, label in keys] + list(FORM_FEATURES),
                                       dtype=object)
        self.index_ = {key: i for i, key in enumerate(keys)}
        return self

    def transform(self, docs: Sequence) -> sp.csr_matrix:
        """Return one row per statement."""
        check_is_fitted(self, "feature_names_")
        statements = as_statements(docs)
        n, index, cap = len(statements), self.index_, self.cap
        form = len(index)
        width = form + len(FORM_FEATURES)
        counts = np.zeros(n * width)
        cells: list[int] = []  # row * width + column, once per match
        lengths, first, stops, numbers = [], [], [], []
        opens_subject, opens_time = [], []
        is_stop = _STOPS.__contains__
        for row, statement in enumerate(statements):
            base = row * width
            for start, _end, family, label in statement.evidence:
                column = index.get((family, label))
                if column is not None:
                    cells.append(base + column)
                if start == 0 and family == "perspective":
                    opens_subject.append(base + form + 1)
                elif start <= 1 and family == "time_frame":
                    opens_time.append(base + form + 3)
            orths = statement.orth
            lengths.append(len(orths))
            first.append(orths[0] if orths else 0)
            stops.append(sum(map(is_stop, orths[:-1])))
            numbers.append(statement.has_number)
        np.add.at(counts, np.asarray(cells, dtype=np.int64), 1.0)
        counts = np.minimum(counts, cap) / cap
        matrix = counts.reshape(n, width)
        matrix[:, form] = np.log1p(lengths) / 4.0
        matrix.flat[np.asarray(opens_subject, dtype=np.int64)] = 1.0
        matrix[:, form + 2] = [f in _TO for f in first]
        matrix.flat[np.asarray(opens_time, dtype=np.int64)] = 1.0
        matrix[:, form + 4] = np.minimum(stops, 3) / 3
        matrix[:, form + 5] = numbers
        return sp.csr_matrix(matrix)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """``<family>.<label>`` and ``form.*`` names, in column order."""
        check_is_fitted(self, "feature_names_")
        return self.feature_names_
