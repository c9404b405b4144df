"""Bulk analysis: tables in every format, plan checks, outputs, errors, workers, Dask, CLI."""

import json
import math

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from ehcp_nlp.bulk import OutputError, analyse, discover
from ehcp_nlp.bulk.checks import PlanFacts, check_plan
from ehcp_nlp.bulk.records import SKIP_REASONS
from ehcp_nlp.bulk.tables import TableError, read_table
from ehcp_nlp.cli import app

ROWS = [
    ("p1", "A", "I want to work with animals when I leave school.", 15),
    ("p1", "B", "Sam finds it hard to start conversations with other students.", 15),
    ("p1", "E", "By July 2027, Sam will start a conversation with a peer in 4 of 5 "
                "observed lunchtimes.", 15),
    ("p1", "E", "Sam will be more confident.", 15),
    ("p1", "F", "A weekly 30-minute social skills group run by the speech and language "
                "therapist for two terms.", 15),
    ("p1", "F", "Access to a quiet space as needed.", 15),
    ("p2", "B", "Ava's reading is two years behind her age.", 8),
    ("p2", "E", "By the end of Year 4, Ava will read 50 common words aloud without help.", 8),
    ("p2", "F", "Daily 15-minute phonics sessions with a trained teaching assistant.", 8),
]


@pytest.fixture
def table():
    return pd.DataFrame(ROWS, columns=["plan_id", "section", "text", "age"])


