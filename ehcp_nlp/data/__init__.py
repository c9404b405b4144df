"""The labelled corpus: reading, validating, describing and improving it.

``validate(path, ...)`` checks files against the schema in :mod:`ehcp_nlp.labels`;
``near_duplicates``, ``label_counts`` and ``dataset_stats`` give the figures on the data card;
``overlap`` finds what a test set shares with its training data; ``label_issues`` ranks the
labels most likely wrong and ``suggest`` picks unlabelled statements worth annotating.
"""

from ehcp_nlp.data._issues import LabelIssue, LabelIssues, label_issues, score_labels
from ehcp_nlp.data._read import read_corpus, read_text_file
from ehcp_nlp.data._stats import (
    NEAR_DUPLICATE_THRESHOLD,
    NearDuplicates,
    Overlap,
    OverlapPair,
    dataset_stats,
    label_counts,
    near_duplicates,
    overlap,
)
from ehcp_nlp.data._suggest import Suggestion, Suggestions, read_pool, suggest
from ehcp_nlp.data._validate import Problem, ValidationReport, validate

__all__ = [
    "NEAR_DUPLICATE_THRESHOLD",
    "LabelIssue",
    "LabelIssues",
    "NearDuplicates",
    "Overlap",
    "OverlapPair",
    "Problem",
    "Suggestion",
    "Suggestions",
    "ValidationReport",
    "dataset_stats",
    "label_counts",
    "label_issues",
    "near_duplicates",
    "overlap",
    "read_corpus",
    "read_pool",
    "read_text_file",
    "score_labels",
    "suggest",
    "validate",
]
