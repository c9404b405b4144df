import json
import subprocess
import sys

import pytest
from conftest import good_rows, write_rows
from typer.testing import CliRunner

from ehcp_nlp.cli import app
from ehcp_nlp.data import validate
from ehcp_nlp.errors import CorpusFormatError, InputFileError


def problems_of(tmp_path, rows, **kw):
    report = validate(write_rows(tmp_path / "c.csv", rows, **kw))
    return report, [(p.row, p.column, p.severity) for p in report.problems]


def test_valid_file_has_no_problems(corpus_file):
    report = validate(corpus_file)
    assert report.ok and not report.problems
    assert report.rows[str(corpus_file)] == 4


def test_smart_must_agree_with_its_criteria(tmp_path):
    rows = good_rows()
    rows[2]["measurable"] = "no"  # smart stays "yes"
    report, found = problems_of(tmp_path, rows)
    assert found == [(4, "smart", "error")]
    assert "measurable" in report.problems[0].allowed


def test_criteria_must_be_empty_outside_outcomes(tmp_path):
    rows = good_rows()
    rows[0]["specific"] = "yes"
    rows[1]["specified"] = "no"
    _, found = problems_of(tmp_path, rows)
    assert found == [(2, "specific", "error"), (3, "specified", "error")]


def test_outcome_needs_every_criterion_and_provision_needs_its_parts(tmp_path):
    rows = good_rows()
    rows[2]["time_bound"] = ""
    rows[3]["quantified"] = "maybe"
    rows[3]["provision_kind"] = "ointment"
    _, found = problems_of(tmp_path, rows)
    assert (4, "time_bound", "error") in found
    assert (5, "quantified", "error") in found
    assert (5, "provision_kind", "error") in found


def test_specified_provision_must_state_the_parts_its_kind_needs(tmp_path):
    rows = good_rows()
    rows[3]["specified"] = "yes"  # staffing with a who but no hours, no ratio
    report, found = problems_of(tmp_path, rows)
    assert found == [(5, "specified", "error")]
    assert "staffing provision needs who and one of quantified / group and one of " \
        "how_often / when_where" in report.problems[0].allowed
    rows[3]["part_group"] = "yes"  # a ratio, but not when it applies
    _, found = problems_of(tmp_path, rows)
    assert found == [(5, "specified", "error")]
    rows[3]["part_when_where"] = "yes"
    _, found = problems_of(tmp_path, rows)
    assert found == []


def test_a_corpus_labelled_to_v1_is_still_valid(tmp_path):
    from ehcp_nlp import labels as schema

    columns = [c for c in schema.COLUMNS if c not in schema.V2_COLUMNS]
    path = write_rows(tmp_path / "v1.csv", good_rows(), columns)
    assert validate(path).ok


@pytest.mark.parametrize("column,value", [("type", "goal"), ("area", "maths"),
                                          ("pfa", "work"), ("stage", "ks2"),
                                          ("voice", "robot")])
def test_unknown_label_values_are_reported_with_what_is_allowed(tmp_path, column, value):
    rows = good_rows()
    rows[0][column] = value
    report, found = problems_of(tmp_path, rows)
    assert (2, column, "error") in found
    problem = next(p for p in report.problems if p.column == column)
    assert problem.value == value and "allowed" in problem.allowed


def test_duplicate_ids_empty_text_and_missing_group(tmp_path):
    rows = good_rows()
    rows[1]["id"] = "r1"
    rows[2]["text"] = "  "
    rows[3]["group"] = ""
    _, found = problems_of(tmp_path, rows)
    assert {(3, "id", "error"), (4, "text", "error"), (5, "group", "error")} <= set(found)


def test_one_group_one_stage_is_a_warning(tmp_path):
    rows = good_rows()
    rows[3]["stage"] = "secondary"
    report, found = problems_of(tmp_path, rows)
    assert found == [(5, "stage", "warning")]
    assert report.ok


def test_a_missing_label_column_is_skipped_with_a_warning(tmp_path):
    columns = [c for c in good_rows()[0] if c != "area"]
    report, found = problems_of(tmp_path, good_rows(), columns=columns)
    assert found == [(None, "area", "warning")]
    assert report.ok


def test_text_and_type_are_the_only_required_columns(tmp_path):
    report, found = problems_of(tmp_path, good_rows(), columns=["text", "type"])
    assert report.ok and [f[2] for f in found] == ["warning"]
    report, found = problems_of(tmp_path, good_rows(), columns=["id", "text", "group"])
    assert found == [(None, "type", "error")] and not report.ok


