"""Label issues, annotation suggestions, corpus statistics and train/test overlap."""

import json
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from conftest import DATA, good_rows, write_rows
from typer.testing import CliRunner

from ehcp_nlp import labels
from ehcp_nlp.cli import app
from ehcp_nlp.data import (
    dataset_stats,
    label_issues,
    near_duplicates,
    overlap,
    read_corpus,
    score_labels,
    suggest,
    validate,
)
from ehcp_nlp.data._stats import char_vectors

runner = CliRunner()
FLIPS = 20
LONG = ("By the end of the summer term, Ayo will read forty common words aloud without help "
        "in three sessions out of four.")


def flipped(frame, n, seed):
    rng = np.random.default_rng(seed)
    types = sorted(frame["type"].unique())
    out = frame.copy()
    positions = rng.choice(len(frame), n, replace=False)
    for i in positions:
        out.at[i, "type"] = rng.choice([t for t in types if t != frame.at[i, "type"]])
    return out, set((positions + 2).tolist())


@pytest.fixture(scope="module")
def flipped_issues(small_corpus, small_config):
    frame, rows = flipped(small_corpus, FLIPS, seed=3)
    return frame, rows, label_issues(frame, heads=["type"], config=small_config)


def test_flipped_type_labels_rank_near_the_top(flipped_issues):
    _, rows, found = flipped_issues
    ranked = found.for_head("type")
    top = {i.row for i in ranked[: int(0.15 * len(ranked))]}
    assert len(rows & top) >= 0.6 * FLIPS
    assert {i.row for i in ranked[:5]} <= rows
    likely = {i.row for i in ranked if i.likely_issue}
    assert len(rows & likely) >= FLIPS / 2


def test_issue_rows_are_file_rows_with_the_model_reading(flipped_issues):
    frame, _, found = flipped_issues
    issue = found.issues[0]
    assert issue.rank == 1 and issue.head == "type"
    assert frame.at[issue.row - 2, "text"] == issue.text
    assert frame.at[issue.row - 2, "id"] == issue.id
    assert frame.at[issue.row - 2, "type"] == issue.given != issue.suggested
    assert issue.quality == pytest.approx((issue.p_given - issue.p_suggested + 1) / 2)
    table = found.to_frame()
    assert list(table.columns) == ["row", "id", "text", "head", "given", "suggested",
                                   "p_given", "p_suggested", "quality", "likely_issue", "rank"]
    assert len(table) == len(frame) and table["quality"].is_monotonic_increasing
    data = json.loads(json.dumps(found.to_dict(top=5)))
    assert len(data["issues"]) == 5 and set(data["thresholds"]["type"]) == set(labels.TYPES)


def test_ranking_is_deterministic_for_a_seed(flipped_issues, small_config):
    frame, _, found = flipped_issues
    again = label_issues(frame, heads=["type"], config=small_config)
    assert [(i.row, i.quality) for i in again.issues] == [(i.row, i.quality)
                                                          for i in found.issues]


@pytest.mark.parametrize("method", ["cleanlab", "confident_joint"])
def test_confident_learning_marks_only_confident_disagreement(method):
    p0 = np.array([0.9, 0.1, 0.2, 0.95, 0.6])
    scores = score_labels(np.column_stack([p0, 1 - p0]), np.array([0, 1, 1, 1, 1]), method)
    # thresholds: mean p(0) of row 0; mean p(1) of rows 1 to 4
    assert scores["thresholds"] == pytest.approx([0.9, (0.9 + 0.8 + 0.05 + 0.4) / 4])
    # row 4 prefers 0, but not with the confidence the model has in class 0: not marked
    assert scores["likely_issue"].tolist() == [False, False, False, True, False]
    assert scores["quality"].tolist() == pytest.approx([0.9, 0.9, 0.8, 0.05, 0.4])
    assert scores["suggested"].tolist() == [1, 0, 0, 0, 0]


def test_an_unknown_head_is_a_one_line_error(small_corpus):
    from ehcp_nlp.errors import CorpusFormatError

    with pytest.raises(CorpusFormatError, match="no labels to check for colour"):
        label_issues(small_corpus, heads=["colour"])


@pytest.fixture(scope="module")
def scorer(small_corpus, small_config):
    """A quicker scorer: no area, no pfa, no learning curve."""
    import ehcp_nlp

    frame = small_corpus.drop(columns=["area", "pfa"])
    return ehcp_nlp.train(frame, config=replace(small_config, learning_curve=()))


@pytest.fixture(scope="module")
def pool(scorer):
    """The test set, with four near copies of each of its ten most uncertain statements."""
    texts = read_corpus(DATA / "test.csv")["text"].tolist()
    found = suggest(texts, scorer=scorer, n=10)
    variants = [f"{item.text} {tail}" for item in found.items
                for tail in ("Really.", "Indeed.", "Always.", "Ok.")]
    return texts + variants, {item.text for item in found.items}