@pytest.fixture(scope="module")
def saved_model(small_scorer, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "m"
    small_scorer.save(path)
    return path


def write(frame: pd.DataFrame, path, kind: str):
    if kind == "csv":
        frame.to_csv(path, index=False)
    elif kind == "tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif kind == "jsonl":
        frame.to_json(path, orient="records", lines=True)
    elif kind == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_excel(path, index=False)
    return path


@pytest.mark.parametrize("kind,suffix", [("csv", ".csv"), ("tsv", ".tsv"), ("jsonl", ".jsonl"),
                                         ("parquet", ".parquet"), ("excel", ".xlsx")])
def test_every_table_format_reads_the_same_rows(table, tmp_path, kind, suffix):
    path = write(table, tmp_path / f"t{suffix}", kind)
    chunks = list(read_table(path, chunk_size=4))
    frame = pd.concat([c.frame for c in chunks], ignore_index=True)
    assert [len(c.frame) for c in chunks] == [4, 4, 1]
    assert frame["text"].tolist() == table["text"].tolist()
    assert frame["plan_id"].tolist() == table["plan_id"].tolist()
    assert frame["row"].tolist() == list(range(1, len(table) + 1))
    assert frame["age"].astype(float).tolist() == table["age"].astype(float).tolist()


def test_windows_1252_tables_are_read_with_a_warning(tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_bytes("text\nZo\u00eb will read \u201cten\u201d words.\n".encode("cp1252"))
    chunks = list(read_table(path))
    assert chunks[0].frame["text"][0] == "Zo\u00eb will read \u201cten\u201d words."
    assert "Windows-1252" in chunks[0].warnings[0]


def test_a_table_without_a_text_column_names_its_columns(tmp_path):
    path = tmp_path / "wrong.csv"
    pd.DataFrame({"words": ["x"], "plan": ["p"]}).to_csv(path, index=False)
    with pytest.raises(TableError, match="no text column.*columns are words, plan.*--text-column"):
        list(read_table(path))
    assert list(read_table(path, text_column="words"))[0].frame["text"][0] == "x"


def test_analyse_a_frame_scores_every_row_and_checks_every_plan(small_scorer, table):
    result = analyse(table, scorer=small_scorer)
    assert len(result.statements) == len(table)
    assert result.statements["plan_id"].tolist() == table["plan_id"].tolist()
    assert set(result.plans["plan_id"]) == {"p1", "p2"}
    plans = result.plans.set_index("plan_id")
    for column in ("score", "part_smart", "part_specified", "part_thread", "part_placement"):
        assert column in plans.columns
    assert 0 <= plans.loc["p1", "score"] <= 100
    assert result.totals.read == result.totals.scored == len(table)
    assert set(result.findings.columns) >= {"plan_id", "code", "section", "statement",
                                            "message"}


def test_no_row_is_lost_without_a_trace(small_scorer, table, tmp_path):
    rows = pd.concat([table, pd.DataFrame([
        {"plan_id": "p3", "section": "E", "text": "", "age": 9},
        {"plan_id": "p3", "section": "E", "text": "   ", "age": 9},
        {"plan_id": "p3", "section": "E", "text": "Will read. " * 2000, "age": 9},
    ])], ignore_index=True)
    path = tmp_path / "rows.csv"
    rows.to_csv(path, index=False)
    result = analyse([path], scorer=small_scorer)
    assert result.totals.read == len(rows)
    assert result.totals.scored + result.totals.failed == len(rows)
    assert result.totals.failed == 2
    reasons = result.errors["reason"].tolist()
    assert sum("empty text" in r for r in reasons) == 2
    # a long row is scored (on its first 10,000 characters): a warning, not an error row;
    # every row is in exactly one of statements and errors
    assert any("characters: scored on its first" in w for w in result.warnings)
    locations = set(result.errors["location"])
    assert {"row 10", "row 11"} <= locations and "row 12" not in locations
    assert len(result.statements) + len(result.errors) == len(rows)


def test_bad_files_are_reported_and_the_rest_analysed(small_scorer, table, tmp_path):
    good = write(table, tmp_path / "good.csv", "csv")
    (tmp_path / "broken.parquet").write_bytes(b"not parquet at all")
    pd.DataFrame({"other": ["x"]}).to_csv(tmp_path / "notext.csv", index=False)
    result = analyse([tmp_path / "good.csv", tmp_path / "broken.parquet",
                      tmp_path / "notext.csv", tmp_path / "missing.csv"], scorer=small_scorer)
    assert result.totals.scored == len(table)
    failed = dict(zip(result.errors["file"], result.errors["reason"], strict=True))
    assert "could not be read as parquet" in failed[str(tmp_path / "broken.parquet")]
    assert "no text column" in failed[str(tmp_path / "notext.csv")]
    assert "no such file" in failed[str(tmp_path / "missing.csv")]
    assert result.totals.files_failed == 3
    assert good.exists()


def test_discover_expands_folders_and_globs(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "one.csv").write_text("text\nx\n")
    (tmp_path / "a" / "two.md").write_text("# Plan\n")
    (tmp_path / "a" / "skip.png").write_bytes(b"\x89PNG")
    files, errors = discover([tmp_path / "a", str(tmp_path / "a" / "*.csv"),
                              str(tmp_path / "none-*.csv")])
    assert sorted(p.name for p in files) == ["one.csv", "two.md"]
    assert errors and "matches no plan or table file" in errors[0]["reason"]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonl"])
def test_outputs_are_written_in_each_format(small_scorer, table, tmp_path, fmt):
    out = tmp_path / "out"
    result = analyse(table, scorer=small_scorer, out=out, fmt=fmt, report=False)
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"statements.{fmt}", "findings.csv", "links.csv", "plans.csv",
                            "errors.csv", "personal_data.csv", "skipped.csv"])
    statements = {"csv": pd.read_csv, "parquet": pd.read_parquet,
                  "jsonl": lambda p: pd.read_json(p, lines=True)}[fmt](out / f"statements.{fmt}")
    assert len(statements) == len(table)
    assert statements["text"].tolist() == table["text"].tolist()
    assert len(pd.read_csv(out / "plans.csv")) == 2
    assert result.totals.findings == len(pd.read_csv(out / "findings.csv"))


