import csv
from pathlib import Path

import pytest

from ehcp_nlp import labels

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"


def good_rows():
    """A tiny valid corpus: one statement of each type."""
    blank = dict.fromkeys(labels.COLUMNS, "")
    base = {**blank, "area": "cognition_learning", "pfa": "none", "stage": "primary",
            "group": "g1", "voice": "senco"}
    smart = dict.fromkeys(("smart", *labels.CRITERIA), "yes")
    return [
        {**base, "id": "r1", "text": "I want to be a chef.", "type": "aspiration"},
        {**base, "id": "r2", "text": "Finds phonics hard.", "type": "need"},
        {**base, "id": "r3", "text": "By July, reads 40 words.", "type": "outcome", **smart},
        {**base, "id": "r4", "text": "Access to a TA as needed.", "type": "provision",
         "specified": "no", "provision_kind": "staffing", "part_what": "yes", "part_who": "yes",
         "part_how_often": "no", "part_how_long": "no", "part_group": "no",
         "part_when_where": "no", "quantified": "no"},
    ]


def write_rows(path: Path, rows, columns=labels.COLUMNS):
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(columns), extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def corpus_file(tmp_path):
    return write_rows(tmp_path / "corpus.csv", good_rows())


@pytest.fixture(scope="session")
def small_corpus():
    """About 700 statements from 50 groups of the shipped corpus: enough for every head."""
    from ehcp_nlp.data import read_corpus

    frame = read_corpus(DATA / "statements.csv")
    groups = sorted(frame["group"].unique())[::max(1, frame["group"].nunique() // 50)]
    return frame[frame["group"].isin(groups)].reset_index(drop=True)


@pytest.fixture(scope="session")
def small_config():
    from ehcp_nlp import TrainingConfig

    return TrainingConfig(folds=2, c_grid=(4.0,))


@pytest.fixture(scope="session")
def small_scorer(small_corpus, small_config):
    import ehcp_nlp

    return ehcp_nlp.train(small_corpus, config=small_config)


@pytest.fixture(scope="session")
def bundled():
    """The bundled model (models/default)."""
    import ehcp_nlp

    return ehcp_nlp.load()