def test_suggest_returns_n_diverse_statements_with_the_model_reading(pool, scorer):
    texts, seeds = pool
    found = suggest(texts, scorer=scorer, n=20)
    picked = [item.text for item in found.items]
    assert len(picked) == 20 == len(set(picked))
    vectors = char_vectors(texts)
    index = {t: i for i, t in enumerate(texts)}
    rows = vectors[[index[t] for t in picked]]
    similarity = (rows @ rows.T).toarray()
    np.fill_diagonal(similarity, 0)
    assert similarity.max() < 0.9
    assert max(sum(t.startswith(s) for t in picked) for s in seeds) == 1
    assert not near_duplicates(picked).flagged.any()
    for item in found.items:
        assert 0 <= item.uncertainty <= 1
        assert item.reading["type"] in scorer.types
        assert set(item.probabilities) == set(scorer.types)
        assert item.reason
    table = found.to_frame()
    assert list(table.columns[: len(labels.COLUMNS)]) == list(labels.COLUMNS)
    assert (table["type"] == "").all() and (table["suggested_type"] != "").all()
    assert found.candidates == 100


def test_most_uncertain_alone_would_repeat_themselves(pool, scorer):
    """What the diversity step is for: the pool's 20 most uncertain include near copies."""
    from ehcp_nlp.data._suggest import _reading

    texts, _ = pool
    scores = list(scorer.score_many(texts))
    uncertainty = np.array([_reading(s)[0] for s in scores])
    top = [texts[i] for i in np.argsort(-uncertainty, kind="stable")[:20]]
    assert near_duplicates(top).flagged.any()


def planted(tmp_path):
    train = good_rows()
    train.append({**train[2], "id": "r5", "text": LONG})
    test = [{**row, "id": f"t{k}", "group": "g2", "text": f"Statement {k} of the test set."}
            for k, row in enumerate(good_rows())]
    test[1]["text"] = "  finds PHONICS   hard. "  # r2, up to case and spacing
    test[2]["text"] = LONG.replace("forty", "fourty")
    test[3]["group"] = "g1"
    return write_rows(tmp_path / "train.csv", train), write_rows(tmp_path / "test.csv", test)


def test_overlap_finds_exact_and_near_duplicates_and_shared_groups(tmp_path):
    train_path, test_path = planted(tmp_path)
    found = overlap(read_corpus(train_path), read_corpus(test_path))
    assert [(p.test_row, p.train_row) for p in found.exact] == [(3, 3)]
    assert [(p.test_row, p.train_row) for p in found.near] == [(4, 6)]
    assert 0.9 <= found.near[0].similarity < 1
    assert found.shared_groups == ("g1",) and not found.clean
    assert json.loads(json.dumps(found.to_dict()))["exact"] == 1
    report = validate(train_path, test_path)
    warned = {(p.row, p.column) for p in report.warnings if p.file == str(test_path)}
    assert {(3, "text"), (4, "text")} <= warned


def test_dataset_stats_on_the_tiny_corpus(corpus_file):
    figures = dataset_stats(read_corpus(corpus_file))
    assert figures["rows"] == 4 and figures["groups"] == 1
    assert figures["rows_per_group"] == {"min": 4, "median": 4.0, "max": 4}
    assert figures["labels"]["type"] == dict.fromkeys(labels.TYPES, 1)
    assert figures["labels"]["smart"] == {"yes": 1}
    assert figures["labels"]["quantified"] == {"no": 1}
    assert figures["labels"]["specified"] == {"no": 1}
    assert figures["missing"]["smart"] == 3 and figures["missing"]["specified"] == 3
    assert figures["missing"]["text"] == 0 and figures["duplicate_texts"] == 0
    assert figures["text_length"]["words"]["min"] == 3


def test_cli_issues_stats_and_suggest_write_their_files(small_corpus, scorer, tmp_path):
    from ehcp_nlp.model.persist import save

    data = tmp_path / "small.csv"
    small_corpus.to_csv(data, index=False)
    out = tmp_path / "issues.csv"
    result = runner.invoke(app, ["data", "issues", str(data), "--head", "type", "--folds", "2",
                                 "--top", "5", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "labels most likely wrong" in result.output
    assert len(pd.read_csv(out)) == len(small_corpus)

    train_path, test_path = planted(tmp_path)
    result = runner.invoke(app, ["data", "stats", str(train_path), "--test", str(test_path),
                                 "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["rows"] == 5 and figures["overlap"]["near"] == 1
    result = runner.invoke(app, ["data", "stats", str(train_path), "--test", str(test_path)])
    assert "warning" in result.output and "1 of 4 test statements repeat" in result.output

    model = save(scorer, tmp_path / "model")
    pool = tmp_path / "pool.txt"
    pool.write_text("\n".join(read_corpus(DATA / "test.csv")["text"][:200]), encoding="utf-8")
    suggested = tmp_path / "next.csv"
    result = runner.invoke(app, ["data", "suggest", str(pool), "--n", "7", "--model",
                                 str(model), "--out", str(suggested)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(suggested, dtype=str, keep_default_na=False)
    assert len(table) == 7 and table["id"].str.startswith("pool-").all()


@pytest.mark.parametrize("args,message", [
    (["data", "issues", "{tmp}/nope.csv"], "no such file"),
    (["data", "issues", "{tmp}/notext.csv"], "required column is missing"),
    (["data", "suggest", "{tmp}/notext.csv"], "no text column"),
])
def test_bad_input_is_one_line_exit_2_without_traceback(tmp_path, args, message):
    (tmp_path / "notext.csv").write_text("id,statment\n1,Finds phonics hard.\n",
                                         encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "ehcp_nlp",
                           *(a.format(tmp=tmp_path) for a in args)],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "Traceback" not in proc.stderr
    assert message in proc.stderr
