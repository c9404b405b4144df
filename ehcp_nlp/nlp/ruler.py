"""The evidence ruler: a spaCy component that marks rule evidence as span groups on the Doc.

It writes one span group per evidence family (time frames, measures, provision quantities,
vague wording, absolute targets, perspective, modality, type markers):
``doc.spans.get("time_frame", [])`` holds non-overlapping spans whose label says which kind
of evidence each is (``"end_of_period"``, ``"date"``...). The patterns are data, in
:mod:`ehcp_nlp.nlp.patterns`.

``ehcp_evidence`` runs every family in one pass over the tokens, which is what the default
pipeline uses; ``ehcp_time_frame``, ``ehcp_measure``... run one family each, for users who want
only part of the evidence in their own pipelines.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from itertools import accumulate, compress

import numpy as np
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from ehcp_nlp.nlp.patterns import CLASSES, FAMILIES, Pattern, Phrases
from ehcp_nlp.nlp.tokens import texts_of

#: Typographic apostrophes and dashes, mapped to the ASCII the patterns are written in.
_TYPOGRAPHY = (("\u2019", "'"), ("\u2018", "'"), ("\u2013", "-"), ("\u2014", "-"))


def token_words(doc: Doc, cache: dict[int, str] | None = None) -> list[str]:
    """Return each token's text as the patterns see it (no token holds a space).

    Whitespace tokens (runs of spaces, line breaks) keep one token to one run of non-spaces:
    their spaces become ``_``.

    Parameters
    ----------
    doc
        The statement.
    cache
        Optional cache of token texts by string id, shared across Docs.
    """
    words = texts_of(doc, doc.to_array(ORTH).tolist(), {} if cache is None else cache)
    if " " in "".join(words):
        words = [w.replace(" ", "_") or "_" for w in words]
    return words


def join_words(words: list[str]) -> tuple[str, list[int], dict[int, int]]:
    """Join token texts with single spaces; return the text and where each token is in it.

    An empty word (a batch's boundary between two statements) leaves two spaces, which no
    pattern crosses.

    Returns
    -------
    tuple
        The joined text, each token's start offset in it, and ``{end offset: index + 1}``.
    """
    lengths = [len(w) + 1 for w in words]
    starts = [0, *accumulate(lengths)][:-1]
    ends = dict(zip([s + n - 1 for s, n in zip(starts, lengths, strict=True)],
                    range(1, len(words) + 1), strict=True))
    text = " ".join(words)
    for typographic, plain in _TYPOGRAPHY:  # str.replace is far faster than str.translate
        if typographic in text:
            text = text.replace(typographic, plain)
    return text, starts, ends


class EvidenceRuler:
    """Mark labelled rule evidence on the Doc, one span group per family.

    Parameters
    ----------
    nlp
        The pipeline the component belongs to (its tokenizer splits phrase patterns).
    name
        The component's name in the pipeline.
    families
        Family -> label -> patterns: phrase lists and ``(anchor, expression)`` pairs (see
        :mod:`ehcp_nlp.nlp.patterns`). Each family becomes ``doc.spans[family]``.
    write_spans
        Whether to write span groups as well as ``doc._.ehcp_evidence``.
    """

    #: Words whose candidate patterns are remembered; the cache is cleared when it is full.
    cache_size = 200_000

    def __init__(
        self,
        nlp: Language,
        name: str,
        families: Mapping[str, Mapping[str, Iterable[Pattern]]],
        write_spans: bool = True,
    ) -> None:
        self.name = name
        self.write_spans = write_spans
        self.families = tuple(families)
        self.labels = {family: tuple(labels) for family, labels in families.items()}
        self._expressions: list[tuple[tuple[str, str], re.Pattern[str], re.Pattern[str]]] = []
        self._phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self._phrase_labels: dict[int, tuple[str, str]] = {}
        for family, labels in families.items():
            for label, items in labels.items():
                for item in items:
                    if isinstance(item, Phrases):
                        variants = {v for w in item for v in (w, w.replace("'", "\u2019"))}
                        key = f"{family}::{label}"
                        self._phrases.add(key, [nlp.make_doc(w) for w in sorted(variants)])
                        self._phrase_labels[nlp.vocab.strings[key]] = (family, label)
                    else:
                        anchor, expression = item
                        self._expressions.append((
                            (family, label),
                            re.compile(anchor.format(**CLASSES), re.IGNORECASE),
                            re.compile(f"(?:{expression.format(**CLASSES)})(?![^ ])",
                                       re.IGNORECASE),
                        ))
        self._candidates: dict[str, tuple] = {}
        self._words: dict[int, str] = {}

    def _candidates_for(self, word: str) -> tuple:
        """The expressions worth trying at a token: those whose anchor accepts its text.

        Returns ``(key, match)`` pairs, ``match`` being the expression's bound ``match``.
        """
        if len(self._candidates) >= self.cache_size:
            self._candidates.clear()
            self._words.clear()
        found = () if not word else tuple(
            (key, expression.match) for key, anchor, expression in self._expressions
            if anchor.fullmatch(word))
        self._candidates[word] = found
        return found

    def _expression_matches(self, words: list[str]) -> list[tuple[int, int, str, str]]:
        """Match the expressions over token texts; an empty word is a boundary never crossed."""
        if not self._expressions:
            return []
        text, starts, ends = join_words(words)
        candidates = list(map(self._candidates.get, words))
        if None in candidates:
            candidates = [self._candidates_for(w) if c is None else c
                          for w, c in zip(words, candidates, strict=True)]
        found = []
        for i in compress(range(len(words)), candidates):  # tokens with something to try
            position = starts[i]
            for key, match in candidates[i]:
                matched = match(text, position)
                if matched is not None:
                    end = ends.get(matched.end())
                    if end is not None:
                        found.append((i, end, *key))
        return found

    def matches(self, doc: Doc, words: list[str] | None = None
                ) -> list[tuple[int, int, str, str]]:
        """Return every match as ``(start, end, family, label)``, overlaps included.

        ``words`` are the tokens' texts from :func:`token_words`, if the caller has them.
        """
        found = self._phrase_matches(doc)
        found.extend(self._expression_matches(
            token_words(doc, self._words) if words is None else words))
        return found

    def evidence(self, doc: Doc, words: list[str] | None = None
                 ) -> list[tuple[int, int, str, str]]:
        """Return the evidence as sorted ``(start, end, family, label)`` tuples.

        Within a family, of overlapping matches only the longest is kept (as
        ``spacy.util.filter_spans`` does); different families may overlap. ``words``: as for
        :meth:`matches`.
        """
        return _longest_per_family(self.matches(doc, words), len(doc))

    def evidence_many(self, docs: list[Doc], words: list[str]
                      ) -> list[list[tuple[int, int, str, str]]]:
        """Return :meth:`evidence` for each of many Docs, matching the expressions once.

        ``words`` are the token texts of all the Docs, concatenated (see
        :func:`token_words`). The result is the same as calling :meth:`evidence` on each Doc.
        """
        pieces: list[str] = []
        offsets: list[int] = []
        position = 0
        for doc in docs:
            offsets.append(len(pieces))
            end = position + len(doc)
            pieces.extend(words[position:end])
            pieces.append("")  # two spaces in the joined text: no expression crosses them
            position = end
        found = self._expression_matches(pieces)
        for doc, offset in zip(docs, offsets, strict=True):
            found.extend((offset + start, offset + end, family, label)
                         for start, end, family, label in self._phrase_matches(doc))
        out: list[list[tuple[int, int, str, str]]] = [[] for _ in docs]
        if not found:
            return out
        kept = _longest_per_family(found, len(pieces))
        owners = np.searchsorted(offsets, [m[0] for m in kept], side="right") - 1
        for k, (start, end, family, label) in zip(owners.tolist(), kept, strict=True):
            base = offsets[k]
            out[k].append((start - base, end - base, family, label))
        return out

    def _phrase_matches(self, doc: Doc) -> list[tuple[int, int, str, str]]:
        labels = self._phrase_labels
        return [(start, end, *labels[key]) for key, start, end in self._phrases(doc)]

    def find(self, doc: Doc) -> dict[str, list[Span]]:
        """Return each family's evidence as spans (families with no evidence are left out)."""
        spans: dict[str, list[Span]] = {}
        for start, end, family, label in self.evidence(doc):
            spans.setdefault(family, []).append(Span(doc, start, end, label=label))
        return spans

    def __call__(self, doc: Doc) -> Doc:
        """Set ``doc._.ehcp_evidence`` and, unless disabled, the span groups.

        Families with no evidence get no span group (creating one costs more than all the
        matching), so read them with ``doc.spans.get(family, [])``. The scorer's own pipeline
        turns span groups off and reads the tuples in ``doc._.ehcp_evidence``.
        """
        found = self.evidence(doc)
        doc._.ehcp_evidence = found
        if self.write_spans:
            spans: dict[str, list[Span]] = {}
            for start, end, family, label in found:
                spans.setdefault(family, []).append(Span(doc, start, end, label=label))
            for family, group in spans.items():
                doc.spans[family] = group
        return doc


def _longest_per_family(found: list[tuple[int, int, str, str]], n: int
                        ) -> list[tuple[int, int, str, str]]:
    """Keep, within each family, the longest of overlapping matches; return them sorted."""
    if len(found) < 2:
        return found
    by_family: dict[str, list[tuple[int, int, str, str]]] = {}
    for match in found:
        by_family.setdefault(match[2], []).append(match)
    kept = []
    for matches in by_family.values():
        if len(matches) == 1:
            kept.extend(matches)
            continue
        taken = bytearray(n)
        for match in sorted(matches, key=lambda m: (m[0] - m[1], m[0])):
            start, end = match[0], match[1]
            if not any(taken[start:end]):
                taken[start:end] = b"\x01" * (end - start)
                kept.append(match)
    kept.sort()
    return kept


if not Doc.has_extension("ehcp_evidence"):
    Doc.set_extension("ehcp_evidence", default=None)


@Language.factory(
    "ehcp_evidence",
    assigns=["doc.spans", "doc._.ehcp_evidence"],
    default_config={"families": None, "write_spans": True},
)
def make_evidence(
    nlp: Language, name: str, families: list[str] | None, write_spans: bool
) -> EvidenceRuler:
    """Create the ruler for the named evidence families (all of them by default)."""
    names = families or list(FAMILIES)
    unknown = [f for f in names if f not in FAMILIES]
    if unknown:
        raise ValueError(f"unknown evidence families {unknown}; known: {list(FAMILIES)}")
    return EvidenceRuler(nlp, name, {f: FAMILIES[f] for f in names}, write_spans)


def _single_family_factory(family: str) -> None:
    @Language.factory(f"ehcp_{family}", assigns=["doc.spans", "doc._.ehcp_evidence"])
    def make_ruler(nlp: Language, name: str) -> EvidenceRuler:
        return EvidenceRuler(nlp, name, {family: FAMILIES[family]})


for _family in FAMILIES:
    _single_family_factory(_family)
