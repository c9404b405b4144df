"""Processed statements: what the feature transformers and the scorer read from spaCy.

The scorer does not run a spaCy pipeline Doc by Doc. :func:`process` tokenizes each statement
and then finds lemmas and rule evidence for a whole batch at once, giving
:class:`Statement` records: each statement's token string ids and offsets and its rule
evidence. :func:`statement_of` makes the same record from a Doc that a pipeline made, so the
transformers also accept Docs.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from spacy.attrs import IDX, LEMMA, LENGTH, LIKE_NUM, LOWER, ORTH
from spacy.language import Language
from spacy.strings import StringStore
from spacy.tokens import Doc

_ATTRS = [ORTH, LOWER, LEMMA, LIKE_NUM, IDX, LENGTH]
_TOKEN_ATTRS = [ORTH, LOWER, LIKE_NUM, IDX, LENGTH]


class Statement(NamedTuple):
    """One processed statement.

    Attributes
    ----------
    text
        The statement.
    orth, lower, lemma
        String ids (hashes) of each token's text, lower case and lemma.
    starts, ends
        Each token's character offsets in ``text``.
    has_number
        Whether any token is number-like.
    evidence
        Rule evidence as ``(start token, end token, family, label)``, sorted.
    strings
        The string store that resolves the ids.
    """

    text: str
    orth: list[int]
    lower: list[int]
    lemma: list[int]
    starts: list[int]
    ends: list[int]
    has_number: bool
    evidence: list[tuple[int, int, str, str]]
    strings: StringStore


def texts_of(doc: Doc, ids: list[int], cache: dict[int, str]) -> list[str]:
    """The strings behind string ids, through a cache shared across Docs."""
    strings = doc.vocab.strings
    out = []
    for key in ids:
        text = cache.get(key)
        if text is None:
            text = cache[key] = strings[key]
        out.append(text)
    return out


def statement_of(doc: Doc) -> Statement:
    """Return the record of a Doc processed by :func:`ehcp_nlp.nlp.make_pipeline`."""
    found = doc._.ehcp_evidence
    if found is None:
        raise ValueError("Doc has no ehcp evidence: run it through ehcp_nlp.nlp.make_pipeline()")
    if not len(doc):
        return Statement(doc.text, [], [], [], [], [], False, list(found), doc.vocab.strings)
    orth, lower, lemma, like_num, idx, length = doc.to_array(_ATTRS).T.tolist()
    return Statement(doc.text, orth, lower, lemma, idx,
                     [i + n for i, n in zip(idx, length, strict=True)], any(like_num),
                     list(found), doc.vocab.strings)


def as_statements(items: Sequence) -> Sequence[Statement]:
    """Accept processed statements or Docs; return statements."""
    if len(items) and isinstance(items[0], Doc):
        return [statement_of(doc) for doc in items]
    return items


def process(nlp: Language, texts: Sequence[str]) -> list[Statement]:
    """Run the scorer's pipeline over a batch of statements; return one record each.

    Each statement is tokenized on its own (spaCy's tokenizer cache works per text), then
    lemmas and rule evidence are found for the whole batch at once: one pass of the rule
    expressions over every token, one lemma look-up per token, and no per-statement span
    groups. The records are the same as :func:`statement_of` gives for Docs the pipeline
    made. A pipeline with components other than ``ehcp_lemmatizer`` and ``ehcp_evidence``
    is run Doc by Doc. Each text is scored without its surrounding whitespace; token offsets
    still point into the text as given.
    """
    from ehcp_nlp.nlp.lemmatizer import LookupLemmatizer
    from ehcp_nlp.nlp.ruler import EvidenceRuler

    components = [component for _, component in nlp.pipeline]
    lemmatizers = [c for c in components if isinstance(c, LookupLemmatizer)]
    rulers = [c for c in components if isinstance(c, EvidenceRuler)]
    if len(lemmatizers) != 1 or len(rulers) != 1 or len(components) != 2:
        return [statement_of(nlp(t)) for t in texts]
    if not texts:
        return []
    ruler = rulers[0]
    make_doc = nlp.make_doc
    docs = [make_doc(t.strip()) for t in texts]
    arrays = [doc.to_array(_TOKEN_ATTRS) for doc in docs]
    table = np.concatenate(arrays)
    orth, lower, like_num, idx = table[:, :4].T.tolist()
    token_ends = (table[:, 3] + table[:, 4]).tolist()
    lemma = lemmatizers[0].lemma_ids(orth)
    words = texts_of(docs[0], orth, ruler._words)
    if " " in "".join(words):
        words = [w.replace(" ", "_") or "_" for w in words]
    evidence = ruler.evidence_many(docs, words)
    strings = nlp.vocab.strings
    out = []
    a = 0
    for text, doc, found in zip(texts, docs, evidence, strict=True):
        b = a + len(doc)
        lead = len(text) - len(text.lstrip())
        starts, ends = idx[a:b], token_ends[a:b]
        if lead:
            starts, ends = [i + lead for i in starts], [i + lead for i in ends]
        out.append(Statement(text, orth[a:b], lower[a:b], lemma[a:b], starts, ends,
                             any(like_num[a:b]), found, strings))
        a = b
    return out
