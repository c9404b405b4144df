"""The library API: training, scoring, explanations, persistence and integrity."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ehcp_nlp
from ehcp_nlp import labels
from ehcp_nlp.errors import EhcpError
from ehcp_nlp.model.persist import MANIFEST, MODEL_FILE, ModelError, load, save
from ehcp_nlp.model.scorer import MAX_CHARS, EmptyStatementError

STATEMENTS = [
    "By the end of the summer term 2027, Ayo will read 40 common words aloud without help.",
    "Access to speech and language therapy as needed.",
    "Three 30-minute sessions a week with a trained teaching assistant, working on phonics.",
    "I want to work with animals when I leave school.",
    "Lena finds it hard to wait her turn and needs adult support to share.",
    "Staff will ensure Sam always behaves in every lesson.",
    "Kai will receive weekly physiotherapy.",
]


def test_train_learns_every_head(small_scorer):
    assert set(small_scorer.linear.heads) == {"type", *labels.CRITERIA, "specified",
                                              "provision_kind", *labels.PART_COLUMNS,
                                              "area", "pfa"}
    assert set(small_scorer.types) == set(labels.TYPES)
    cv = small_scorer.info["cross_validation"]
    assert cv["type"]["macro_f1"] > 0.6  # a real signal, even on a small sample


def test_score_returns_a_complete_result(small_scorer):
    result = small_scorer.score(STATEMENTS[0])
    assert result.type in labels.TYPES
    assert math.isclose(sum(result.probabilities.values()), 1.0, rel_tol=1e-9)
    assert set(result.criteria) == set(labels.CRITERIA)
    assert (result.smart is None) == (result.type != "outcome")
    assert (result.quantified is None) == (result.type != "provision")
    assert (result.specified is None) == (result.type != "provision")
    assert 0 <= result.smart_probability <= 1 and 0 <= result.specified_probability <= 1
    time_frames = [e.text for e in result.evidence if e.component == "time_frame"]
    assert time_frames == ["By the end of the summer term 2027"]
    assert "By the end of the summer term 2027" in result.criteria["time_bound"].evidence


def test_evidence_offsets_point_into_the_text(small_scorer):
    for result in small_scorer.score_many(STATEMENTS):
        for e in result.evidence:
            assert result.text[e.start:e.end] == e.text


def test_contributions_add_up_to_the_logit(small_scorer, small_corpus):
    texts = small_corpus["text"].tolist()[:150] + STATEMENTS
    for result in small_scorer.score_many(texts, batch_size=64, explain=True):
        assert set(result.contributions) == {*small_scorer.linear.heads, "smart"}
        for c in result.contributions.values():
            assert abs(c.bias + sum(c.components.values()) - c.logit) < 1e-6


def test_explanations_are_opt_in_and_change_no_score(small_scorer, small_corpus):
    texts = small_corpus["text"].tolist()[:60]
    plain = list(small_scorer.score_many(texts))
    explained = list(small_scorer.score_many(texts, explain=True))
    assert all(r.contributions == {} for r in plain)
    for a, b in zip(plain, explained, strict=True):
        assert a.type == b.type and a.smart_probability == pytest.approx(b.smart_probability)
        assert a.probabilities == pytest.approx(b.probabilities)


def test_logits_equal_the_estimators_decision_function(small_scorer, small_corpus):
    texts = small_corpus["text"].tolist()[:120]
    results = list(small_scorer.score_many(texts, explain=True))
    docs = list(small_scorer.nlp.pipe(texts))
    for name in ("time_bound", "quantified", "provision_kind", "type", "area"):
        head = small_scorer.linear.heads[name]
        decision = small_scorer.pipeline(name).decision_function(docs)
        classes = list(small_scorer.estimators[name].classes_)
        for result, row in zip(results, np.atleast_2d(decision.T).T, strict=True):
            c = result.contributions[name]
            if head.binary:
                expected = row[0] if np.ndim(row) else row
            else:
                explained = c.label.removeprefix("uncertain (leaning ").removesuffix(")")
                expected = row[classes.index(explained)]
            assert abs(c.logit - expected / head.temperature) < 1e-6


def test_smart_is_the_weakest_criterion(small_scorer, small_corpus):
    for result in small_scorer.score_many(small_corpus["text"].tolist()[:80] + STATEMENTS,
                                          explain=True):
        weakest = min(result.criteria.values(), key=lambda c: c.probability)
        assert result.smart_probability == weakest.probability
        verdict = "yes" if result.smart_probability >= 0.5 else "no"
        assert result.contributions["smart"].label == f"{verdict} (weakest: {weakest.name})"
        if result.type == "outcome":
            assert result.smart == all(c.met for c in result.criteria.values())


def test_probabilities_follow_from_calibrated_logits(small_scorer):
    result = small_scorer.score(STATEMENTS[1])
    c = result.contributions["quantified"]
    assert abs(1 / (1 + math.exp(-c.logit)) - result.quantified_probability) < 1e-9


def test_score_many_keeps_input_order_and_streams(small_scorer):
    texts = [f"Statement {i}: Ola will count to {i} by July." for i in range(1, 40)]
    results = small_scorer.score_many(iter(texts), batch_size=7)
    assert [r.text for r in results] == texts


def test_score_many_in_worker_processes_matches_one_process(small_scorer):
    texts = STATEMENTS * 6
    one = [r.to_dict() for r in small_scorer.score_many(texts, batch_size=10)]
    two = [r.to_dict() for r in small_scorer.score_many(texts, batch_size=10, n_jobs=2)]
    assert one == two


def test_empty_statement_is_a_one_line_error(small_scorer):
    with pytest.raises(EmptyStatementError, match="statement 2 is empty"):
        list(small_scorer.score_many(["Kai will read.", "   "]))
    with pytest.raises(EhcpError):
        small_scorer.score("")


def test_a_megabyte_statement_is_cut_with_a_warning(small_scorer):
    result = small_scorer.score("Ola will read. " * 70_000)
    assert len(result.text) == MAX_CHARS
    assert "cut" in result.warnings[0]


def test_json_round_trips(small_scorer):
    for result in small_scorer.score_many(STATEMENTS, explain=True):
        data = result.to_dict()
        again = json.loads(json.dumps(data))
        assert again == data
        assert set(data["criteria"]) == set(labels.CRITERIA)
        assert set(data["probabilities"]) == set(labels.TYPES)


def test_findings_name_what_to_fix():
    from ehcp_nlp.findings import findings_for, provision_parts
    from ehcp_nlp.results import Criterion, Evidence

    text = "Access to a quiet room as needed."
    evidence = (Evidence("vague", "hedge", "Access to", 0, 9),
                Evidence("vague", "hedge", "as needed", 23, 32))
    parts = provision_parts(evidence, text)
    assert parts == {"what": True, "who": False, "how_often": False, "how_long": False}
    criteria = {c: Criterion(c, True, 0.9) for c in labels.CRITERIA}
    (finding,) = findings_for("provision", criteria, None, False, parts, evidence,
                              provision_kind="therapy")
    assert finding.code == "provision_not_specified"
    assert "who, how often, how long" in finding.message and "'as needed'" in finding.message
    assert "who delivers it" in finding.suggestion
    # an arrangement is not asked for hours: only what it is and when or where it applies
    (finding,) = findings_for("provision", criteria, None, False, parts, evidence,
                              provision_kind="arrangement")
    assert "missing when or where" in finding.message and "how long" not in finding.message

    criteria["time_bound"] = Criterion("time_bound", False, 0.1)
    criteria["achievable"] = Criterion("achievable", False, 0.2)
    absolute = (Evidence("absolute", "absolute", "always", 8, 14),)
    codes = [f.code for f in findings_for("outcome", criteria, False, None, parts, absolute)]
    assert codes == ["outcome_not_smart", "absolute_target"]
    smart = findings_for("outcome", criteria, False, None, parts, absolute)[0]
    assert "no time frame" in smart.message and "say by when" in smart.suggestion.lower()
    assert "level that can be reached" not in smart.suggestion  # the absolute finding says it

    misplaced = findings_for("provision", criteria, None, True, parts, (),
                             expected_type="outcome")
    assert misplaced[0].code == "reads_as_provision"


def test_score_frame_adds_columns_and_keeps_bad_rows(small_scorer):
    frame = pd.DataFrame({"text": [STATEMENTS[0], None, "  ", STATEMENTS[1]], "n": range(4)})
    out = small_scorer.score_frame(frame)
    assert list(out["n"]) == [0, 1, 2, 3]
    assert out["error"].tolist()[1:3] == ["empty or missing statement"] * 2
    assert out.loc[0, "type"] in labels.TYPES and pd.isna(out.loc[1, "type"])
    with pytest.raises(EhcpError, match="no column 'words'"):
        small_scorer.score_frame(frame, text_column="words")


def test_save_and_load_round_trip(small_scorer, tmp_path):
    save(small_scorer, tmp_path / "m")
    loaded = load(tmp_path / "m")
    a = small_scorer.score(STATEMENTS[2]).to_dict()
    b = loaded.score(STATEMENTS[2]).to_dict()
    assert a == b
    manifest = json.loads((tmp_path / "m" / MANIFEST).read_text())
    assert manifest["training"]["data_sha256"] == small_scorer.info["training"]["data_sha256"]
    assert manifest["versions"]["scikit-learn"]


def test_scorer_save_writes_a_card(small_scorer, tmp_path):
    directory = small_scorer.save(tmp_path / "m")
    assert "Intended use" in (directory / "MODEL_CARD.md").read_text()
    assert load(directory).types == small_scorer.types


def test_a_changed_byte_is_refused(small_scorer, tmp_path):
    directory = save(small_scorer, tmp_path / "m")
    path = directory / MODEL_FILE
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="checksum does not match"):
        load(directory)


def test_foreign_or_incomplete_model_directories_are_refused(small_scorer, tmp_path):
    with pytest.raises(ModelError, match="no such model directory"):
        load(tmp_path / "nothing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelError, match="not an ehcp-nlp model"):
        load(tmp_path / "empty")
    directory = save(small_scorer, tmp_path / "m")
    manifest = json.loads((directory / MANIFEST).read_text())
    manifest["versions"]["scikit-learn"] = "0.1.0"  # data, not pickles: other versions load
    (directory / MANIFEST).write_text(json.dumps(manifest))
    assert load(directory).types == small_scorer.types
    manifest["files"] = list(manifest["files"])
    (directory / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match="'files' is not a table"):
        load(directory)
    directory = save(small_scorer, tmp_path / "m2")
    (directory / MODEL_FILE).unlink()
    with pytest.raises(ModelError, match="missing"):
        load(directory)


def test_training_without_groups_makes_each_row_a_group(small_corpus, small_config):
    said = []
    scorer = ehcp_nlp.train(small_corpus[["text", "type"]], config=small_config,
                            progress=said.append)
    assert scorer.info["training"]["groups"] == len(small_corpus)
    assert any("no group column" in message for message in said)
    assert set(scorer.info["cross_validation"]) == {"type"}


def test_training_is_deterministic(small_corpus, small_config):
    a = ehcp_nlp.train(small_corpus, config=small_config)
    b = ehcp_nlp.train(small_corpus, config=small_config)
    assert np.array_equal(a.linear.coef, b.linear.coef)
    assert a.info == b.info


def test_training_data_errors_are_one_line(small_corpus, small_config):
    with pytest.raises(EhcpError, match="no 'type' column"):
        ehcp_nlp.train(small_corpus.drop(columns=["type"]), config=small_config)
    broken = small_corpus.copy()
    broken.loc[3, "text"] = " "
    with pytest.raises(EhcpError, match="empty statements"):
        ehcp_nlp.train(broken, config=small_config)


def test_custom_type_labels_come_from_the_data(small_corpus, small_config):
    frame = small_corpus.copy()
    health = (frame["type"] == "provision") & (frame["area"] == "health")
    frame.loc[health, "type"] = "health_provision"
    scorer = ehcp_nlp.train(frame, config=small_config)
    assert "health_provision" in scorer.types
    result = scorer.score(STATEMENTS[2])
    assert set(result.probabilities) == set(scorer.types)


def test_evaluate_reports_every_head(small_scorer, small_corpus):
    report = ehcp_nlp.evaluate(small_scorer, small_corpus.head(120))
    assert {"type", "smart", "quantified", "area", "pfa"} <= set(report)
    entry = report["type"]
    assert set(entry["per_label"]) >= set(labels.TYPES) - {""}
    assert 0 <= entry["calibration"]["ece"] <= 1
    assert sum(map(sum, entry["confusion"])) == entry["n"]


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(min_size=1, max_size=300).filter(lambda t: t.strip()))
def test_any_unicode_text_scores_without_raising(small_scorer, text):
    result = small_scorer.score(text)
    assert result.type in small_scorer.types
    json.dumps(result.to_dict())


def test_spacy_factory_sets_doc_extension(small_scorer, tmp_path):
    import spacy

    directory = save(small_scorer, tmp_path / "m")
    nlp = spacy.blank("en")
    nlp.add_pipe("ehcp_scorer", config={"model": str(directory)})
    doc = nlp(STATEMENTS[0])
    assert doc._.ehcp.type in labels.TYPES
    assert doc._.ehcp.text == STATEMENTS[0]


def test_verdicts_never_contradict_their_own_parts(bundled):
    """On every statement of the test and contrast sets: specified provision states every part
    its kind needs, SMART outcomes meet every criterion, and the explanation names the verdict."""
    from pathlib import Path

    from ehcp_nlp.data import read_corpus

    data = Path(__file__).resolve().parent.parent / "data"
    texts = [t for name in ("test.csv", "contrast.csv")
             for t in read_corpus(data / name)["text"]]
    checked = 0
    for result in bundled.score_many(texts, explain=True):
        if result.role == "provision":
            assert result.specified == (result.specified_probability >= 0.5)
            if result.specified:
                assert labels.specified_from_parts(result.provision_kind,
                                                   result.provision_parts), result.text
            label = result.contributions["specified"].label
            assert label.startswith("yes" if result.specified else "no"), (label, result.text)
            checked += 1
        if result.role == "outcome":
            assert result.smart == all(c.met for c in result.criteria.values())
    assert checked > 300


def test_area_and_pfa_say_uncertain_below_their_calibrated_confidence(small_scorer,
                                                                       small_corpus):
    bars = small_scorer.info["uncertain_below"]
    assert set(bars) == {"area", "pfa"} and all(0 <= b <= 1 for b in bars.values())
    results = list(small_scorer.score_many(small_corpus["text"].tolist()[:200]))
    for r in results:
        assert r.area_guess in labels.AREAS and r.pfa_guess in labels.PFA
        assert (r.area == "uncertain") == (r.area_probability < bars["area"])
        assert r.area in (r.area_guess, "uncertain")
        assert (r.pfa == "uncertain") == (r.pfa_probability < bars["pfa"])
        assert r.to_dict()["area"] == r.area and r.to_dict()["area_guess"] == r.area_guess


def test_confidence_threshold_meets_its_accuracy_out_of_fold():
    from ehcp_nlp.model.heads import Head
    from ehcp_nlp.model.train import HeadFit, confidence_threshold

    probabilities = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.45, 0.55], [0.6, 0.4]])
    truth = np.array(["a", "a", "b", "a", "b"])
    predicted = np.array(["a", "a", "b", "b", "a"])
    fit = HeadFit(Head("area", None, False), ("a", "b"), 1.0, 1.0, 0.0, predicted, truth,
                  np.arange(5), probabilities)
    # right in order of confidence: 0.9 yes, 0.8 yes, 0.7 yes, 0.6 no, 0.55 no
    assert confidence_threshold(fit, accuracy=0.85) == pytest.approx(0.7)
    assert confidence_threshold(fit, accuracy=0.5) == pytest.approx(0.55)
    assert confidence_threshold(fit, accuracy=1.01) == 1.0
