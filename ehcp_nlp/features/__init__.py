"""scikit-learn transformers that turn processed spaCy Docs into named feature groups.

``make_featurizer()`` returns a ``FeatureUnion`` of the rule evidence, lemma n-grams and
character n-grams; its feature names carry the transformer's prefix (``rules__time_frame.date``,
``words__by july``, ``chars__ jul``), and :func:`group_of` maps each name to the component an
explanation reports it under.
"""

from __future__ import annotations

from sklearn.pipeline import FeatureUnion

from ehcp_nlp.features.lexical import CharNgrams, LemmaNgrams
from ehcp_nlp.features.rules import FORM_FEATURES, RuleFeatures

#: Explanation components, in display order, with the words a reviewer reads.
COMPONENTS = {
    "time_frame": "time frame",
    "measure": "measure",
    "provision": "provision quantities",
    "vague": "vague wording",
    "hedge": "hedges",
    "absolute": "absolute targets",
    "perspective": "subject and perspective",
    "modality": "modality",
    "markers": "type markers",
    "form": "statement form",
    "words": "lexical: words",
    "chars": "lexical: characters",
}

__all__ = ["COMPONENTS", "CharNgrams", "FORM_FEATURES", "LemmaNgrams", "RuleFeatures",
           "group_of", "make_featurizer"]


def make_featurizer(
    word_ngrams: tuple[int, int] = (1, 2),
    char_ngrams: tuple[int, int] = (2, 5),
    min_df: int = 2,
) -> FeatureUnion:
    """Return the union of rule, word and character features."""
    return FeatureUnion([
        ("rules", RuleFeatures()),
        ("words", LemmaNgrams(ngram_range=word_ngrams, min_df=min_df)),
        ("chars", CharNgrams(ngram_range=char_ngrams, min_df=min_df)),
    ])


def group_of(feature_name: str) -> str:
    """The explanation component of a feature: its family for rules, else its transformer."""
    transformer, _, name = feature_name.partition("__")
    if transformer == "rules":
        return name.split(".", 1)[0]
    return transformer