def test_a_non_empty_output_folder_needs_force(small_scorer, table, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("keep me")
    with pytest.raises(OutputError, match="not empty.*--force"):
        analyse(table, scorer=small_scorer, out=out, report=False)
    analyse(table, scorer=small_scorer, out=out, force=True, report=False)
    assert (out / "notes.txt").read_text() == "keep me"
    assert (out / "statements.csv").exists()


def test_an_interrupted_run_leaves_no_partial_file(small_scorer, table, tmp_path):
    out = tmp_path / "out"

    def interrupt(state):
        raise KeyboardInterrupt

    big = pd.concat([table] * 5, ignore_index=True)
    with pytest.raises(KeyboardInterrupt):
        analyse(big, scorer=small_scorer, out=out, chunk_size=10, progress=interrupt)
    assert list(out.iterdir()) == []


def test_worker_processes_give_the_same_statements(saved_model, table, tmp_path):
    paths = []
    for k in range(3):
        paths.append(write(table.assign(plan_id=table["plan_id"] + f"-{k}"),
                           tmp_path / f"t{k}.csv", "csv"))
    one = analyse(paths, model=saved_model, chunk_size=4)
    two = analyse(paths, model=saved_model, chunk_size=4, jobs=2)
    columns = ["statement_id", "type", "smart_probability", "specified_probability"]
    pd.testing.assert_frame_equal(one.statements[columns], two.statements[columns])
    assert sorted(one.plans["plan_id"]) == sorted(two.plans["plan_id"])


def test_plan_checks_follow_table_rows_and_flag_the_broken_thread():
    def row(i, section, kind, text, **extra):
        base = {"statement_id": f"s{i}", "section": section, "type": kind, "text": text,
                "area": "semh", "pfa": "none", "subject": "child", "smart": None,
                "specified": None, "location": f"row {i}", "row_key": "",
                f"p_{kind}": 0.9}
        return {**base, **extra}

    rows = [
        row(1, "B", "need", "Finds it hard to manage anger", row_key="t1r1"),
        row(2, "E", "outcome", "Will use a calm-down plan", row_key="t1r1", smart=False,
            specific=True, measurable=False, achievable=True, realistic=True,
            time_bound=False),
        row(3, "F", "provision", "Weekly ELSA session", row_key="t1r1", specified=True),
        row(4, "B", "need", "Is frightened of swimming pools and deep water"),
        row(5, "E", "outcome", "Staff will see fewer incidents", subject="service"),
        row(6, "G", "outcome", "By July she will book her own appointments",
            p_provision=0.001),
    ]
    result = check_plan(rows, PlanFacts("p", "p.docx", year_group=10,
                                        sections_found=["A", "B", "E", "F", "G"]))
    codes = {(f["code"], f["statement_id"]) for f in result.findings}
    assert ("outcome_not_smart", "s2") in codes
    assert ("need_without_outcome", "s4") in codes
    assert ("need_without_outcome", "s1") not in codes
    assert ("outcome_not_person_centred", "s5") in codes
    assert ("statement_misplaced", "s6") in codes
    assert ("no_pfa_outcomes", "") in codes
    missing = [f["section"] for f in result.findings if f["code"] == "missing_section"]
    assert missing == ["C", "D", "H", "I", "J", "K"]
    assert {"need_id": "s1", "outcome_id": "s2", "provision_id": "s3"}.items() <= \
        next(link for link in result.links if link["need_id"] == "s1").items()
    parts = {k: v for k, v in result.plan.items() if k.startswith("part_")}
    weights = {"smart": 0.3, "specified": 0.25, "thread": 0.2, "placement": 0.1,
               "sections": 0.1, "pfa": 0.05}
    expected = 100 * sum(weights[k[5:]] * v for k, v in parts.items() if not np.isnan(v)) / \
        sum(weights[k[5:]] for k, v in parts.items() if not np.isnan(v))
    assert result.plan["score"] == pytest.approx(expected, abs=0.05)


@pytest.mark.parametrize(("smart", "expected"), [
    (True, None),
    (False, "one outcome names it but is not SMART"),
])
def test_an_outcome_counts_for_adulthood_only_when_it_is_smart(smart, expected):
    outcome = {"statement_id": "s1", "section": "E", "type": "outcome", "p_outcome": 0.95,
               "text": "Will get a job", "area": "cognition_learning", "subject": "child",
               "pfa": "employment", "pfa_probability": 0.97, "smart": smart,
               "location": "", "row_key": ""}
    findings = check_plan([outcome], PlanFacts("p", "p.docx", year_group=10)).findings
    messages = [f["message"] for f in findings if f["code"] == "no_pfa_outcomes"]
    if expected is None:
        assert messages == []
    else:
        assert len(messages) == 1 and expected in messages[0]
    young = check_plan([outcome], PlanFacts("p", "p.docx", year_group=5)).findings
    assert not [f for f in young if f["code"] == "no_pfa_outcomes"]


def test_dask_scores_partitions_like_the_library(small_scorer, saved_model, table):
    dd = pytest.importorskip("dask.dataframe")
    distributed = pytest.importorskip("distributed")
    from ehcp_nlp.bulk.cluster import score_meta, score_partition

    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster):
        frame = dd.from_pandas(table, npartitions=3)
        scored = frame.map_partitions(score_partition, model=str(saved_model),
                                      meta=score_meta(frame, model=str(saved_model)))
        result = scored.compute()
    expected = small_scorer.score_frame(table)
    assert result["type"].tolist() == expected["type"].tolist()
    np.testing.assert_allclose(result["smart_probability"], expected["smart_probability"])


