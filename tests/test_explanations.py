"""Every explanation explains the verdict shown beside it, on the whole test set."""

import math

import pytest
from conftest import DATA

from ehcp_nlp import labels
from ehcp_nlp.data import read_corpus


@pytest.fixture(scope="module")
def explained(bundled):
    texts = read_corpus(DATA / "test.csv")["text"].tolist()
    return list(bundled.score_many(texts, explain=True))


def yes_no(p: float) -> str:
    return "yes" if p >= 0.5 else "no"


def test_every_head_explains_the_verdict_shown(explained):
    checked = 0
    for r in explained:
        c = r.contributions
        assert c["type"].label == r.type
        for name, criterion in r.criteria.items():
            assert c[name].label == ("yes" if criterion.met else "no"), (r.text, name)
        weakest = min(r.criteria.values(), key=lambda k: k.probability).name
        assert c["smart"].label == f"{yes_no(r.smart_probability)} (weakest: {weakest})"
        assert c["specified"].label.split(" ")[0] == yes_no(r.specified_probability)
        for part, present in r.provision_parts.items():
            column = "quantified" if part == "quantified" else f"part_{part}"
            if column in c:
                assert c[column].label == ("yes" if present else "no"), (r.text, part)
        assert c["quantified"].label == yes_no(r.quantified_probability)
        assert c["provision_kind"].label == r.provision_kind
        for name in ("area", "pfa"):
            shown, guess = getattr(r, name), getattr(r, f"{name}_guess")
            expected = guess if shown != labels.UNCERTAIN else f"uncertain (leaning {guess})"
            assert c[name].label == expected
        checked += 1
    assert checked == len(explained) > 1000


def test_every_explanation_adds_up_to_its_score(explained):
    for r in explained[:300]:
        for contribution in r.contributions.values():
            total = contribution.bias + sum(contribution.components.values())
            assert math.isclose(total, contribution.logit, rel_tol=1e-9, abs_tol=1e-9)
