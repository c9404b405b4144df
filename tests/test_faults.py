"""A fault suite: hostile and careless input, and what ehcp-nlp must do with it."""

import os
import subprocess
import sys

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ehcp_nlp.bulk import analyse
from ehcp_nlp.bulk.analyse import OutputError
from ehcp_nlp.errors import EhcpError
from ehcp_nlp.model.scorer import EmptyStatementError
from ehcp_nlp.safe import display_name, spreadsheet_safe, terminal_safe

# -- the library: bad arguments are clear errors, and no result is lost ----------------------


def test_bad_arguments_are_clear_errors(bundled):
    with pytest.raises(EhcpError, match="batch_size=0"):
        list(bundled.score_many(["Kai reads."], batch_size=0))
    with pytest.raises(EhcpError, match="expected_types has 1 items"):
        list(bundled.score_many(["Kai reads.", "Sam writes."], expected_types=["need"]))
    with pytest.raises(EhcpError, match="more items than the 1 statements"):
        list(bundled.score_many(["Kai reads."], expected_types=["need", "need"]))
    with pytest.raises(EmptyStatementError, match="statement 2 is not text \\(it is bytes\\)"):
        list(bundled.score_many(["Kai reads.", b"bytes"]))
    with pytest.raises(EmptyStatementError, match="statement 1 is not text \\(it is int\\)"):
        list(bundled.score_many([7]))


def test_an_empty_statement_never_loses_the_results_before_it(bundled):
    got = []
    with pytest.raises(EmptyStatementError, match="statement 3 holds only invisible"):
        for result in bundled.score_many(["Kai reads.", "Sam writes.", "\u200b\u200d", "x"]):
            got.append(result.text)
    assert got == ["Kai reads.", "Sam writes."]


def test_lone_surrogates_are_replaced_and_said(bundled):
    (result,) = bundled.score_many(["Kai will read \ud800 20 words by July 2027."])
    assert "\ufffd" in result.text and any("surrogate" in w for w in result.warnings)
    result.text.encode("utf-8")  # the result can be written anywhere


@settings(max_examples=20, deadline=None, derandomize=True)
@given(st.lists(st.text(alphabet=st.characters(codec=None, categories=None), min_size=1,
                        max_size=120), min_size=500, max_size=500))
def test_fuzzed_text_scores_or_fails_in_one_line(bundled, texts):
    """20 batches of 500 strings (10,000), surrogates and control characters included."""
    scorable = [t for t in texts if t.strip("\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e"
                                            " \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0")]
    scorable = [t for t in scorable if "".join(t.split())]
    results = list(bundled.score_many(scorable, batch_size=250))
    assert len(results) == len(scorable)
    for r in results:
        assert 0.0 <= r.smart_probability <= 1.0 and abs(sum(r.probabilities.values()) - 1) < 1e-6
        r.text.encode("utf-8")


# -- outputs safe to open -------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "safe"), [
    ("=1+1", "'=1+1"), ("+44 7700", "'+44 7700"), ("-3", "'-3"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\tx", "'\tx"), ("Kai reads.", "Kai reads."), (3.5, 3.5), ("", ""),
])
def test_spreadsheet_cells(cell, safe):
    assert spreadsheet_safe(cell) == safe


def test_terminal_text_and_file_names():
    assert terminal_safe("Kai \x1b[31mwill\x1b[0m read\x07 \x1b]0;title\x07ok") == \
        "Kai will read ok"
    assert terminal_safe("tab\tand\nnewline") == "tab\tand\nnewline"
    name = os.fsdecode(b"caf\xe9.docx")
    assert display_name(name) == "caf\\xe9.docx" and display_name("Kai.docx") == "Kai.docx"


def test_every_csv_output_escapes_formulas(small_scorer, tmp_path):
    frame = pd.DataFrame({"plan_id": ["=HYPERLINK(\"x\")"] * 2, "section": ["E", "F"],
                          "text": ["=cmd|' /C calc'!A0", "+Kai will read 20 words."]})
    analyse(frame, scorer=small_scorer, out=tmp_path / "out")
    for name in ("statements.csv", "findings.csv", "plans.csv"):
        for line in (tmp_path / "out" / name).read_text(encoding="utf-8").splitlines()[1:]:
            assert ",=" not in line and not line.startswith(("=", "+", "@")), (name, line)
            assert ',"=' not in line and ',"+' not in line, (name, line)
    analyse(frame, scorer=small_scorer, out=tmp_path / "pq", fmt="parquet", report=False)
    raw = pd.read_parquet(tmp_path / "pq" / "statements.parquet")
    assert raw["text"].tolist()[0] == "=cmd|' /C calc'!A0"  # Parquet keeps the raw text