def test_cli_analyse_writes_the_folder_and_prints_totals(saved_model, table, tmp_path):
    path = write(table, tmp_path / "plans.csv", "csv")
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["analyse", str(path), "--out", str(out), "--model",
                                      str(saved_model), "--no-report"])
    assert result.exit_code == 0, result.output
    assert "read 9 statements from 1 files" in result.output
    assert (out / "statements.csv").exists()
    again = CliRunner().invoke(app, ["analyse", str(path), "--out", str(out), "--model",
                                     str(saved_model), "--no-report"])
    assert again.exit_code != 0
    assert isinstance(again.exception, OutputError)


def test_statements_json_columns_cover_the_score_json(small_scorer, table):
    result = analyse(table, scorer=small_scorer)
    score = json.loads(json.dumps(small_scorer.score(table["text"][0]).to_dict()))
    columns = set(result.statements.columns)
    assert {"type", "smart", "smart_probability", "specified", "specified_probability",
            "area", "pfa", "findings"} <= columns
    assert {f"p_{t}" for t in score["probabilities"]} <= columns
    assert set(score["criteria"]) <= columns


def test_redact_removes_personal_data_from_every_output(small_scorer, tmp_path):
    frame = pd.DataFrame({"plan_id": ["p9", "p9"], "section": ["A", "E"], "text": [
        "Contact Mum on 07700 900123 or at mum.family@example.org.",
        "By July 2027, Jo will walk to 14 Willow Road, Wexleigh on her own.",
    ]})
    out = tmp_path / "out"
    result = analyse(frame, scorer=small_scorer, out=out, redact=True)
    assert set(result.personal_data["kind"]) == {"phone", "email", "address"}
    for path in out.iterdir():
        text = path.read_text(encoding="utf-8", errors="replace")
        for secret in ("07700 900123", "mum.family@example.org", "14 Willow Road"):
            assert secret not in text, (path.name, secret)
    assert "[PHONE]" in (out / "statements.csv").read_text()