def test_repeated_problems_are_grouped_with_their_count_and_first_rows(tmp_path):
    rows = good_rows() * 4
    for n, row in enumerate(rows):
        row["id"] = f"r{n}"
        row["area"] = "cognition"
    report, _ = problems_of(tmp_path, rows)
    (group,) = [g for g in report.grouped() if g[0].column == "area"]
    problem, count, first = group
    assert count == len(rows) and first == (2, 3, 4, 5, 6)


def test_voice_column_is_optional(tmp_path):
    columns = [c for c in good_rows()[0] if c != "voice"]
    report, _ = problems_of(tmp_path, good_rows(), columns=columns)
    assert report.ok


def test_groups_and_ids_must_be_disjoint_between_files(tmp_path, corpus_file):
    other = good_rows()
    for n, row in enumerate(other):
        row["id"] = f"t{n}"
    other[0]["id"] = "r1"
    test_file = write_rows(tmp_path / "test.csv", other)
    report = validate(corpus_file, test_file)
    found = {(p.file, p.column, p.value) for p in report.errors}
    assert (str(test_file), "group", "g1") in found
    assert (str(test_file), "id", "r1") in found


def test_unreadable_inputs_raise_one_line_errors(tmp_path):
    with pytest.raises(InputFileError, match="no such file"):
        validate(tmp_path / "missing.csv")
    with pytest.raises(InputFileError, match="directory"):
        validate(tmp_path)
    (tmp_path / "bin.csv").write_bytes(b"id,text\x00\x01")
    with pytest.raises(InputFileError, match="binary"):
        validate(tmp_path / "bin.csv")
    (tmp_path / "cp.csv").write_bytes("id,text\n1,caf\u00e9\n".encode("cp1252"))
    with pytest.raises(InputFileError, match="not UTF-8"):
        validate(tmp_path / "cp.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(CorpusFormatError, match="empty"):
        validate(tmp_path / "empty.csv")


def test_report_serialises_to_json(tmp_path):
    rows = good_rows()
    rows[0]["type"] = "goal"
    report = validate(write_rows(tmp_path / "c.csv", rows))
    data = json.loads(json.dumps(report.to_dict()))
    assert data["ok"] is False
    assert data["problems"][0]["column"] == "type"


def test_cli_validate_exit_codes(tmp_path, corpus_file):
    runner = CliRunner()
    ok = runner.invoke(app, ["data", "validate", str(corpus_file)])
    assert ok.exit_code == 0 and "valid" in ok.output
    rows = good_rows()
    rows[0]["type"] = "goal"
    bad = write_rows(tmp_path / "bad.csv", rows)
    result = runner.invoke(app, ["data", "validate", str(bad), "--json", "--schema-types"])
    assert result.exit_code == 1
    assert json.loads(result.output)["problems"][0]["value"] == "goal"
    # a type of one's own is accepted by default, named once as a warning with its role
    rows = good_rows()
    for row in rows:
        if row["type"] == "provision":
            row["type"] = "education_provision"
    own = write_rows(tmp_path / "own.csv", rows)
    result = runner.invoke(app, ["data", "validate", str(own)])
    assert result.exit_code == 0
    assert result.output.count("education_provision") == 1 and "checked as provision" in \
        result.output


def test_cli_validate_groups_a_repeated_problem_into_one_line(tmp_path):
    rows = good_rows() * 50
    for n, row in enumerate(rows):
        row["id"], row["area"] = f"r{n}", "cognition"
    bad = write_rows(tmp_path / "bad.csv", rows)
    result = CliRunner().invoke(app, ["data", "validate", str(bad)])
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if "area" in line]
    assert len(lines) == 1 and "(200 rows)" in lines[0] and "rows 2, 3, 4, 5, 6 and 195 more" \
        in lines[0]


def test_cli_missing_file_is_one_line_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-c", "from ehcp_nlp.cli import main; main()", "data", "validate",
         str(tmp_path / "nope.csv")],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "no such file" in proc.stderr and "Traceback" not in proc.stderr


def test_missing_parts_follow_the_kind_of_provision():
    from ehcp_nlp import labels as schema

    assert schema.missing_parts("staffing", {"who": True, "group": True}) == ["how_often"]
    assert schema.missing_parts("staffing", {"who": True}) == ["quantified", "how_often"]
    assert schema.missing_parts("equipment", {"what": True, "when_where": True}) == []
    assert schema.missing_parts("", {"what": True}) == ["who", "how_often", "how_long"]
    assert schema.specified_from_parts("arrangement", {"what": True, "when_where": True})
    assert not schema.specified_from_parts("therapy", {"what": True, "when_where": True})
