"""The guidance pages this project came from (../shared/seeds/) decide: every example they
give gets the verdict they give it. Skipped when ../shared is absent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"

#: (text as the seed writes it, type, SMART verdict where the seed gives one)
EXAMPLES = [
    ("Becca wants to have friends.", "aspiration", None),
    ("Becca has difficulty with her social skills.", "need", None),
    ("By the end of key stage 2, Becca will socialise with 2 friends at breaks and lunch "
     "times at least twice a week without adult supervision.", "outcome", True),
    ("Becca will participate in a daily 15-minute group session (up to 3 students) focusing "
     "on social skills and role play activities, which will be led by the teaching "
     "assistant.", "provision", None),
    ("Mustafa will be stronger.", "outcome", False),
    ("By the end of key stage 3 Mustafa will be able to walk unaided up and down the school "
     "stairs.", "outcome", True),
    ("Jack will develop independent living skills.", "outcome", False),
    ("By the end of key stage 4, Jack will catch the bus to college with his friend, and know "
     "how to get support if he needs to.", "outcome", True),
    ("Mohammed wants to have friends.", "aspiration", None),
    ("Mohammed has difficulty with his social skills.", "need", None),
    ("Mohammed will participate in a daily 15-minute group (up to 3 students) session "
     "focusing on social skills and role-play activities, which will be led by the Speech "
     "and Language Therapist", "provision", None),
    ("By the end of the term Mohammed will have 2 friends, who he will socialise with at "
     "breaks and lunchtimes at least twice a week.", "outcome", True),
    ("Mohammed will be able to maintain and make appropriate friendships.", "outcome", None),
    # "The examples below are NOT outcomes"
    ("Trey will receive 15 minutes, each week of targeted support with his teaching "
     "assistant.", "provision", None),
    ("Jestina struggles to maintain concentration", "need", None),
    ("Parent and mentor to encourage and support Malika to develop cooking skills.",
     "provision", None),
    ("Imran must receive speech and language, one day per week for 45 minutes delivered by a "
     "Speech and Language Therapist.", "provision", None),
]


def _flat(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture(scope="module")
def seed_text() -> str:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not here")
    return _flat(" ".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))))


def test_every_example_is_in_the_seeds(seed_text):
    for text, _, _ in EXAMPLES:
        assert _flat(text) in seed_text, text


@pytest.mark.parametrize(("text", "kind", "smart"), EXAMPLES,
                         ids=[e[0][:40] for e in EXAMPLES])
def test_seed_verdicts(bundled, seed_text, text, kind, smart):
    result = bundled.score(text, explain=False)
    assert result.type == kind
    if smart is not None:
        assert result.smart is smart


def test_no_seed_example_is_in_the_corpus(seed_text):
    from ehcp_nlp.data import read_corpus

    root = Path(__file__).resolve().parents[1] / "data"
    corpus = " ".join(_flat(t).lower() for name in ("statements.csv", "test.csv", "contrast.csv")
                      if (root / name).exists()
                      for t in read_corpus(root / name)["text"])
    for text, _, _ in EXAMPLES:
        assert _flat(text).lower() not in corpus, text
