"""The labelled corpus: reading, validating and describing it.

``validate(path, ...)`` checks files against the schema in :mod:`ehcp_nlp.labels`;
``near_duplicates`` and ``label_counts`` give the figures on the data card.
"""

from ehcp_nlp.data._read import read_corpus, read_text_file
from ehcp_nlp.data._stats import (
    NEAR_DUPLICATE_THRESHOLD,
    NearDuplicates,
    label_counts,
    near_duplicates,
)
from ehcp_nlp.data._validate import Problem, ValidationReport, validate

__all__ = [
    "NEAR_DUPLICATE_THRESHOLD",
    "NearDuplicates",
    "Problem",
    "ValidationReport",
    "label_counts",
    "near_duplicates",
    "read_corpus",
    "read_text_file",
    "validate",
]
