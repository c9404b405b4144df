"""Bootstrap intervals, McNemar's test, ``compare()`` and ``ehcp compare``."""

import json
import math
import subprocess
import sys
import time
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from conftest import DATA
from typer.testing import CliRunner

import ehcp_nlp
from ehcp_nlp.cli import app, main
from ehcp_nlp.data import read_corpus
from ehcp_nlp.errors import CorpusFormatError
from ehcp_nlp.model.compare import compare, mcnemar
from ehcp_nlp.model.evaluate import head_report
from ehcp_nlp.model.intervals import bootstrap_report, paired_bootstrap

runner = CliRunner()
CLASSES = ["a", "b", "c"]


def noisy(n, accuracy=0.8, seed=0):
    """Truth over three labels and predictions right with probability ``accuracy``."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(CLASSES, n)
    wrong = rng.random(n) > accuracy
    return truth, np.where(wrong, rng.choice(CLASSES, n), truth)


def width(entry):
    return entry["high"] - entry["low"]


# -- intervals -------------------------------------------------------------------------------
def test_intervals_hold_the_point_estimate_and_are_deterministic():
    truth, predicted = noisy(500)
    groups = np.arange(500) // 10
    for g in (None, groups):
        report = bootstrap_report(truth, predicted, CLASSES, groups=g, seed=3)
        assert report == bootstrap_report(truth, predicted, CLASSES, groups=g, seed=3)
        assert report != bootstrap_report(truth, predicted, CLASSES, groups=g, seed=4)
        json.dumps(report)
        point = head_report(truth, predicted, CLASSES)
        assert report["accuracy"]["value"] == pytest.approx(point["accuracy"])
        assert report["macro_f1"]["value"] == pytest.approx(point["macro_f1"])
        entries = [report["accuracy"], report["macro_f1"]] + [
            stats[m] for stats in report["per_label"].values()
            for m in ("precision", "recall", "f1")]
        for entry in entries:
            assert entry["low"] <= entry["value"] <= entry["high"]
        assert {k: v["support"] for k, v in report["per_label"].items()} == {
            k: v["support"] for k, v in point["per_label"].items()}
        assert report["n_resamples"] == 1000 and report["level"] == 0.95
    assert report["units"] == 50 and "cluster" in report["method"]


def test_intervals_narrow_as_n_grows_and_match_the_normal_approximation():
    small = bootstrap_report(*noisy(200), CLASSES)
    large = bootstrap_report(*noisy(5000), CLASSES)
    assert width(large["accuracy"]) < width(small["accuracy"]) / 3
    assert width(large["macro_f1"]) < width(small["macro_f1"]) / 3
    p = large["accuracy"]["value"]
    assert width(large["accuracy"]) == pytest.approx(2 * 1.96 * math.sqrt(p * (1 - p) / 5000),
                                                     rel=0.15)


def test_cluster_bootstrap_is_wider_on_clustered_data():
    rng = np.random.default_rng(1)
    groups = np.repeat(np.arange(40), 25)
    # each child is either mostly read right or mostly wrong: errors cluster
    skill = np.repeat(rng.choice([0.95, 0.4], 40), 25)
    truth = rng.choice(CLASSES, len(groups))
    predicted = np.where(rng.random(len(groups)) < skill, truth,
                         np.roll(CLASSES, 1)[np.searchsorted(CLASSES, truth)])
    rows = bootstrap_report(truth, predicted, CLASSES)
    clusters = bootstrap_report(truth, predicted, CLASSES, groups=groups)
    assert width(clusters["accuracy"]) > 2 * width(rows["accuracy"])
    assert width(clusters["macro_f1"]) > 2 * width(rows["macro_f1"])


def test_cluster_bootstrap_equals_resampling_groups_by_hand():
    truth, predicted = noisy(120, seed=5)
    groups = np.array([f"child-{i % 15:02d}" for i in range(120)])
    report = bootstrap_report(truth, predicted, CLASSES, groups=groups, n_resamples=50, seed=9)
    # the groups, in sorted order, are drawn with replacement: 15 draws per resample
    drawn = np.random.default_rng(9).integers(0, 15, size=(50, 15))
    by_hand = []
    for sample in drawn:
        rows = np.concatenate([np.flatnonzero(groups == f"child-{g:02d}") for g in sample])
        by_hand.append(head_report(truth[rows], predicted[rows], CLASSES)["macro_f1"])
    low, high = np.quantile(by_hand, [0.025, 0.975])
    assert report["macro_f1"]["low"] == pytest.approx(low)
    assert report["macro_f1"]["high"] == pytest.approx(high)


def test_paired_bootstrap_of_a_model_against_itself_and_a_better_one():
    truth, a = noisy(600, accuracy=0.7, seed=2)
    same = paired_bootstrap(truth, a, a, CLASSES, groups=np.arange(600) // 6)
    assert same["accuracy"] == {"value": 0.0, "low": 0.0, "high": 0.0}
    b = np.where(np.random.default_rng(3).random(600) < 0.5, truth, a)  # fixes half the errors
    diff = paired_bootstrap(truth, a, b, CLASSES, seed=1)
    gain = (b == truth).mean() - (a == truth).mean()
    assert diff["accuracy"]["value"] == pytest.approx(gain)
    assert 0 < diff["accuracy"]["low"] < gain < diff["accuracy"]["high"]
    f1 = head_report(truth, b, CLASSES)["macro_f1"] - head_report(truth, a, CLASSES)["macro_f1"]
    assert diff["macro_f1"]["value"] == pytest.approx(f1)
    # the same resamples for both: narrower than two independent intervals would suggest
    alone = [bootstrap_report(truth, p, CLASSES, seed=1)["accuracy"] for p in (a, b)]
    assert width(diff["accuracy"]) < width(alone[0]) + width(alone[1])
    assert "macro_f1" not in paired_bootstrap(truth, a, b, None)


# -- McNemar ---------------------------------------------------------------------------------
def pairs(b, c, both=5, neither=2):
    """Correctness of A and B with ``b`` A-only and ``c`` B-only right statements."""
    a = [True] * b + [False] * c + [True] * both + [False] * neither
    return a, [False] * b + [True] * c + [True] * both + [False] * neither


def test_mcnemar_exact_below_25_discordant():
    test = mcnemar(*pairs(3, 10))
    # two-sided binomial(13, 1/2): 2 * P(X <= 3) = 2 * (1 + 13 + 78 + 286) / 2**13
    assert (test.b, test.c, test.method) == (3, 10, "exact binomial")
    assert test.p_value == pytest.approx(2 * 378 / 8192)
    assert mcnemar(*pairs(0, 0)).p_value == 1.0


def test_mcnemar_chi_square_with_continuity_correction():
    test = mcnemar(*pairs(10, 25))
    assert test.method == "chi-square with continuity correction"
    assert test.statistic == pytest.approx((25 - 10 - 1) ** 2 / 35)  # 5.6
    # chi-square with 1 df: P(X > s) = erfc(sqrt(s / 2))
    assert test.p_value == pytest.approx(math.erfc(math.sqrt(5.6 / 2)))
    assert mcnemar(*pairs(20, 20)).p_value == 1.0


# -- compare() -------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def test_rows():
    return read_corpus(DATA / "test.csv").iloc[::4].head(200).reset_index(drop=True)


@pytest.fixture(scope="module")
def bundled():
    return ehcp_nlp.load()


def test_a_model_against_itself_agrees_everywhere(small_scorer, test_rows):
    result = compare(small_scorer, small_scorer, test_rows, n_resamples=200)
    assert result.disagreements.empty and list(result.disagreements.columns)[0] == "id"
    assert "type" in result.heads and "smart" in result.heads
    for head in result.heads.values():
        assert head.mcnemar.p_value == 1.0 and head.disagreements == 0
        assert head.difference["accuracy"]["value"] == 0.0 and head.note is None
        assert head.a == head.b


def test_small_model_against_the_bundled_one(small_scorer, bundled, test_rows):
    started = time.perf_counter()
    result = compare(small_scorer, bundled, test_rows, n_resamples=300, seed=1)
    assert time.perf_counter() - started < 30
    frame = result.disagreements
    assert len(frame) > 0 and len(frame) == sum(h.disagreements for h in result.heads.values())
    assert (frame["prediction_a"] != frame["prediction_b"]).all()
    # the predictions are truly the models': score the disagreed statements again
    typed = frame[frame["head"] == "type"]
    assert len(typed) > 0
    for scorer, column in ((small_scorer, "prediction_a"), (bundled, "prediction_b")):
        again = [s.type for s in scorer.score_many(typed["text"].tolist())]
        assert again == typed[column].tolist()
    truth = test_rows.set_index("id")["type"]
    assert (typed["truth"].to_numpy() == truth[typed["id"]].to_numpy()).all()
    head = result.heads["type"]
    assert head.n == len(test_rows)
    assert head.mcnemar.b + head.mcnemar.c <= head.disagreements
    gain = head.b["accuracy"]["value"] - head.a["accuracy"]["value"]
    assert head.difference["accuracy"]["value"] == pytest.approx(gain)
    assert result.to_dict() == json.loads(json.dumps(result.to_dict()))
    assert result.model_b == str(bundled.info["path"])


class StubScorer:
    """A model with only a type head, predicting the given labels (for label-set tests)."""

    def __init__(self, classes, predict):
        self.linear = SimpleNamespace(heads={"type": SimpleNamespace(classes=tuple(classes))})
        self.info = {}
        self.predict = predict

    def score_many(self, texts, batch_size=1000):
        for text in texts:
            label = self.predict(text)
            yield SimpleNamespace(type=label, probabilities={label: 0.9})


def test_models_with_different_type_labels_compare_on_their_roles(small_scorer):
    frame = pd.DataFrame({"text": [f"s{i}" for i in range(40)],
                          "type": ["need", "health_provision"] * 20,
                          "area": ["semh"] * 40})
    custom = StubScorer(["need", "health_provision"], lambda t: "need" if int(t[1:]) % 2 == 0
                        else "health_provision")
    schema = StubScorer(["need", "provision"], lambda t: "need")
    result = compare(custom, schema, frame, n_resamples=100)
    head = result.heads["type"]
    assert any("compared on the roles" in n for n in result.notes)
    assert head.a["accuracy"]["value"] == 1.0 and head.b["accuracy"]["value"] == 0.5
    assert (head.mcnemar.b, head.mcnemar.c) == (20, 0)
    assert set(result.disagreements["head"]) == {"type"}
    assert "id" not in result.disagreements.columns
    only = compare(small_scorer, schema, frame.assign(text="Finds reading hard."),
                   n_resamples=50)
    assert any(n.startswith("area: only model A") for n in only.notes)
    with pytest.raises(CorpusFormatError):
        compare(custom, schema, frame[["text"]])


def test_a_model_that_only_splits_provision_is_not_worse_for_it():
    frame = pd.DataFrame({"text": [f"s{i}" for i in range(60)],
                          "type": ["need", "provision", "outcome"] * 20})
    truth = dict(zip(frame["text"], frame["type"], strict=True))
    schema = StubScorer(["need", "outcome", "provision"], lambda t: truth[t])
    split = StubScorer(["need", "outcome", "education_provision", "health_provision"],
                       lambda t: (("education_provision" if int(t[1:]) % 2 else
                                   "health_provision") if truth[t] == "provision"
                                  else truth[t]))
    result = compare(schema, split, frame, n_resamples=100)
    head = result.heads["type"]
    assert head.a["accuracy"]["value"] == head.b["accuracy"]["value"] == 1.0
    assert head.mcnemar.p_value == 1.0 and head.difference["accuracy"]["value"] == 0.0
    assert any("model B splits provision into education_provision, health_provision" in n
               for n in result.notes)


# -- ehcp compare ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def model_dir(small_scorer, tmp_path_factory):
    return small_scorer.save(tmp_path_factory.mktemp("compare") / "small")


@pytest.fixture(scope="module")
def data_file(test_rows, tmp_path_factory):
    path = tmp_path_factory.mktemp("data") / "rows.csv"
    test_rows.head(120).to_csv(path, index=False)
    return path


def test_cli_prints_tables_and_writes_the_disagreements(model_dir, data_file, tmp_path):
    out = tmp_path / "disagreements.csv"
    result = runner.invoke(app, ["compare", str(model_dir), "bundled", str(data_file),
                                 "--disagreements", str(out), "--resamples", "200"])
    assert result.exit_code == 0, result.output
    assert "type: 120 statements" in result.output and "B − A" in result.output
    assert "McNemar p =" in result.output and "macro-F1" in result.output
    written = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert f"{len(written)} disagreements" in result.output
    assert list(written.columns[:3]) == ["id", "text", "head"]
    assert (written["prediction_a"] != written["prediction_b"]).all()
    as_json = runner.invoke(app, ["compare", str(model_dir), "bundled", str(data_file),
                                  "--json", "--resamples", "50"])
    report = json.loads(as_json.output)
    assert len(report["disagreements"]) == len(written)
    assert report["heads"]["type"]["a"]["n_resamples"] == 50


def test_cli_bad_model_path_is_one_line_without_traceback(data_file):
    proc = subprocess.run([sys.executable, "-m", "ehcp_nlp", "compare", "/nonexistent",
                           "bundled", str(data_file)], capture_output=True, text=True)
    assert proc.returncode == 2
    assert "no such model directory" in proc.stderr and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("case,message", [
    ("no_manifest", "has no manifest.json"),
    ("no_text", "has no 'text' column"),
])
def test_cli_bad_input_is_one_line(case, message, data_file, tmp_path, monkeypatch, capsys):
    # in this process, through main() as the `ehcp` command runs it (a subprocess costs 4 s)
    model, data = tmp_path / "empty", data_file
    model.mkdir()
    if case == "no_text":
        model, data = "bundled", tmp_path / "bad.csv"
        data.write_text("id,type\n1,need\n", encoding="utf-8")
    monkeypatch.setattr(sys, "argv", ["ehcp", "compare", str(model), "bundled", str(data)])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def split_model_dir(small_corpus, small_config, tmp_path_factory):
    """The small corpus with provision split into education and health provision."""
    import ehcp_nlp

    frame = small_corpus.copy()
    provision = frame["type"] == "provision"
    frame.loc[provision, "type"] = np.where(frame.loc[provision, "area"] == "health",
                                            "health_provision", "education_provision")
    scorer = ehcp_nlp.train(frame, config=small_config)
    return scorer.save(tmp_path_factory.mktemp("split") / "split")


def test_cli_compares_a_split_model_on_roles_and_names_the_split(model_dir, split_model_dir,
                                                                   data_file):
    result = runner.invoke(app, ["compare", str(model_dir), str(split_model_dir),
                                 str(data_file), "--resamples", "50", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    notes = " ".join(report["notes"])
    assert "compared on the roles" in notes and "model B splits provision into" in notes
    head = report["heads"]["type"]
    # on roles both models are near each other: nowhere near the raw-label collapse
    assert abs(head["a"]["accuracy"]["value"] - head["b"]["accuracy"]["value"]) < 0.1
    assert head["mcnemar"]["p_value"] > 1e-6
    plain = runner.invoke(app, ["compare", str(model_dir), str(split_model_dir),
                                str(data_file), "--resamples", "50"])
    assert "splits provision into" in plain.output
