"""The batch path (one pass over many statements) gives what the Doc-by-Doc path gives."""

import collections
import gc
import math

import numpy as np
import pandas as pd
import pytest
from conftest import DATA

from ehcp_nlp.features import make_featurizer
from ehcp_nlp.features.lexical import CharNgrams, LemmaNgrams
from ehcp_nlp.nlp import make_pipeline
from ehcp_nlp.nlp.tokens import process, statement_of

TRICKY = [
    "  Leading spaces: by July 2027 Amara will read 40 words.",
    "Line\nbreaks\n\ninside, by the end of term",
    "Double  spaces  and\ttabs: 3 x 30 minutes weekly with a TA",
    "Don't stop; e.g. 1:1 support from the SaLT as required.",
    "Typographic \u2018quotes\u2019 \u2013 by the end of Key Stage 2 \u2014 she\u2019ll try",
    "Ends with a separator-like run  ",
    "\u2022 Step 1: Zainab will attend\u2026",
    "x",
]


@pytest.fixture(scope="module")
def texts():
    frame = pd.read_csv(DATA / "statements.csv")
    sample = frame["text"].sample(600, random_state=1).tolist()
    return sample + TRICKY


def test_batch_records_equal_doc_records(texts):
    nlp = make_pipeline()
    batched = process(nlp, texts)
    for text, record in zip(texts, batched, strict=True):
        alone = statement_of(nlp(text.strip()))
        lead = len(text) - len(text.lstrip())
        assert record.text == text
        assert record.orth == alone.orth and record.lemma == alone.lemma
        assert record.lower == alone.lower and record.has_number == alone.has_number
        assert record.evidence == alone.evidence, text
        assert record.starts == [s + lead for s in alone.starts]
        assert record.ends == [e + lead for e in alone.ends]


def test_evidence_never_crosses_statements():
    nlp = make_pipeline()
    # the first statement ends where a time frame could run on into the second
    first, second = "Reads 40 words by the end of", "Key Stage 2 is when"
    together = process(nlp, [first, second])
    assert together[0].evidence == process(nlp, [first])[0].evidence
    assert together[1].evidence == process(nlp, [second])[0].evidence
    # as one statement, the time frame would run on into the second
    joined = process(nlp, [f"{first} {second}"])[0].evidence
    assert (3, 10, "time_frame", "end_of_period") in joined
    assert (3, 7, "time_frame", "end_of_period") in together[0].evidence


def test_a_pipeline_with_other_components_runs_doc_by_doc(texts):
    nlp = make_pipeline()
    expected = process(nlp, texts[:50])
    nlp.add_pipe("sentencizer", first=True)
    assert [r.evidence for r in process(nlp, texts[:50])] == [r.evidence for r in expected]


@pytest.mark.parametrize("transformer", [LemmaNgrams(), LemmaNgrams(ngram_range=(1, 3)),
                                         CharNgrams(), CharNgrams(ngram_range=(3, 4))])
def test_tfidf_rows_follow_the_documented_formula(texts, transformer):
    nlp = make_pipeline()
    records = process(nlp, texts)
    transformer.fit(records[:400])
    matrix = transformer.transform(records[400:]).toarray()
    vocabulary, idf = transformer.vocabulary_, transformer.idf_
    for row, record in zip(matrix, records[400:], strict=True):
        counts = collections.Counter(t for t in transformer._terms(record) if t in vocabulary)
        norm = math.sqrt(sum(n * idf[vocabulary[t]] ** 2 for t, n in counts.items())) or 1.0
        expected = np.zeros(len(vocabulary))
        for term, n in counts.items():
            expected[vocabulary[term]] = n * idf[vocabulary[term]] / norm
        np.testing.assert_allclose(row, expected, atol=1e-12)


def test_raw_rows_act_like_merged_rows(texts):
    records = process(make_pipeline(), texts)
    featurizer = make_featurizer().fit(records[:400])
    for _, transformer in featurizer.transformer_list:
        raw = getattr(transformer, "transform_raw", transformer.transform)(records[400:])
        merged = transformer.transform(records[400:])
        weights = np.random.default_rng(0).normal(size=merged.shape[1])
        np.testing.assert_allclose(raw @ weights, merged @ weights, atol=1e-12)


def test_docs_and_records_give_the_same_features(texts):
    nlp = make_pipeline()
    records = process(nlp, [t.strip() for t in texts])
    docs = list(nlp.pipe([t.strip() for t in texts]))
    featurizer = make_featurizer().fit(records)
    assert (featurizer.transform(docs) != featurizer.transform(records)).nnz == 0


@pytest.mark.parametrize("enabled", [True, False])
def test_scoring_restores_the_garbage_collector(small_scorer, enabled):
    was = gc.isenabled()
    try:
        (gc.enable if enabled else gc.disable)()
        list(small_scorer.score_many(["By July, reads 40 words.", "Access to a TA."]))
        assert gc.isenabled() is enabled
    finally:
        (gc.enable if was else gc.disable)()
