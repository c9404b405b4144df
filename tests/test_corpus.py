"""The shipped corpus meets the bars of the corpus issue."""

import pandas as pd
import pytest
from conftest import DATA

from ehcp_nlp import labels
from ehcp_nlp.data import near_duplicates, read_corpus, validate

TRAIN, TEST, CONTRAST = DATA / "statements.csv", DATA / "test.csv", DATA / "contrast.csv"


@pytest.fixture(scope="module")
def train():
    return read_corpus(TRAIN)


@pytest.fixture(scope="module")
def test():
    return read_corpus(TEST)


def test_shipped_corpus_test_and_contrast_sets_validate():
    report = validate(TRAIN, TEST, CONTRAST)
    assert report.ok, str(report)


def test_every_register_has_150_training_rows_and_adults_have_a_stage(train):
    counts = train["register"].value_counts()
    assert all(counts.get(r, 0) >= 150 for r in labels.REGISTERS), counts.to_dict()
    assert (train["stage"] == "post19").sum() >= 150


def test_no_surface_cue_predicts_its_label_in_the_training_corpus(train):
    """For every cue that is not a label's definition, at least 20% of the rows that carry it
    are on the side its one-line rule does not predict (benchmarks/shortcuts.py)."""
    import sys

    sys.path.insert(0, str(DATA.parent / "benchmarks"))
    from shortcuts import balance

    shares = {b["cue"]: b["other_share"] for b in balance(train)}
    near_definition = {"a number -> measurable"}  # a count is one way to be measurable
    low = {cue: share for cue, share in shares.items()
           if cue not in near_definition and share < 0.20}
    assert not low, low
    words = train["text"].str.split().str.len()
    outcomes = train["type"] == "outcome"
    smart, not_smart = outcomes & (train["smart"] == "yes"), outcomes & (train["smart"] == "no")
    assert (smart & (words <= 12)).sum() >= 0.20 * smart.sum()
    assert (not_smart & (words >= 25)).sum() >= 0.20 * not_smart.sum()


def test_contrast_set_holds_sets_that_flip_a_label():
    contrast = read_corpus(CONTRAST)
    assert len(contrast) >= 400
    assert contrast["cue"].str.len().gt(0).all()
    flips = contrast.groupby("group").apply(
        lambda rows: rows["type"].nunique() > 1 or rows["smart"].nunique() > 1
        or rows["specified"].nunique() > 1 or rows[list(labels.CRITERIA)].nunique().max() > 1,
        include_groups=False)
    assert flips.mean() >= 0.9


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
    texts = pd.concat([train["text"], test["text"], read_corpus(CONTRAST)["text"]]).tolist()
    assert near_duplicates(texts).rate <= 0.03


def test_near_duplicates_measure_can_fail():
    texts = ["Ava will read twenty words by July 2027.",
             "Ava will read twenty words by July 2028.",
             "Provide a weekly speech and language therapy session."]
    found = near_duplicates(texts)
    assert found.flagged.tolist() == [True, True, False]
    assert found.nearest[0] == 1
