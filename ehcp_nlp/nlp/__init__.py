"""The spaCy side of ehcp-nlp: a fast blank English pipeline with rule components."""

from __future__ import annotations

import spacy
from spacy.language import Language

from ehcp_nlp.nlp import lemmatizer as _lemmatizer  # noqa: F401  (registers ehcp_lemmatizer)
from ehcp_nlp.nlp import ruler as _ruler  # noqa: F401  (registers ehcp_evidence and friends)
from ehcp_nlp.nlp.patterns import FAMILIES

__all__ = ["FAMILIES", "make_pipeline"]


def make_pipeline() -> Language:
    """Return ``spacy.blank("en")`` with lookup lemmas and the evidence ruler.

    No trained model is loaded: lemmas come from ``spacy-lookups-data`` and every other
    annotation from rules, so the pipeline runs at close to tokenizer speed.
    """
    nlp = spacy.blank("en")
    nlp.add_pipe("ehcp_lemmatizer")
    nlp.add_pipe("ehcp_evidence")
    nlp.initialize()
    return nlp
