"""Lexical features: lemma n-grams and character n-grams, TF-IDF.

Both vectorisers read the tokens the pipeline has already made (no second tokenisation). A
batch is featurised at once: the distinct words of the batch are looked up in per-word caches
(string id -> columns) and their columns spread to every token with NumPy, so the cost of a
statement is a fraction of a dictionary look-up per token. Digits are folded to ``0`` ("40
words" and "25 words" share features) and text is lower-cased.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import lru_cache
from itertools import chain

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ehcp_nlp.nlp.tokens import Statement, as_statements

_DIGIT = re.compile(r"\d")


def fold(text: str) -> str:
    """Lower-case and fold every digit to ``0``."""
    return _DIGIT.sub("0", text.lower())


def _token_texts(ids: list[int], strings, cache: dict[int, str]) -> list[str]:
    out = []
    for key in ids:
        text = cache.get(key)
        if text is None:
            text = cache[key] = fold(strings[key]).strip() or "_"
        out.append(text)
    return out


class _TfidfBase(TransformerMixin, BaseEstimator):
    """Shared fit/transform: subclasses say which terms a statement has.

    A subclass gives ``_terms(statement)`` (the terms as strings, for fitting and for reading)
    and ``_entries(statements)`` (every occurrence of a known term as row and column arrays,
    computed for a whole batch at once from string ids and caches, never building the terms).
    """

    def _terms(self, doc: Statement) -> list[str]:
        raise NotImplementedError

    def _entries(self, statements: Sequence[Statement]) -> tuple[np.ndarray, np.ndarray]:
        raise NotImplementedError

    def fit(self, docs: Sequence, y=None):
        """Learn the vocabulary (terms in at least ``min_df`` statements) and IDF weights."""
        self._reset_cache()
        docs = as_statements(docs)
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
        self._column_cache: dict = {}

    def _cached(self) -> dict:
        if not hasattr(self, "_column_cache"):
            self._reset_cache()
        if len(self._column_cache) > 1_000_000:
            self._reset_cache()
        return self._column_cache

    def transform_raw(self, docs: Sequence) -> sp.csr_matrix:
        """Like :meth:`transform`, but a row may hold a column more than once.

        A repeated term's entries add up to its value in every product (which is all the
        scorer needs), and skipping the merge saves sorting every row.
        """
        check_is_fitted(self, "vocabulary_")
        statements = as_statements(docs)
        n = len(statements)
        if n == 0:
            return sp.csr_matrix((0, len(self.vocabulary_)))
        rows, columns = self._entries(statements)
        known = columns >= 0
        rows, columns = rows[known], columns[known]
        data = self.idf_[columns]
        norms = np.sqrt(np.bincount(rows, weights=data * data, minlength=n))
        norms[norms == 0] = 1.0
        data /= norms[rows]
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
        return sp.csr_matrix((data, columns.astype(np.int32), indptr),
                             shape=(n, len(self.vocabulary_)))

    def transform(self, docs: Sequence) -> sp.csr_matrix:
        """Return TF-IDF rows, one per statement (or Doc).

        A term's value is ``count * idf`` divided by the square root of the row's
        ``sum(count * idf**2)``: the L2 norm when no term repeats (statements are short, so
        most terms occur once), and cheap to compute without merging repeated terms.
        """
        matrix = self.transform_raw(docs)
        matrix.sum_duplicates()
        return matrix

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """The terms, in column order."""
        check_is_fitted(self, "vocabulary_")
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.get), dtype=object)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_text_cache", None)
        state.pop("_column_cache", None)
        return state


def _concatenated(lists: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate lists of string ids; return them and each item's row."""
    lengths = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
    ids = np.fromiter(chain.from_iterable(lists), dtype=np.uint64, count=int(lengths.sum()))
    return ids, np.repeat(np.arange(len(lists)), lengths)


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

    def _terms(self, doc: Statement) -> list[str]:
        lemmas = _token_texts(doc.lemma, doc.strings, self._text_cache)
        low, high = self.ngram_range
        terms = []
        for n in range(low, high + 1):
            if n == 1:
                terms.extend(lemmas)
            else:
                terms.extend(" ".join(lemmas[i : i + n]) for i in range(len(lemmas) - n + 1))
        terms.extend(self._opening(lemmas))
        return terms

    def _opening(self, lemmas: list[str]) -> list[str]:
        """How a statement opens says much about its type ("I want", "Access to", "By July")."""
        words = [w for w in lemmas[: self.opening + 3] if w.isalnum()][: self.opening]
        return ["^ " + " ".join(words[:k]) for k in range(1, len(words) + 1)]

    def _entries(self, statements: Sequence[Statement]) -> tuple[np.ndarray, np.ndarray]:
        low, high = self.ngram_range
        if (low, high) not in ((1, 1), (1, 2)):
            return self._entries_from_terms(statements)
        cache = self._cached()
        strings = statements[0].strings
        ids, rows = _concatenated([s.lemma for s in statements])
        unique, inverse = np.unique(ids, return_inverse=True)
        unique_ids = unique.tolist()
        lookup = self._column_of
        found = [cache.get(k) for k in unique_ids]
        columns = np.array([f if f is not None else lookup(k, strings)
                            for k, f in zip(unique_ids, found, strict=True)], dtype=np.int64)
        parts_rows, parts_columns = [rows], [columns[inverse]]
        if high == 2 and len(ids) > 1:
            same = rows[1:] == rows[:-1]
            width = len(unique_ids)
            codes = inverse[:-1][same].astype(np.int64) * width + inverse[1:][same]
            pairs, pair_inverse = np.unique(codes, return_inverse=True)
            pair_columns = []
            for code in pairs.tolist():
                a, b = divmod(code, width)
                key = (unique_ids[a], unique_ids[b])
                column = cache.get(key)
                pair_columns.append(lookup(key, strings) if column is None else column)
            parts_rows.append(rows[:-1][same])
            parts_columns.append(np.array(pair_columns, dtype=np.int64)[pair_inverse])
        opening_rows, opening_columns = [], []
        is_word = self._is_word
        for row, statement in enumerate(statements):
            first = statement.lemma[: self.opening]
            if not all(is_word(k, strings) for k in first):
                first = statement.lemma[: self.opening + 3]
            key = ("^", *first)
            columns_of = cache.get(key)
            if columns_of is None:
                columns_of = lookup(key, strings)
            opening_rows.extend([row] * len(columns_of))
            opening_columns.extend(columns_of)
        parts_rows.append(np.array(opening_rows, dtype=np.int64))
        parts_columns.append(np.array(opening_columns, dtype=np.int64))
        rows = np.concatenate(parts_rows)
        order = np.argsort(rows, kind="stable")
        return rows[order], np.concatenate(parts_columns)[order]

    def _entries_from_terms(self, statements: Sequence[Statement]
                            ) -> tuple[np.ndarray, np.ndarray]:
        vocab = self.vocabulary_
        rows, columns = [], []
        for row, statement in enumerate(statements):
            found = [vocab[t] for t in self._terms(statement) if t in vocab]
            rows.extend([row] * len(found))
            columns.extend(found)
        return np.array(rows, dtype=np.int64), np.array(columns, dtype=np.int64)

    def _is_word(self, key: int, strings) -> bool:
        cache = self._cached()
        found = cache.get(("w", key))
        if found is None:
            found = cache[("w", key)] = _token_texts([key], strings,
                                                     self._text_cache)[0].isalnum()
        return found

    def _column_of(self, key, strings):
        """Look a term up: a lemma id, a pair of them, or ``("^", ids...)`` for the opening.

        Returns the column (-1 when unknown); for the opening, a tuple of columns.
        """
        vocab = self.vocabulary_
        if key.__class__ is int:
            found = vocab.get(_token_texts([key], strings, self._text_cache)[0], -1)
        elif key[0] == "^":
            lemmas = _token_texts(list(key[1:]), strings, self._text_cache)
            found = tuple(vocab[t] for t in self._opening(lemmas) if t in vocab)
        else:
            found = vocab.get(" ".join(_token_texts(list(key), strings, self._text_cache)), -1)
        self._cached()[key] = found
        return found


