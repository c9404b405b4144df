"""The shipped corpus meets the bars of the corpus issue."""

import pandas as pd
import pytest
from conftest import DATA

from ehcp_nlp import labels
from ehcp_nlp.data import near_duplicates, read_corpus, validate

TRAIN, TEST = DATA / "statements.csv", DATA / "test.csv"


@pytest.fixture(scope="module")
def train():
    return read_corpus(TRAIN)


@pytest.fixture(scope="module")
def test():
    return read_corpus(TEST)


def test_shipped_corpus_and_test_set_validate():
    report = validate(TRAIN, TEST)
    assert report.ok, str(report)


def test_training_corpus_counts(train):
    assert len(train) >= 3000
    types = train["type"].value_counts()
    assert all(types[t] >= 500 for t in labels.TYPES), types.to_dict()
    outcomes = train[train["type"] == "outcome"]
    assert len(outcomes) >= 1200
    assert 0.35 <= (outcomes["smart"] == "yes").mean() <= 0.65
    provision = train[train["type"] == "provision"]
    assert 0.30 <= (provision["specified"] == "no").mean() <= 0.70
    for column, values in (("area", labels.AREAS), ("stage", labels.STAGES),
                           ("pfa", labels.PFA)):
        counts = train[column].value_counts()
        assert all(counts.get(v, 0) >= 100 for v in values), (column, counts.to_dict())


def test_test_set_counts_and_separation(train, test):
    assert len(test) >= 600
    assert set(test["type"]) == set(labels.TYPES)
    assert not set(train["group"]) & set(test["group"])


def test_near_duplicate_rate_is_at_most_three_percent(train, test):
    texts = pd.concat([train["text"], test["text"]]).tolist()
    assert near_duplicates(texts).rate <= 0.03


def test_near_duplicates_measure_can_fail():
    texts = ["Ava will read twenty words by July 2027.",
             "Ava will read twenty words by July 2028.",
             "Provide a weekly speech and language therapy session."]
    found = near_duplicates(texts)
    assert found.flagged.tolist() == [True, True, False]
    assert found.nearest[0] == 1
