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
from itertools import accumulate

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from ehcp_nlp.nlp.patterns import CLASSES, FAMILIES, Pattern, Phrases
from ehcp_nlp.nlp.tokens import texts_of, token_arrays

#: Typographic apostrophes and dashes, mapped to the ASCII the patterns are written in.
_TYPOGRAPHY = str.maketrans({"\u2019": "'", "\u2018": "'", "\u2013": "-", "\u2014": "-"})
_SEP = "::"


def token_text(
    doc: Doc, words_of: dict[int, str] | None = None
) -> tuple[str, list[str], list[int], dict[int, int]]:
    """Return the tokens joined by single spaces, their texts, and start and end offsets.

    Parameters
    ----------
    doc
        The statement.
    words_of
        Optional cache of token texts by string id, shared across Docs.

    Returns
    -------
    tuple
        The joined text, each token's text, each token's start offset in the joined text, and
        ``{end offset: token index + 1}``.
    """
    cache = {} if words_of is None else words_of
    words = texts_of(doc, token_arrays(doc).orth, cache)
    if " " in "".join(words):  # whitespace tokens: keep one token, one run of non-spaces
        words = [w.replace(" ", "_") or "_" for w in words]
    lengths = [len(w) + 1 for w in words]
    starts = [0, *accumulate(lengths)][:-1]
    ends = dict(zip([s + n - 1 for s, n in zip(starts, lengths, strict=True)],
                    range(1, len(words) + 1), strict=True))
    return " ".join(words).translate(_TYPOGRAPHY), words, starts, ends


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
                        key = f"{family}{_SEP}{label}"
                        variants = {v for w in item for v in (w, w.replace("'", "\u2019"))}
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
        """The expressions worth trying at a token: those whose anchor accepts its text."""
        if len(self._candidates) >= self.cache_size:
            self._candidates.clear()
            self._words.clear()
        found = tuple((key, expression) for key, anchor, expression in self._expressions
                      if anchor.fullmatch(word))
        self._candidates[word] = found
        return found

    def matches(self, doc: Doc) -> list[tuple[int, int, str, str]]:
        """Return every match as ``(start, end, family, label)``, overlaps included."""
        labels = self._phrase_labels
        found = [(start, end, *labels[key]) for key, start, end in self._phrases(doc)]
        if self._expressions:
            text, words, starts, ends = token_text(doc, self._words)
            cache = self._candidates
            for i, word in enumerate(words):
                candidates = cache.get(word)
                if candidates is None:
                    candidates = self._candidates_for(word)
                for key, expression in candidates:
                    match = expression.match(text, starts[i])
                    if match is not None:
                        end = ends.get(match.end())
                        if end is not None:
                            found.append((i, end, *key))
        return found

    def evidence(self, doc: Doc) -> list[tuple[int, int, str, str]]:
        """Return the evidence as sorted ``(start, end, family, label)`` tuples.

        Within a family, of overlapping matches only the longest is kept (as
        ``spacy.util.filter_spans`` does); different families may overlap.
        """
        found = self.matches(doc)
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
            taken = bytearray(len(doc))
            for match in sorted(matches, key=lambda m: (m[0] - m[1], m[0])):
                start, end = match[0], match[1]
                if not any(taken[start:end]):
                    taken[start:end] = b"\x01" * (end - start)
                    kept.append(match)
        kept.sort()
        return kept

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
