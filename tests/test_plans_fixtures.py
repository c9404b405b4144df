"""The fictional plans in data/plans are readable and their keys point into them."""

import json

import pytest
from conftest import DATA

PLANS = DATA / "plans"
KEYS = sorted(PLANS.glob("*.key.json"))
CODES = {"outcome_not_smart", "provision_not_specific", "statement_misplaced",
         "need_without_outcome", "outcome_without_provision", "no_pfa_outcomes",
         "outcome_not_person_centred", "missing_section"}


def document_text(path):
    """The plan's text, whitespace collapsed (PDF text is justified, text exports wrapped)."""
    if path.suffix == ".docx":
        docx = pytest.importorskip("docx")
        document = docx.Document(path)
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        text = "\n".join([p.text for p in document.paragraphs] + cells)
    elif path.suffix == ".pdf":
        from pypdf import PdfReader

        text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    else:
        text = path.read_text(encoding="utf-8")
    return " ".join(text.split())


def test_there_are_plans_in_every_format_and_the_layouts_councils_use():
    assert len(KEYS) >= 34
    keys = [json.loads(k.read_text()) for k in KEYS]
    assert {k["file"].rsplit(".", 1)[1] for k in keys} == {"docx", "md", "txt", "pdf", "csv"}
    layouts = {k["layout"] for k in keys}
    assert {"docx_cover_tables", "docx_golden_thread", "docx_numbered", "docx_early_years",
            "docx_post16_pfa", "pdf_multipage", "pdf_cover", "csv_export", "docx_lettered",
            "docx_post19", "md_ref_tables", "txt_pdf_export"} <= layouts
    # every new layout lists the text that must be skipped and statements that must be clean
    for key in keys:
        if key["layout"] in layouts - {"docx_table", "docx_headings", "md", "txt"}:
            assert key["clean"] and key["facts_from"] in ("cover", "text", "none")
            assert key["skipped"] or key["file"].endswith(".csv")


@pytest.mark.parametrize("key_path", KEYS, ids=lambda p: p.name)
def test_every_planted_fault_is_in_its_plan(key_path):
    key = json.loads(key_path.read_text(encoding="utf-8"))
    text = document_text(PLANS / key["file"])
    for fault in key["faults"]:
        assert fault["code"] in CODES
        if fault.get("statement"):
            assert " ".join(fault["statement"].split()) in text


def test_every_fault_code_is_planted():
    planted = {f["code"] for k in KEYS for f in json.loads(k.read_text())["faults"]}
    assert planted == CODES