@lru_cache(maxsize=200_000)
def _word_ngrams(word: str, low: int, high: int) -> tuple[str, ...]:
    """A word's distinct character n-grams, the word padded with a space each side.

    Cached: training featurises the same words once per cross-validation fold.
    """
    padded = f" {word} "
    grams: dict[str, None] = {}
    for n in range(low, high + 1):
        if n > len(padded):
            break
        grams.update(dict.fromkeys(padded[i : i + n] for i in range(len(padded) - n + 1)))
    return tuple(grams)


class CharNgrams(_TfidfBase):
    """TF-IDF over character n-grams inside words (like scikit-learn's ``char_wb``).

    Each word is padded with a space on both sides; a word's n-grams are computed once and
    cached, so a statement costs one look-up per distinct word in its batch. A term is
    counted once per word that contains it.

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

    def _word_ngrams(self, word: str) -> tuple[str, ...]:
        """The word's distinct n-grams, first occurrence first."""
        low, high = self.ngram_range
        return _word_ngrams(word, low, high)

    def _terms(self, doc: Statement) -> list[str]:
        terms = []
        for word in _token_texts(doc.lower, doc.strings, self._text_cache):
            terms.extend(self._word_ngrams(word))
        return terms

    def _entries(self, statements: Sequence[Statement]) -> tuple[np.ndarray, np.ndarray]:
        cache = self._cached()
        strings = statements[0].strings
        ids, rows = _concatenated([s.lower for s in statements])
        if not len(ids):
            return rows, rows.copy()
        unique, inverse = np.unique(ids, return_inverse=True)
        arrays = []
        for key in unique.tolist():
            found = cache.get(key)
            arrays.append(self._word_columns(key, strings) if found is None else found)
        lengths = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
        pool = np.concatenate(arrays)
        offsets = np.zeros(len(arrays), dtype=np.int64)
        np.cumsum(lengths[:-1], out=offsets[1:])
        # every token's columns, gathered from the pool: token t takes lengths[inverse[t]]
        # entries starting at offsets[inverse[t]]
        taken = lengths[inverse]
        total = int(taken.sum())
        ends = np.cumsum(taken)
        index = np.arange(total) + np.repeat(offsets[inverse] - (ends - taken), taken)
        return np.repeat(rows, taken), pool[index].astype(np.int64)

    def _word_columns(self, key: int, strings) -> np.ndarray:
        vocab = self.vocabulary_
        word = _token_texts([key], strings, self._text_cache)[0]
        found = np.array([vocab[g] for g in self._word_ngrams(word) if g in vocab],
                         dtype=np.int32)
        self._cached()[key] = found
        return found
