"""Advice fits the statement: its stage and setting, its kind, its own words; never twice."""

import re

import pytest
from conftest import DATA

from ehcp_nlp import labels
from ehcp_nlp.data import read_corpus

#: Words that name a stage or a setting: advice may use one only if the statement does.
SETTINGS = re.compile(r"\b(?:college|university|nursery|reception|pre-?school|school|canteen|"
                      r"playground|classroom|sixth form|year \d+|key stage|workplace|"
                      r"employer|lunch|home)\b", re.IGNORECASE)
#: Words a rewrite may add around the statement's own words.
REWRITE_WORDS = {"by", "will", ","}  # and, inside a [slot], the statement's own stage
SLOT = re.compile(r"\[[^\]]*\]")


@pytest.fixture(scope="module")
def weak(bundled):
    """At least 100 weak statements of the test set: every kind, stage and register."""
    test = read_corpus(DATA / "test.csv")
    outcomes = test[(test["type"] == "outcome") & (test["smart"] == "no")]
    provision = test[(test["type"] == "provision") & (test["specified"] == "no")]
    chosen = list(outcomes["text"]) + list(provision["text"])
    assert len(chosen) >= 100
    return [(text, bundled.score(text, explain=False)) for text in chosen]


def test_advice_names_no_stage_or_setting_the_statement_does_not(weak):
    wrong = []
    for text, result in weak:
        for finding in result.findings:
            own = SLOT.sub("", finding.rewrite)
            for said in (finding.message, finding.suggestion, own):
                for word in SETTINGS.findall(said):
                    if word.lower() not in text.lower():
                        wrong.append((text, finding.code, word))
    assert not wrong, wrong[:5]


def test_no_advice_is_given_twice(weak):
    for text, result in weak:
        pieces = [p.strip().lower() for f in result.findings
                  for p in re.split(r"[;.]\s+", f.suggestion) if p.strip()]
        assert len(pieces) == len(set(pieces)), text
        codes = [f.code for f in result.findings]
        assert len(codes) == len(set(codes)), text


def test_weak_outcomes_get_a_rewrite_that_invents_nothing(weak):
    rewritten = 0
    for text, result in weak:
        if result.role != "outcome" or result.smart is not False:
            continue
        (finding,) = [f for f in result.findings if f.code == "outcome_not_smart"]
        rewrite = finding.rewrite
        assert rewrite.endswith("."), text
        for name, criterion in result.criteria.items():
            if name == "time_bound" and not criterion.met:
                assert "[when" in rewrite, text
            if name == "measurable" and not criterion.met:
                assert "[how often, or how well" in rewrite, text
        own = SLOT.sub(" ", rewrite)
        statement_words = set(re.findall(r"[\w'’-]+", text.lower()))
        for word in re.findall(r"[\w'’-]+", own.lower()):
            assert word in statement_words or word in REWRITE_WORDS, (text, rewrite, word)
        rewritten += 1
    assert rewritten >= 50


def test_vague_provision_is_told_the_parts_its_kind_needs(weak):
    told = 0
    for text, result in weak:
        if result.role != "provision" or result.specified is not False:
            continue
        findings = [f for f in result.findings if f.code == "provision_not_specified"]
        assert findings, text
        needs, groups = labels.parts_needed(result.provision_kind)
        allowed = {labels.PART_WORDS[p] for p in
                   (*needs, *(p for group in groups for p in group))}
        missing = re.search(r"missing ([^;.]+)", findings[0].message)
        if missing:
            named = {p.strip() for p in missing.group(1).split(",")}
            assert named <= allowed, (text, result.provision_kind, named)
        told += 1
    assert told >= 50
