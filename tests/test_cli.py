"""The ``ehcp`` command line, through Typer's CliRunner and, for exit codes, a subprocess."""

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from ehcp_nlp import labels
from ehcp_nlp.cli import app
from ehcp_nlp.model.persist import MODEL_FILE, save

runner = CliRunner()
SMART = "By the end of the summer term 2027, Ayo will read 40 common words aloud without help."
VAGUE = "Access to a quiet room as needed."


@pytest.fixture(scope="module")
def model_dir(small_scorer, tmp_path_factory):
    return save(small_scorer, tmp_path_factory.mktemp("model") / "m")


def ehcp(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "ehcp_nlp", *map(str, args)],
                          capture_output=True, text=True, input=stdin)


def test_score_json_is_one_object_a_statement_in_order(model_dir):
    result = runner.invoke(app, ["score", SMART, VAGUE, "--json", "--model", str(model_dir)])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.splitlines()]
    assert [d["text"] for d in lines] == [SMART, VAGUE]
    for d in lines:
        assert {"text", "type", "probabilities", "smart", "smart_probability", "criteria",
                "specified", "specified_probability", "provision_kind", "provision_parts",
                "quantified", "quantified_probability", "area", "pfa", "contributions",
                "findings", "suggestions"} <= set(d)
        assert set(d["probabilities"]) == set(labels.TYPES)
        assert set(d["criteria"]) == set(labels.CRITERIA)
        assert all({"met", "evidence"} <= set(c) for c in d["criteria"].values())
        assert (d["smart"] is None) == (d["type"] != "outcome")
        assert (d["quantified"] is None) == (d["type"] != "provision")
        assert (d["specified"] is None) == (d["type"] != "provision")


def test_score_table_and_explain(model_dir):
    result = runner.invoke(app, ["score", SMART, "--explain", "--model", str(model_dir)])
    assert result.exit_code == 0, result.output
    assert "SMART" in result.output and "area" in result.output
    assert "bias" not in result.output and "logit" not in result.output  # numbers: --json
    assert "time frame" in result.output and "why" in result.output


def test_score_file_and_stdin(model_dir, tmp_path):
    path = tmp_path / "s.txt"
    path.write_text(f"{SMART}\n\n{VAGUE}\n", encoding="utf-8")
    result = runner.invoke(app, ["score", "--file", str(path), "--json", "--model",
                                 str(model_dir)])
    assert [json.loads(x)["text"] for x in result.output.splitlines()] == [SMART, VAGUE]
    result = runner.invoke(app, ["score", "--file", "-", "--json", "--model", str(model_dir)],
                           input=VAGUE + "\n")
    assert json.loads(result.output)["text"] == VAGUE


def test_windows_1252_file_is_decoded_with_a_warning(model_dir, tmp_path):
    path = tmp_path / "cp.txt"
    path.write_bytes("Zo\u00eb will read 20 words by July \u2013 with her TA.\n".encode("cp1252"))
    proc = ehcp("score", "--file", path, "--json", "--model", model_dir)
    assert proc.returncode == 0, proc.stderr
    assert "Windows-1252" in proc.stderr
    assert json.loads(proc.stdout)["text"].startswith("Zo\u00eb will read")


@pytest.mark.parametrize("args,message", [
    (["score"], "no statement given"),
    (["score", "  "], "statement 1 is empty"),
    (["score", "--file", "/nonexistent/x.txt"], "no such file"),
    (["score", "--file", "/"], "is a directory"),
    (["score", "x", "--model", "/nonexistent"], "no such model directory"),
    (["evaluate", "/nonexistent.csv"], "no such file"),
])
def test_bad_input_is_one_line_without_traceback(args, message, model_dir):
    if "--model" not in args and args[0] != "evaluate":
        args = [*args, "--model", str(model_dir)]
    proc = ehcp(*args)
    assert proc.returncode == 2
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_binary_file_is_refused(model_dir, tmp_path):
    path = tmp_path / "b.bin"
    path.write_bytes(b"\x00\x01\x02binary")
    proc = ehcp("score", "--file", path, "--model", model_dir)
    assert proc.returncode == 2 and "binary" in proc.stderr


