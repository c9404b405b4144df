"""Lexical features from spaCy Docs: lemma n-grams and character n-grams, binary TF-IDF.

Both vectorisers read tokens the pipeline has already made (no second tokenisation) and keep a
per-word cache, so that the cost of a statement is a few dictionary look-ups per token. Digits
are folded to ``0`` ("40 words" and "25 words" share features) and text is lower-cased.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from spacy.tokens import Doc

from ehcp_nlp.nlp.tokens import token_arrays

_DIGIT = re.compile(r"\d")


def fold(text: str) -> str:
    """Lower-case and fold every digit to ``0``."""
    return _DIGIT.sub("0", text.lower())


def _token_texts(doc: Doc, attr: str, cache: dict[int, str]) -> list[str]:
    strings = doc.vocab.strings
    out = []
    for key in getattr(token_arrays(doc), attr):
        text = cache.get(key)
        if text is None:
            text = cache[key] = fold(strings[key]).strip() or "_"
        out.append(text)
    return out


class _TfidfBase(TransformerMixin, BaseEstimator):
    """Shared fit/transform: subclasses say which terms a Doc has."""

    def _terms(self, doc: Doc) -> list[str]:
        raise NotImplementedError

    def fit(self, docs: Sequence[Doc], y=None):
        """Learn the vocabulary (terms in at least ``min_df`` statements) and IDF weights."""
        self._reset_cache()
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(set(self._terms(doc)))
        kept = sorted(term for term, count in df.items() if count >= self.min_df)
        self.vocabulary_ = {term: i for i, term in enumerate(kept)}
        n = len(docs)
        self.idf_ = np.array([math.log((1 + n) / (1 + df[t])) + 1.0 for t in kept])
        return self

    def _reset_cache(self) -> None:
        self._text_cache: dict[int, str] = {}

    def _columns(self, doc: Doc) -> set[int]:
        vocab = self.vocabulary_
        return {vocab[t] for t in self._terms(doc) if t in vocab}

    def transform(self, docs: Iterable[Doc]) -> sp.csr_matrix:
        """Return L2-normalised binary TF-IDF rows, one per Doc.

        Statements are short, so a term's presence carries the information and its count
        adds little; presence also lets a row be built as a set, without sorting.
        """
        check_is_fitted(self, "vocabulary_")
        if not hasattr(self, "_text_cache"):
            self._reset_cache()
        indptr, indices = [0], []
        for doc in docs:
            indices.extend(self._columns(doc))
            indptr.append(len(indices))
        n = len(indptr) - 1
        columns = np.asarray(indices, dtype=np.int32)
        data = self.idf_[columns]
        rows = np.repeat(np.arange(n), np.diff(indptr))
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n))
        data /= norms[rows]
        return sp.csr_matrix((data, columns, np.asarray(indptr, dtype=np.int32)),
                             shape=(n, len(self.vocabulary_)))

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The terms, in column order."""
        check_is_fitted(self, "vocabulary_")
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.get), dtype=object)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_text_cache", None)
        state.pop("_column_cache", None)
        return state


class LemmaNgrams(_TfidfBase):
    """TF-IDF over lemma n-grams (lemmas from the pipeline's lookup lemmatizer).

    Parameters
    ----------
    ngram_range
        Smallest and largest n.
    min_df
        A term must occur in at least this many training statements.
    opening
        Also mark the statement's first words (``"^ i want"``): up to this many.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 2), min_df: int = 2,
                 opening: int = 2) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.opening = opening

    def _terms(self, doc: Doc) -> list[str]:
        lemmas = _token_texts(doc, "lemma", self._text_cache)
        low, high = self.ngram_range
        terms = []
        for n in range(low, high + 1):
            if n == 1:
                terms.extend(lemmas)
            else:
                terms.extend(" ".join(lemmas[i : i + n]) for i in range(len(lemmas) - n + 1))
        # how a statement opens says much about its type ("I want", "Access to", "By July")
        words = [w for w in lemmas[: self.opening + 3] if w.isalnum()][: self.opening]
        terms.extend("^ " + " ".join(words[:k]) for k in range(1, len(words) + 1))
        return terms


class CharNgrams(_TfidfBase):
    """TF-IDF over character n-grams inside words (like scikit-learn's ``char_wb``).

    Each word is padded with a space on both sides; a word's n-grams are computed once and
    cached, so a statement costs one look-up per token.

    Parameters
    ----------
    ngram_range
        Smallest and largest n.
    min_df
        An n-gram must occur in at least this many training statements.
    """

    def __init__(self, ngram_range: tuple[int, int] = (2, 5), min_df: int = 2) -> None:
        self.ngram_range = ngram_range
        self.min_df = min_df

    def _reset_cache(self) -> None:
        super()._reset_cache()
        self._column_cache: dict[str, tuple[int, ...]] = {}

    def _word_ngrams(self, word: str) -> list[str]:
        padded = f" {word} "
        low, high = self.ngram_range
        grams = []
        for n in range(low, high + 1):
            if n > len(padded):
                break
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        return grams

    def _terms(self, doc: Doc) -> list[str]:
        terms = []
        for word in _token_texts(doc, "lower", self._text_cache):
            terms.extend(self._word_ngrams(word))
        return terms

    def _columns(self, doc: Doc) -> set[int]:
        if not hasattr(self, "_column_cache"):
            self._reset_cache()
        cache, vocab = self._column_cache, self.vocabulary_
        columns: set[int] = set()
        for word in _token_texts(doc, "lower", self._text_cache):
            found = cache.get(word)
            if found is None:
                if len(cache) > 500_000:
                    cache.clear()
                found = cache[word] = tuple(vocab[g] for g in self._word_ngrams(word)
                                            if g in vocab)
            columns.update(found)
        return columns
