"""Retraining on a researcher's own data: custom type labels, the base corpus, learning curves,
intervals, byte-for-byte reproducibility and the `ehcp train` command."""

import json
import subprocess
import sys
from dataclasses import replace

import pandas as pd
import pytest
from conftest import write_rows

import ehcp_nlp
from ehcp_nlp import labels
from ehcp_nlp.data import read_corpus, validate
from ehcp_nlp.data._base import BASE_PREFIX, with_base_corpus
from ehcp_nlp.model.heads import HEADS
from ehcp_nlp.model.persist import read_manifest

PROVISION_OF_AREA = {"health": "health_provision", "social_care": "social_care_provision"}


@pytest.mark.parametrize(("label", "roles", "role"), [
    ("outcome", None, "outcome"),
    ("education_provision", None, "provision"),
    ("Provision - health", None, "provision"),
    ("Outcomes", None, "outcome"),
    ("needs", None, "need"),
    ("need_or_outcome", None, None),
    ("context", None, None),
    ("context", {"context": "need"}, "need"),
    ("outcome", {"outcome": None}, None),
])
def test_type_role_is_read_from_the_name_or_given(label, roles, role):
    assert labels.type_role(label, roles) == role


@pytest.fixture(scope="module")
def split_corpus(small_corpus):
    """The small corpus with provision split by who provides it (from its area of need)."""
    frame = small_corpus.copy()
    provision = frame["type"] == "provision"
    frame.loc[provision, "type"] = [PROVISION_OF_AREA.get(area, "education_provision")
                                    for area in frame.loc[provision, "area"]]
    return frame


@pytest.fixture(scope="module")
def split_scorer(split_corpus, small_config):
    return ehcp_nlp.train(split_corpus, config=replace(small_config, learning_curve=()))


def test_custom_types_are_learned_from_the_data_alone(split_scorer):
    assert set(split_scorer.types) == {"aspiration", "need", "outcome", "education_provision",
                                       "health_provision", "social_care_provision"}
    assert split_scorer.info["type_roles"]["health_provision"] == "provision"
    assert split_scorer.roles["outcome"] == "outcome"


def test_provision_heads_learn_from_every_provision_type(split_corpus, split_scorer):
    provision_rows = split_corpus["type"].str.endswith("_provision").sum()
    for head in ("specified", "quantified", "part_who"):
        assert sum(split_scorer.info["training"]["label_counts"][head].values()) == \
            provision_rows


def test_scores_follow_the_models_labels(split_scorer):
    score = split_scorer.score("Weekly 30-minute physiotherapy session delivered by the NHS "
                               "physiotherapist to work on standing balance.")
    assert score.type.endswith("_provision")
    assert score.role == "provision"
    assert score.specified is not None and score.smart is None
    as_json = score.to_dict()
    assert set(as_json["probabilities"]) == set(split_scorer.types)
    assert as_json["role"] == "provision"
    outcome = split_scorer.score("By July 2027 Sam will read 40 common words aloud without help.")
    assert outcome.role == "outcome" and outcome.smart is not None


def test_analysis_with_a_custom_model_checks_by_role(split_scorer, tmp_path):
    frame = pd.DataFrame({
        "plan_id": ["p1"] * 3,
        "section": ["B", "E", "F"],
        "text": ["Sam finds reading unfamiliar words hard and avoids books.",
                 "By July 2027 Sam will read 40 common words aloud without help.",
                 "A teaching assistant will run a 20-minute phonics session three times a "
                 "week for Sam."],
    })
    result = ehcp_nlp.analyse(frame, scorer=split_scorer, out=tmp_path / "out")
    statements = pd.read_csv(tmp_path / "out" / "statements.csv")
    assert "p_education_provision" in statements.columns
    assert statements.loc[2, "role"] == "provision"
    assert statements.loc[2, "type"].endswith("_provision")
    assert "statement_misplaced" not in set(result.findings["code"])
    assert result.plans.loc[0, "provision"] == 1  # counted by role
    report = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert statements.loc[2, "type"] in report