def test_tampered_model_is_refused(small_scorer, tmp_path):
    directory = save(small_scorer, tmp_path / "m")
    with (directory / MODEL_FILE).open("ab") as fh:
        fh.write(b"\x00")
    proc = ehcp("score", SMART, "--model", directory)
    assert proc.returncode == 2
    assert "checksum does not match" in proc.stderr and "Traceback" not in proc.stderr


def test_info_and_evaluate(model_dir, small_corpus, tmp_path):
    result = runner.invoke(app, ["info", "--model", str(model_dir), "--json"])
    assert result.exit_code == 0
    manifest = json.loads(result.output)
    assert manifest["training"]["rows"] > 0 and "files" in manifest
    data = tmp_path / "eval.csv"
    small_corpus.head(80).to_csv(data, index=False)
    result = runner.invoke(app, ["evaluate", str(data), "--model", str(model_dir), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["rows"] == 80 and "confusion" in report["type"]
    table = runner.invoke(app, ["evaluate", str(data), "--model", str(model_dir)])
    assert "macro-F1" in table.output and "precision" in table.output


def test_train_writes_a_model_and_refuses_to_overwrite(small_corpus, tmp_path):
    data = tmp_path / "train.csv"
    small_corpus.head(300).to_csv(data, index=False)
    out = tmp_path / "model"
    result = runner.invoke(app, ["train", str(data), "--out", str(out), "--folds", "2"])
    assert result.exit_code == 0, result.output
    assert (out / "manifest.json").exists() and (out / "MODEL_CARD.md").exists()
    assert "cross-validation" in result.output
    proc = ehcp("train", data, "--out", out, "--folds", "2")
    assert proc.returncode == 2 and "--force" in proc.stderr


@pytest.mark.parametrize("content,message", [
    ("id,text\n1,hello\n", "required column is missing"),
    ("id,text,type\n1,hello,goal\n", "at least two statement types"),
    ('id,text\n1,"unclosed\n', "not valid CSV"),
])
def test_train_refuses_a_malformed_corpus_in_one_line(tmp_path, content, message):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    proc = ehcp("train", path, "--out", tmp_path / "out")
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def test_data_validate_reports_bad_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("id,text,type,area\n1,hello,need,cognition\n", encoding="utf-8")
    result = runner.invoke(app, ["data", "validate", str(path)])
    assert result.exit_code == 1
    assert "INVALID" in result.output and "area 'cognition'" in result.output


@pytest.mark.parametrize("args", [
    ["scor", "x"], ["score", "--jsn", "x"], ["analyse", "--jobs", "0", "x", "--out", "o"],
    ["data", "validate"], ["train"], ["compare", "a"], ["evaluate"], ["data", "nosuch"],
    ["score", "--file"], ["info", "--model"],
])
def test_every_usage_error_is_one_line_and_exit_code_2(args):
    import subprocess
    import sys

    run = subprocess.run([sys.executable, "-m", "ehcp_nlp", *args], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 2, (args, run.stderr)
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), (args, run.stderr)


def test_version():
    import subprocess
    import sys
    from importlib.metadata import version

    run = subprocess.run([sys.executable, "-m", "ehcp_nlp", "--version"], capture_output=True,
                         text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == f"ehcp-nlp {version('ehcp-nlp')}"


def test_explain_speaks_in_words_and_piped_lines_are_not_wrapped():
    import subprocess
    import sys

    long = ("By the end of the summer term 2027, Jay will read aloud a page of his class "
            "reading book with no more than 3 errors, on 4 out of 5 checks in a week.")
    run = subprocess.run([sys.executable, "-m", "ehcp_nlp", "score", "--explain", long,
                          "Up to an hour of TA support each day as required."],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0
    lines = run.stdout.splitlines()
    assert f"1. {long}" in lines  # the whole statement on its line, not wrapped at 80
    assert "logit" not in run.stdout and "log-odds" not in run.stdout
    assert "   [By the end of the summer term 2027], Jay" in run.stdout  # evidence marked
    assert any(line.startswith("   · time-bound: ") and "'By the end of the summer term 2027'"
               in line for line in lines)
    assert any(line.startswith("   · not specified") and "'as required'" in line
               for line in lines)
    # only what applies: no SMART for provision, no specified for an outcome
    provision = run.stdout.split("2. Up to an hour")[1]
    outcome = run.stdout.split("2. Up to an hour")[0]
    assert "SMART" not in provision and "specified" not in outcome.split("why")[0]
