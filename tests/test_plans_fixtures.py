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
    if path.suffix == ".docx":
        docx = pytest.importorskip("docx")
        document = docx.Document(path)
        cells = [c.text for t in document.tables for r in t.rows for c in r.cells]
        return "\n".join([p.text for p in document.paragraphs] + cells)
    return path.read_text(encoding="utf-8")


def test_there_are_at_least_twenty_plans_in_three_formats():
    assert len(KEYS) >= 20
    formats = {json.loads(k.read_text())["file"].rsplit(".", 1)[1] for k in KEYS}
    assert formats == {"docx", "md", "txt"}


@pytest.mark.parametrize("key_path", KEYS, ids=lambda p: p.name)
def test_every_planted_fault_is_in_its_plan(key_path):
    key = json.loads(key_path.read_text(encoding="utf-8"))
    text = document_text(PLANS / key["file"])
    for fault in key["faults"]:
        assert fault["code"] in CODES
        if fault.get("statement"):
            assert fault["statement"] in text


def test_every_fault_code_is_planted():
    planted = {f["code"] for k in KEYS for f in json.loads(k.read_text())["faults"]}
    assert planted == CODES
