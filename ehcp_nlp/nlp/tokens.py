"""Token attributes read once per Doc and shared by the ruler and the feature transformers.

Reading attributes through ``Doc.to_array`` costs the same for one attribute as for several,
and far less than iterating over ``Token`` objects, so the first reader fetches everything the
later ones need and leaves it in ``doc.user_data``.
"""

from __future__ import annotations

from typing import NamedTuple

from spacy.attrs import LEMMA, LIKE_NUM, LOWER, ORTH
from spacy.tokens import Doc

_KEY = "ehcp.tokens"


class TokenArrays(NamedTuple):
    """String ids (hashes) of every token's text, lower case and lemma; any number-like."""

    orth: list[int]
    lower: list[int]
    lemma: list[int]
    has_number: bool


def token_arrays(doc: Doc) -> TokenArrays:
    """Return the Doc's token arrays, reading them on first use."""
    cached = doc.user_data.get(_KEY)
    if cached is not None and len(cached.orth) == len(doc):
        return cached
    if len(doc):
        columns = doc.to_array([ORTH, LOWER, LEMMA, LIKE_NUM]).T.tolist()
        arrays = TokenArrays(columns[0], columns[1], columns[2], any(columns[3]))
    else:
        arrays = TokenArrays([], [], [], False)
    doc.user_data[_KEY] = arrays
    return arrays


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