def test_the_fixture_plans_give_their_planted_faults(tmp_path):
    import json
    import re
    from pathlib import Path

    plans = Path(__file__).resolve().parent.parent / "data" / "plans"
    result = analyse([plans], out=tmp_path / "out")
    norm = lambda t: re.sub(r"\s+", " ", str(t or "")).strip().lower()  # noqa: E731
    findings = pd.read_csv(tmp_path / "out" / "findings.csv", keep_default_na=False)
    assert len(findings) == result.totals.findings
    found = {(f.plan_id, f.code, norm(f.statement) if f.statement else f.section)
             for f in findings.itertuples()}
    planted = [(k["plan_id"], f["code"], norm(f["statement"]) if f["statement"]
                else f["section"])
               for k in map(json.loads, map(Path.read_text, sorted(plans.glob("*.json"))))
               for f in k["faults"]]
    recall = sum(item in found for item in planted) / len(planted)
    assert recall >= 0.85, recall
    keys = {k["plan_id"]: k for k in
            map(json.loads, map(Path.read_text, sorted(plans.glob("*.json"))))}
    assert result.totals.files == len(keys) == 34 and result.totals.files_failed == 0
    html = (tmp_path / "out" / "report.html").read_text()
    assert "p01" in html and "Outcome not SMART" in html
    # nothing a key lists as furniture is scored, and almost all of it is in skipped.csv
    statements = pd.read_csv(tmp_path / "out" / "statements.csv", keep_default_na=False)
    skipped = pd.read_csv(tmp_path / "out" / "skipped.csv", keep_default_na=False)
    scored = {(r.plan_id, norm(r.text)) for r in statements.itertuples()}
    furniture = [(p, norm(i["text"])) for p, k in keys.items() for i in k["skipped"]]
    assert not [f for f in furniture if f in scored]
    got = {(r.plan_id, norm(r.text)) for r in skipped.itertuples()}
    assert sum(f in got for f in furniture) / len(furniture) >= 0.95
    assert set(skipped["why"]) <= set(SKIP_REASONS)
    # no clean statement gets a finding
    flagged = {(f.plan_id, norm(f.statement)) for f in findings.itertuples()}
    clean = [(p, norm(c)) for p, k in keys.items() for c in k.get("clean", [])]
    assert len(clean) >= 100 and not [c for c in clean if c in flagged]
    # the year group is read wherever the plan states it, and plans.csv says where
    plan_rows = pd.read_csv(tmp_path / "out" / "plans.csv").set_index("plan_id")
    for plan_id, key in keys.items():
        if key.get("facts_from") in ("cover", "text") and key.get("year_group") is not None:
            assert plan_rows.loc[plan_id, "year_group"] == key["year_group"], plan_id
            assert plan_rows.loc[plan_id, "year_group_from"].startswith(key["facts_from"])
    # the plans' counts exclude skipped text
    assert plan_rows["statements"].sum() == len(statements)
    assert plan_rows["skipped"].sum() == len(skipped)


def test_cli_exit_code_says_some_inputs_failed(saved_model, table, tmp_path):
    path = write(table, tmp_path / "plans.csv", "csv")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really a zip")
    result = CliRunner().invoke(app, ["analyse", str(path), str(tmp_path / "broken.docx"),
                                      "--out", str(tmp_path / "out"), "--model",
                                      str(saved_model), "--no-report"])
    assert result.exit_code == 1
    assert "not analysed:" in result.output and "damaged" in result.output
    assert (tmp_path / "out" / "errors.csv").read_text().count("broken.docx") == 1


def test_cli_a_path_that_does_not_exist_is_a_usage_error(saved_model, table, tmp_path):
    import subprocess
    import sys

    path = write(table, tmp_path / "plans.csv", "csv")
    run = subprocess.run([sys.executable, "-m", "ehcp_nlp", "analyse", str(path),
                          str(tmp_path / "gone.docx"), "--out", str(tmp_path / "out"),
                          "--model", str(saved_model)], capture_output=True, text=True)
    assert run.returncode == 2
    assert run.stderr.strip().count("\n") == 0 and "gone.docx: no such file" in run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "out").exists()


def _cosine(a, b):
    return len(a & b) / math.sqrt(len(a) * len(b)) if a and b else 0.0


def _pairwise_best(row, candidates):
    """The similarity link by its definition: each pair's word and topic cosines."""
    from ehcp_nlp.bulk import checks

    words = checks._terms(row["text"])
    best = None
    for c in candidates:
        theirs = checks._terms(c["text"])
        value = (_cosine(words, theirs) + checks.CONCEPT_WEIGHT
                 * _cosine(checks._concepts(words), checks._concepts(theirs)))
        if value >= checks.LINK_AT - 1e-9 and (best is None or value > best[1] + 1e-12):
            best = (c["statement_id"], value)
    return best