def test_validator_accepts_custom_types_when_asked(tmp_path, split_corpus):
    path = tmp_path / "split.csv"
    split_corpus.to_csv(path, index=False)
    strict = validate(path)
    assert not strict.ok and any(p.column == "type" for p in strict.errors)
    custom = validate(path, custom_types=True)
    assert custom.ok
    notes = [p for p in custom.warnings if p.column == "type"]
    assert {p.value for p in notes} == {"education_provision", "health_provision",
                                        "social_care_provision"}
    assert all("checked as provision" in p.allowed for p in notes)


def test_learning_curve_and_intervals_are_reported(small_scorer):
    curve = small_scorer.info["learning_curve"]
    assert set(curve) == set(small_scorer.info["cross_validation"])
    for points in curve.values():
        shares = [p["share"] for p in points]
        assert shares == sorted(shares) and shares[-1] == 1.0 and len(shares) >= 2
        rows = [p["train_rows"] for p in points]
        assert rows == sorted(rows)
        assert all(0.0 <= p["macro_f1"] <= 1.0 for p in points)
    for entry in small_scorer.info["cross_validation"].values():
        interval = entry["intervals"]["macro_f1"]
        assert interval["low"] <= entry["macro_f1"] <= interval["high"]
        assert interval["high"] - interval["low"] > 0


def test_same_data_and_seed_give_the_same_model_bytes(tmp_path, small_corpus, small_config,
                                                      small_scorer):
    again = ehcp_nlp.train(small_corpus, config=small_config)
    first = read_manifest(small_scorer.save(tmp_path / "a"))
    second = read_manifest(again.save(tmp_path / "b"))
    assert first["files"] == second["files"]
    assert first["training"]["data_sha256"] == second["training"]["data_sha256"]


def test_another_seed_gives_another_model(tmp_path, small_corpus, small_config, small_scorer):
    other = ehcp_nlp.train(small_corpus, config=replace(small_config, seed=1,
                                                        learning_curve=()))
    first = read_manifest(small_scorer.save(tmp_path / "a"))
    second = read_manifest(other.save(tmp_path / "b"))
    assert first["files"]["model.json"] != second["files"]["model.json"]  # its config


def test_base_corpus_comes_first_with_its_own_ids_and_groups(corpus_file):
    mine = read_corpus(corpus_file)
    base = read_corpus(corpus_file).assign(extra="")
    merged = with_base_corpus(mine.assign(note="mine"), base=base)
    assert len(merged) == 2 * len(mine)
    assert merged["group"].tolist()[: len(mine)] == [BASE_PREFIX + g for g in mine["group"]]
    assert merged["group"].tolist()[len(mine):] == mine["group"].tolist()
    assert set(merged.columns) >= {"extra", "note"}
    assert merged["note"].tolist()[: len(mine)] == [""] * len(mine)


def test_every_head_trains_on_the_bundled_corpus_columns():
    frame = read_corpus(ehcp_nlp.data._base.bundled_corpus_path())
    assert all(head.name in frame.columns for head in HEADS)


def _ehcp(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "ehcp_nlp", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def test_cli_trains_with_custom_types_and_writes_card_and_manifest(tmp_path, split_corpus):
    data = tmp_path / "split.csv"
    split_corpus.to_csv(data, index=False)
    done = _ehcp("train", data, "--out", tmp_path / "model", "--folds", "2",
                 "--role", "social_care_provision=provision")
    assert done.returncode == 0, done.stderr
    assert "health_provision" in done.stdout and "learning curve" in done.stdout
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text())
    assert manifest["type_roles"]["education_provision"] == "provision"
    assert manifest["training"]["config"]["type_roles"] == {
        "social_care_provision": "provision"}
    assert "intervals" in manifest["cross_validation"]["type"]
    card = (tmp_path / "model" / "MODEL_CARD.md").read_text()
    assert "## Learning curve" in card and "health_provision" in card
    scored = _ehcp("score", "--model", tmp_path / "model", "--json",
                   "Weekly physiotherapy for 30 minutes from the NHS physiotherapist.")
    assert scored.returncode == 0, scored.stderr
    assert "health_provision" in json.loads(scored.stdout.splitlines()[0])["probabilities"]