# -- no input stops a run; no run leaves a mess ----------------------------------------------


def test_hostile_folder_is_analysed_with_one_error_row_each(small_scorer, tmp_path):
    plans = tmp_path / "plans"
    plans.mkdir()
    (plans / "bad.xlsx").write_bytes(b"PK\x03\x04 not a zip")
    (plans / "ok.csv").write_text("text,plan_id,section\nKai will read.,P1,E\n",
                                  encoding="utf-8")
    (plans / "outside.txt").symlink_to("/etc/passwd")
    name = os.fsdecode(b"caf\xe9.txt")
    (plans / name).write_text("Section E: Outcomes\nKai will read by July 2027.\n",
                              encoding="utf-8")
    result = analyse([plans], scorer=small_scorer, out=tmp_path / "out")
    reasons = dict(zip(result.errors["file"], result.errors["reason"], strict=True))
    assert "not followed" in reasons[str(plans / "outside.txt")]
    assert "cannot be read as a table" in reasons[str(plans / "bad.xlsx")]
    assert not any("root:" in t for t in result.statements.get("text", []))
    written = (tmp_path / "out" / "statements.csv").read_text(encoding="utf-8")
    assert "caf\\xe9" in written  # the name escaped, the file read


def test_force_replaces_the_analysis_whole_and_leftovers_are_cleared(small_scorer, tmp_path):
    frame = pd.DataFrame({"plan_id": ["K"], "section": ["E"], "text": ["Kai will read."]})
    out = tmp_path / "out"
    analyse(frame, scorer=small_scorer, out=out)
    assert (out / "report.html").exists() and (out / "statements.csv").exists()
    analyse(frame, scorer=small_scorer, out=out, force=True, report=False, fmt="parquet")
    assert not (out / "report.html").exists() and not (out / "statements.csv").exists()
    # a killed run left its lock and half-written folder: the next run clears them, and says
    (out / ".partial-dead").mkdir()
    (out / ".ehcp-analyse.lock").write_text("999999")
    again = analyse(frame, scorer=small_scorer, out=out, force=True)
    assert not (out / ".partial-dead").exists() and not (out / ".ehcp-analyse.lock").exists()
    assert any("interrupted" in w for w in again.warnings)
    # a live run holds the folder: a second one is refused
    (out / ".ehcp-analyse.lock").write_text(str(os.getpid()))
    with pytest.raises(OutputError, match="another analysis"):
        analyse(frame, scorer=small_scorer, out=out, force=True)
    (out / ".ehcp-analyse.lock").unlink()


def test_score_file_explains_only_when_asked(tmp_path):
    path = tmp_path / "s.txt"
    path.write_text("Kai will read 20 words by July 2027.\n", encoding="utf-8")
    plain = subprocess.run([sys.executable, "-m", "ehcp_nlp", "score", "--file", str(path),
                            "--json"], capture_output=True, text=True, timeout=120)
    explained = subprocess.run([sys.executable, "-m", "ehcp_nlp", "score", "--file", str(path),
                                "--json", "--explain"], capture_output=True, text=True,
                               timeout=120)
    assert '"contributions": {}' in plain.stdout
    assert '"contributions": {"type"' in explained.stdout


@pytest.mark.parametrize(("text", "kind", "found"), [
    ("Postcode Sw1A 1aA here", "postcode", "Sw1A 1aA"),
    ("Call 0044 7700 900123 now", "phone", "0044 7700 900123"),
    ("Phone ０７７００ ９００１２３", "phone", "０７７００ ９００１２３"),
    ("Birthday: 03/04/2014", "date_of_birth", "03/04/2014"),
    ("NHS 943.476.5919", "nhs_number", "943.476.5919"),
    ("mail jo+school@example.org today", "email", "jo+school@example.org"),
])
def test_personal_data_in_the_formats_careless_exports_use(text, kind, found):
    from ehcp_nlp.bulk.pii import find_personal_data

    assert [(f.kind, f.text) for f in find_personal_data(text)] == [(kind, found)]


def test_redact_leaves_nothing_in_ids_headings_or_file_names(small_scorer, tmp_path):
    plans = tmp_path / "in"
    plans.mkdir()
    (plans / "kai.parent@example.org.md").write_text(
        "# Plan\n\n## Section E: Outcomes (call 07700 900123)\n\n"
        "- By July 2027 Kai will read 20 words.\n", encoding="utf-8")
    (plans / "rows.csv").write_text(
        "plan_id,section,text\nmum@example.org,Section F 07700 900456,Weekly SALT.\n",
        encoding="utf-8")
    analyse([plans], scorer=small_scorer, out=tmp_path / "out", redact=True)
    for path in (tmp_path / "out").iterdir():
        body = path.read_text(encoding="utf-8")
        for secret in ("example.org", "07700 900123", "07700 900456"):
            assert secret not in body, (path.name, secret)