@pytest.mark.parametrize("long_plan", [False, True])
@pytest.mark.parametrize("seed", range(5))
def test_links_by_similarity_follow_the_pairwise_definition(seed, long_plan, monkeypatch):
    import random

    from ehcp_nlp.bulk import checks

    if long_plan:  # sparse matrices, compared in blocks of 2 rows
        monkeypatch.setattr(checks, "_BLOCK_CELLS", 20)
        monkeypatch.setattr(checks, "_DENSE_CELLS", 0)
    rng = random.Random(seed)
    pool = ("reading phonics book anxiety worried calm friends playground money coins "
            "shopping travel bus writing handwriting laptop speech words listening toilet "
            "noise sensory maths number college job").split()

    def rows(prefix, n):
        return [{"statement_id": f"{prefix}{i}", "row_key": "",
                 "text": " ".join(rng.sample(pool, rng.randint(0, 5)))} for i in range(n)]

    needs, outcomes = rows("n", 11), rows("o", 7)
    vectors = checks._Vectors(needs + outcomes)
    got = checks._matches(needs, outcomes, vectors)
    for need in needs:
        expected = _pairwise_best(need, outcomes)
        if expected is None:
            assert need["statement_id"] not in got
        else:
            [(outcome_id, how, value)] = got[need["statement_id"]]
            assert how == checks.SIMILARITY
            assert value == pytest.approx(expected[1])
            assert outcome_id == expected[0]


@pytest.mark.parametrize("batch", [1, 7])
def test_a_plan_checked_a_batch_at_a_time_gets_what_it_gets_at_once(batch):
    from pathlib import Path

    from ehcp_nlp.bulk.checks import PlanCheck

    plans = Path(__file__).resolve().parent.parent / "data" / "plans"
    result = analyse([plans / "p23.docx", plans / "p06.docx", plans / "p01.docx"])
    assert len(result.findings) > 0
    for plan_id, rows in result.statements.groupby("plan_id"):
        rows = rows.replace({np.nan: None}).to_dict("records")
        facts = PlanFacts(plan_id, "x", year_group=10)
        whole = check_plan(rows, facts)
        check = PlanCheck(plan_id, "x")
        findings = [f for start in range(0, len(rows), batch)
                    for f in check.add(rows[start:start + batch])]
        parts = check.finish(facts)
        assert sorted(map(str, findings + parts.findings)) == sorted(map(str, whole.findings))
        assert parts.links == whole.links and parts.plan == whole.plan


def test_a_long_document_is_scored_and_written_a_batch_at_a_time(tmp_path, monkeypatch):
    import importlib
    from pathlib import Path

    module = importlib.import_module("ehcp_nlp.bulk.analyse")  # not the function it exports

    plan = Path(__file__).resolve().parent.parent / "data" / "plans" / "p23.docx"
    whole = analyse([plan])
    batches = []
    add = module._Sink.add

    def counting(sink, name, rows):
        if name == "statements" and rows:
            batches.append(len(rows))
        add(sink, name, rows)

    monkeypatch.setattr(module, "DOCUMENT_BATCH", 4)
    monkeypatch.setattr(module._Sink, "add", counting)
    streamed = analyse([plan], out=tmp_path / "out", report=False)
    assert len(batches) > 1 and max(batches) == 4 and sum(batches) == len(whole.statements)
    written = pd.read_csv(tmp_path / "out" / "statements.csv", keep_default_na=False)
    assert written["statement_id"].tolist() == whole.statements["statement_id"].tolist()
    findings = pd.read_csv(tmp_path / "out" / "findings.csv", keep_default_na=False)
    assert len(findings) > 0
    assert findings[["statement_id", "code", "message"]].values.tolist() == \
        whole.findings[["statement_id", "code", "message"]].values.tolist()
    assert streamed.totals.scored == whole.totals.scored == len(written)
    assert streamed.totals.read == whole.totals.read


def test_section_k_lists_the_advice_used_and_is_not_scored(small_scorer):
    frame = pd.DataFrame({"plan_id": ["P1"] * 3, "section": ["E", "K", "Section K"],
                          "text": ["By July 2027 Ana will read 20 words.",
                                   "Educational psychology advice, May 2026",
                                   "Parents' views, June 2026"]})
    result = analyse(frame, scorer=small_scorer)
    assert result.statements["text"].tolist() == ["By July 2027 Ana will read 20 words."]
    assert result.skipped[["section", "why"]].values.tolist() == [["K", "advice_list"]] * 2
    assert result.totals.scored == 1