def test_cli_rejects_a_malformed_role(tmp_path, corpus_file):
    done = _ehcp("train", corpus_file, "--out", tmp_path / "m", "--role", "context")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "LABEL=ROLE" in done.stderr
    assert "Traceback" not in done.stderr


def test_cli_base_corpus_merges_the_bundled_corpus(tmp_path):
    rows = [{**dict.fromkeys(labels.COLUMNS, ""), "id": f"mine-{i}", "group": f"mine-{i // 3}",
             "text": text, "type": "need", "area": "cognition_learning", "pfa": "none",
             "stage": "secondary"}
            for i, text in enumerate(["Struggles to copy from the board in time.",
                                      "Loses track of multi-step instructions in science.",
                                      "Reads at a level two years below his age.",
                                      "Needs a reader in tests to show what he knows.",
                                      "Slow to process spoken questions in class.",
                                      "Finds written homework tasks overwhelming."])]
    data = write_rows(tmp_path / "mine.csv", rows)
    done = _ehcp("train", data, "--base-corpus", "--out", tmp_path / "model", "--folds", "2",
                 "--no-learning-curve")
    assert done.returncode == 0, done.stderr
    manifest = json.loads((tmp_path / "model" / "manifest.json").read_text())
    bundled = len(read_corpus(ehcp_nlp.data._base.bundled_corpus_path()))
    assert manifest["training"]["rows"] == bundled + len(rows)
    assert manifest["training"]["base_corpus"].endswith("statements.csv")
    assert manifest["learning_curve"] == {}


def test_leave_one_register_out_scores_every_register_it_holds_out(small_corpus, small_scorer):
    from ehcp_nlp.model.holdout import holdout_by

    counts = small_corpus["register"].value_counts()
    out = holdout_by(small_corpus, "register", small_scorer, min_rows=40)
    assert set(out) == set(counts[counts >= 40].index)
    for register, entry in out.items():
        assert entry["rows"] == counts[register]
        assert 0 <= entry["type"]["macro_f1"] <= 1
        assert entry["type"]["n"] == counts[register]


def test_base_corpus_refuses_or_drops_a_type_the_researcher_splits(tmp_path):
    from ehcp_nlp.errors import CorpusFormatError

    base = pd.DataFrame({"id": ["b1", "b2", "b3"], "group": ["g", "g", "h"],
                         "text": ["x", "y", "z"], "type": ["need", "provision", "outcome"]})
    mine = pd.DataFrame({"id": ["m1", "m2"], "group": ["k", "k"], "text": ["p", "q"],
                         "type": ["education_provision", "health_provision"]})
    with pytest.raises(CorpusFormatError, match="'provision' against your education_provision, "
                                                "health_provision"):
        with_base_corpus(mine, base=base)
    merged = with_base_corpus(mine, base=base, on_clash="drop")
    assert list(merged["type"]) == ["need", "outcome", "education_provision",
                                    "health_provision"]
    # no clash when the researcher keeps the bundled type beside hers
    kept = pd.concat([mine, mine.assign(id=["m3", "m4"], type="provision")])
    assert len(with_base_corpus(kept, base=base)) == 7


def test_train_shows_progress_when_redirected_and_each_note_once(small_corpus, tmp_path):
    import subprocess
    import sys

    frame = small_corpus.copy()
    provision = frame["type"] == "provision"
    frame.loc[provision, "type"] = "education_provision"
    groups = sorted(frame["group"].unique())
    train_file, test_file = tmp_path / "train.csv", tmp_path / "test.csv"
    frame[frame["group"].isin(groups[:40])].to_csv(train_file, index=False)
    frame[frame["group"].isin(groups[40:])].to_csv(test_file, index=False)
    run = subprocess.run([sys.executable, "-m", "ehcp_nlp", "train", str(train_file),
                          "--test", str(test_file), "--out", str(tmp_path / "m"),
                          "--folds", "2", "--no-learning-curve"],
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert sum("'education_provision'" in line and line.startswith("note") for line in lines) == 1
    steps = [line for line in lines if line.startswith("training: ")]
    assert any("cross-validation fold 1/2" in line for line in steps)
    assert any("cross-validation fold 2/2" in line and "left)" in line for line in steps)