def test_a_csv_mixing_utf8_and_windows_1252_is_decoded_line_by_line(tmp_path):
    from ehcp_nlp.bulk.tables import read_table

    path = tmp_path / "mixed.csv"
    path.write_bytes(b"text,plan_id\nZo\xc3\xab will read caf\xc3\xa9 menus.,P1\n"
                     b"Ren\xe9e likes the caf\xe9.,P1\n")
    (chunk,) = read_table(path)
    assert chunk.frame["text"].tolist() == ["Zoë will read café menus.",
                                            "Renée likes the café."]
    assert any("1 lines not UTF-8" in w for w in chunk.warnings)


def test_an_unresolved_entity_does_not_cut_the_text(tmp_path):
    import zipfile

    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading("Section A: About me", level=1)
    document.add_paragraph("Kai likes buses MARK and trains.")
    plain = tmp_path / "plain.docx"
    document.save(plain)
    hostile = tmp_path / "hostile.docx"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(hostile, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "word/document.xml":
                text = data.decode()
                start = text.find("<w:document")
                text = (text[:start] + '<!DOCTYPE w:document [<!ENTITY x SYSTEM '
                        '"file:///etc/passwd">]>' + text[start:]).replace("MARK", "&x;")
                data = text.encode()
            zout.writestr(item, data)
    from ehcp_nlp.bulk.documents import read_document

    texts = [s.text for s in read_document(hostile).statements]
    assert any(t.startswith("Kai likes buses") and t.endswith("and trains.") for t in texts)
    assert not any("root:" in t for t in texts)


def test_names_are_replaced_one_placeholder_a_person_or_the_extra_is_asked_for(small_scorer,
                                                                             tmp_path):
    from ehcp_nlp.bulk import names

    frame = pd.DataFrame({"plan_id": ["K", "K"], "section": ["A", "A"],
                          "text": ["Mum (Sarah Okoro) says Kai Doe loves buses.",
                                   "Sarah Okoro will bring him to school."]})
    if not names.available():
        with pytest.raises(names.NamesUnavailable, match="requirements-names.txt"):
            analyse(frame, scorer=small_scorer, redact=True, names=True)
        return
    texts, found = names.redact_names(frame["text"].tolist())
    assert found >= 2 and "Sarah" not in " ".join(texts) and "Okoro" not in " ".join(texts)
    first = texts[0][texts[0].index("[NAME"):texts[0].index("]") + 1]
    assert first in texts[1]  # the same person, the same placeholder


def test_names_leave_no_trace_in_ids_or_file_names(small_scorer, tmp_path):
    from ehcp_nlp.bulk import names

    if not names.available():
        pytest.skip("the [names] extra is not installed")
    plans = tmp_path / "in"
    plans.mkdir()
    (plans / "Kai_Doe_EHCP.md").write_text(
        "# Plan\n\n## Section A: About me\n\nKai Doe loves buses. His mum, Sarah Okoro, "
        "works nights.\n\n## Section E: Outcomes\n\n- By July 2027 Kai will read 20 words.\n",
        encoding="utf-8")
    analyse([plans], scorer=small_scorer, out=tmp_path / "out", redact=True, names=True)
    for path in (tmp_path / "out").iterdir():
        body = path.read_text(encoding="utf-8")
        for secret in ("Kai", "Doe", "Sarah", "Okoro"):
            assert secret not in body, (path.name, secret)


@pytest.mark.parametrize(("file_name", "secrets"), [
    ("Kai_Doe_EHCP_final.md", ("Kai", "Doe")),
    ("ehcp_JONES_Ava_v2.csv", ("JONES", "Ava")),
])
def test_a_name_only_in_the_file_name_is_replaced(small_scorer, tmp_path, file_name, secrets):
    from ehcp_nlp.bulk import names

    if not names.available():
        pytest.skip("the [names] extra is not installed")
    plans = tmp_path / "in"
    plans.mkdir()
    if file_name.endswith(".csv"):
        pd.DataFrame({"plan_id": ["P1"], "section": ["E"],
                      "text": ["By July 2027 he will read 20 words."]}).to_csv(
            plans / file_name, index=False)
    else:
        (plans / file_name).write_text(
            "# Plan\n\n## Section E: Outcomes\n\n- By July 2027 he will read 20 words.\n",
            encoding="utf-8")
    analyse([plans], scorer=small_scorer, out=tmp_path / "out", redact=True, names=True)
    bodies = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir()}
    assert any("[NAME 1]" in body for body in bodies.values())
    for name, body in bodies.items():
        for secret in secrets:
            assert secret not in body, (name, secret)
