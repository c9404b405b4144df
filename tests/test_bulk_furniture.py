"""Reading plans as councils lay them out: furniture, front matter, references, facts."""

import datetime as dt

import pandas as pd
import pytest

from ehcp_nlp.bulk import analyse
from ehcp_nlp.bulk.checks import PlanFacts, check_plan, mark_placement
from ehcp_nlp.bulk.documents import read_document
from ehcp_nlp.bulk.furniture import (
    age_on,
    cover_facts,
    is_contents_line,
    is_label_value_table,
    is_reference,
    references,
    skip_reason,
    stage_of,
)


@pytest.mark.parametrize(("text", "why"), [
    ("None.", "no_content"), ("Not applicable", "no_content"),
    ("No personal budget requested.", "no_content"),
    ("[Insert photograph here]", "placeholder"), ("Photo of Kai", "placeholder"),
    ("Page 3 of 12", "page_number"), ("- 4 -", "page_number"),
    ("E1", "reference"), ("F2.3", "reference"), ("E1, E3", "reference"),
    ("Signed on behalf of Wexleigh Council", "sign_off"),
    ("Ruth Okonjo, SEND Casework Officer", "sign_off"), ("Date: 16/03/2026", "sign_off"),
    ("Version 2.1 - amended after the annual review", "admin"),
    ("Distribution list: parents, school, SALT", "admin"),
    ("OFFICIAL-SENSITIVE", "admin"),
    # statements are none of these
    ("Sam Jones, the OT, will visit weekly.", None),
    ("By July 2027, Kai will read 20 words aloud.", None),
    ("No adult should raise their voice at Kai; warn him before any change.", None),
    ("Weekly SALT, 30 minutes, by the speech and language therapist.", None),
])
def test_skip_reasons(text, why):
    assert skip_reason(text) == why


@pytest.mark.parametrize(("text", "refs"), [
    ("E1", ("E1",)), ("E1, E3", ("E1", "E3")), ("E1-E3", ("E1", "E2", "E3")),
    ("Outcomes E2 and E4", ("E2", "E4")), ("e 1", ("E1",)), ("F2.3", ("F2.3",)),
])
def test_references_are_read_and_ranges_expanded(text, refs):
    assert references(text) == refs


def test_a_reference_is_not_a_sentence():
    assert is_reference("E2") and is_reference("E1 & E2") and is_reference("2")
    assert not is_reference("E2 will be reviewed each term.")


@pytest.mark.parametrize(("line", "contents"), [
    ("Section B: Special educational needs ..... 3", True),
    ("Section A: About me\t2", True), ("2; Section B ...", True),
    ("Section E - Outcomes 7", True),
    ("Section E: Outcomes", False), ("Kai reads 40 words a minute.", False),
])
def test_contents_lines(line, contents):
    assert is_contents_line(line) is contents


def test_label_value_tables_are_covers_and_personal_details_only():
    cover = [["Name", "Kai Doe"], ["Date of birth", "04/03/2011"], ["NHS number", "943 476 5919"]]
    assert is_label_value_table(cover, cover=True)
    assert is_label_value_table(cover, cover=False)  # personal-details labels
    advice = [["Advice", "Date"], ["Parents", "May 2026"], ["Speech therapist", "June 2026"]]
    assert is_label_value_table(advice, cover=True)
    assert not is_label_value_table(advice, cover=False)
    outcomes = [["Ref", "Outcome"], ["E1", "By July Kai will read 20 words aloud from his book."]]
    assert not is_label_value_table(outcomes, cover=True)


def test_cover_facts_and_what_follows_from_them():
    assert cover_facts("National Curriculum year", "10") == {"year_group": 10}
    assert cover_facts("Year group:", "Reception") == {"year_group": 0}
    assert cover_facts("School year", "Nursery") == {"year_group": -1}
    assert cover_facts("Age", "20") == {"age": 20}
    assert cover_facts("DOB", "4 March 2011") == {"date_of_birth": dt.date(2011, 3, 4)}
    assert cover_facts("Date of plan", "14/09/2026") == {"plan_date": dt.date(2026, 9, 14)}
    assert cover_facts("School", "Oak Academy") == {}
    assert age_on(dt.date(2011, 3, 4), dt.date(2026, 3, 3)) == 14
    assert age_on(dt.date(2011, 3, 4), dt.date(2026, 3, 4)) == 15
    assert [stage_of(y, None) for y in (-1, 0, 3, 9, 13)] == [
        "early years", "early years", "primary", "secondary", "post-16"]
    assert [stage_of(None, a) for a in (4, 11, 17, 20)] == [
        "early years", None, "post-16", "post-19"]


# --- a plan laid out the way councils lay them out --------------------------------------------


def council_docx(path):
    docx = pytest.importorskip("docx")
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = "Wexleigh Council · EHC plan · OFFICIAL-SENSITIVE"
    section.footer.paragraphs[0].text = "Final plan issued 14/09/2026"
    document.add_heading("Education, Health and Care Plan", level=0)
    cover = document.add_table(rows=4, cols=2)
    for i, (label, value) in enumerate([("Name", "Kai Doe"), ("Date of birth", "04/03/2011"),
                                        ("National Curriculum year", "10"),
                                        ("Date of plan", "14/09/2026")]):
        cover.rows[i].cells[0].text, cover.rows[i].cells[1].text = label, value
    document.add_paragraph("Contents").runs[0].bold = True
    document.add_paragraph("Section A: About me ..... 2")
    document.add_paragraph("Section E: Outcomes ..... 4")
    document.add_page_break()

    def shaded(text):
        table = document.add_table(rows=1, cols=1)
        cell = table.rows[0].cells[0]
        cell.paragraphs[0].add_run(text).bold = True
        shading = OxmlElement("w:shd")
        shading.set(qn("w:fill"), "1F4E79")
        cell._tc.get_or_add_tcPr().append(shading)

    shaded("Section A: About me")
    document.add_paragraph("Kai loves buses and wants to be a bus driver.")
    document.add_paragraph("[Insert photograph here]")
    shaded("Section B: Special educational needs")
    document.add_paragraph("Kai finds it hard to read unfamiliar words.")
    shaded("Section E: Outcomes")
    outcomes = document.add_table(rows=3, cols=4)
    for i, row in enumerate([["Ref", "Outcome", "By when", "Steps towards the outcome"],
                             ["E1", "Kai will read 20 words aloud from his bus timetable.",
                              "End of Year 11", "10 words by Easter"],
                             ["E2", "Kai will travel to college by bus on his own.",
                              "July 2027", "With a travel trainer first"]]):
        for j, text in enumerate(row):
            outcomes.rows[i].cells[j].text = text
    shaded("Section F: Special educational provision")
    provision = document.add_table(rows=2, cols=5)
    for i, row in enumerate([["Ref", "Provision", "Delivered by", "Frequency and duration",
                              "Outcome ref"],
                             ["F1", "Reading intervention using his timetables",
                              "Trained teaching assistant", "3 x 20 minutes a week",
                              "E1"]]):
        for j, text in enumerate(row):
            provision.rows[i].cells[j].text = text
    shaded("Section G: Health provision")
    document.add_paragraph("None.")
    document.add_paragraph("Signed on behalf of Wexleigh Council")
    document.save(path)
    return path


def test_a_council_layout_gives_only_statements_and_says_what_it_skipped(tmp_path):
    plan = read_document(council_docx(tmp_path / "kai.docx"))
    got = [(s.section, s.ref, s.text) for s in plan.statements]
    assert got == [
        ("A", "", "Kai loves buses and wants to be a bus driver."),
        ("B", "", "Kai finds it hard to read unfamiliar words."),
        ("E", "E1", "Kai will read 20 words aloud from his bus timetable."),
        ("E", "E2", "Kai will travel to college by bus on his own."),
        ("F", "F1", "Reading intervention using his timetables"),
    ]
    outcome, provision = plan.statements[2], plan.statements[4]
    assert outcome.context == "By when: End of Year 11" and outcome.steps == "10 words by Easter"
    assert outcome.scored_text.endswith("| By when: End of Year 11")
    assert provision.cites == ("E1",)
    assert provision.context == ("Delivered by: Trained teaching assistant | Frequency and "
                                 "duration: 3 x 20 minutes a week")
    skipped = {(k.text, k.why) for k in plan.skipped}
    assert {("Name: Kai Doe", "personal_details"), ("Contents", "contents"),
            ("Section E: Outcomes ..... 4", "contents"),
            ("Wexleigh Council · EHC plan · OFFICIAL-SENSITIVE", "running_header"),
            ("[Insert photograph here]", "placeholder"), ("None.", "no_content"),
            ("Signed on behalf of Wexleigh Council", "sign_off"), ("E1", "reference"),
            ("Outcome ref", "table_header")} <= skipped
    assert plan.no_content == ["G"] and "G" in plan.sections_found
    assert (plan.year_group, plan.age) == (10, 15)
    assert plan.facts["year_group"].source == "cover: National Curriculum year: 10"
    assert plan.facts["age"].source.startswith("cover: Date of birth: 04/03/2011, on cover")
    assert plan.facts["stage"].value == "secondary"


def test_a_pdf_sentence_cut_by_a_page_break_is_joined_and_furniture_skipped(tmp_path):
    fpdf = pytest.importorskip("fpdf")

    class Plan(fpdf.FPDF):
        def header(self):
            self.set_font("helvetica", size=8)
            self.cell(0, 5, "Saltmarsh Council EHC plan", new_x="LMARGIN", new_y="NEXT")

        def footer(self):
            self.set_y(-15)
            self.set_font("helvetica", size=8)
            self.cell(0, 5, f"Page {self.page_no()} of {{nb}}")

    pdf = Plan()
    pdf.add_page()
    pdf.set_font("helvetica", size=11)

    def line(text):
        pdf.multi_cell(0, 6, text, new_x="LMARGIN", new_y="NEXT")

    line("Section B: Special educational needs")
    for _ in range(40):
        line("Reuben finds reading hard.")
    line("He loses his place on the line and needs")
    pdf.add_page()
    line("a ruler to follow the text.")
    path = tmp_path / "reuben.pdf"
    pdf.output(str(path))
    plan = read_document(path)
    texts = [s.text for s in plan.statements]
    assert "He loses his place on the line and needs a ruler to follow the text." in texts
    whys = {(k.text, k.why) for k in plan.skipped}
    assert ("Saltmarsh Council EHC plan", "running_header") in whys
    assert ("Page 2 of 2", "page_number") in whys
    assert not any("Saltmarsh" in t or "Page" in t for t in texts)


# --- the checks: references first, one rule for misplaced statements -------------------------


def row(sid, section, kind, text, **extra):
    p = {"aspiration": 0.0, "need": 0.0, "outcome": 0.0, "provision": 0.0}
    p[kind] = 0.97
    rest = [k for k in p if k != kind]
    for k in rest:
        p[k] = 0.01
    return {"statement_id": sid, "section": section, "type": kind, "role": kind,
            "text": text, "row_key": "", "smart": True, "specified": True, "findings": "",
            **{f"p_{k}": v for k, v in p.items()}, **extra}


def test_references_link_before_similarity_and_say_so():
    rows = [
        row("o1", "E", "outcome", "By July Kai will read 20 words from his timetable.",
            ref="E1"),
        row("o2", "E", "outcome", "By July Kai will catch the bus on his own.", ref="E2"),
        row("p1", "F", "provision", "Weekly travel training with a trainer.", cites="E1"),
    ]
    result = check_plan(rows, PlanFacts("K", "k.docx"))
    links = {(link["outcome_id"], link["provision_id"], link["provision_link"])
             for link in result.links}
    assert ("o1", "p1", "reference") in links  # cited, though the words differ
    unserved = [f for f in result.findings if f["code"] == "outcome_without_provision"]
    assert [(f["statement_id"], f["basis"]) for f in unserved] == [("o2", "reference")]


def test_similarity_links_and_their_findings_are_marked_heuristic():
    rows = [
        row("n1", "B", "need", "Kai finds reading unfamiliar words hard."),
        row("o1", "E", "outcome", "By July Kai will read 20 unfamiliar words aloud."),
        row("o2", "E", "outcome", "By July Kai will swim 25 metres."),
        row("p1", "F", "provision", "Daily reading practice of unfamiliar words, 15 minutes."),
    ]
    result = check_plan(rows, PlanFacts("K", "k.docx"))
    assert {link["provision_link"] for link in result.links if link["provision_id"]} == {
        "similarity (heuristic)"}
    assert {link["need_link"] for link in result.links if link["need_id"]} == {
        "similarity (heuristic)"}
    assert all(0 < link["provision_similarity"] <= 2 for link in result.links
               if link["provision_id"])
    unserved = [f for f in result.findings if f["code"] == "outcome_without_provision"]
    assert [(f["statement_id"], f["basis"]) for f in unserved] == [
        ("o2", "similarity (heuristic)")]


def test_one_rule_marks_a_misplaced_statement_in_both_tables():
    provision_in_e = row("x", "E", "provision", "Kai will receive 15 minutes of support a week.",
                         findings="reads_as_provision;provision_not_specified")
    provision_in_e["p_outcome"] = 0.02
    outcome_in_e = row("y", "E", "outcome", "By July Kai will read 20 words.",
                       findings="reads_as_outcome")
    rows = [provision_in_e, outcome_in_e]
    mark_placement(rows)
    result = check_plan(rows, PlanFacts("K", "k.docx"))
    misplaced = {f["statement_id"] for f in result.findings if f["code"] == "statement_misplaced"}
    marked = {r["statement_id"] for r in rows if "statement_misplaced" in r["findings"]}
    assert misplaced == marked == {"x"}
    assert not any("reads_as_" in r["findings"] for r in rows)


def test_a_table_export_skips_none_rows_and_links_by_its_reference_columns(small_scorer):
    frame = pd.DataFrame({
        "plan_id": ["K"] * 5, "section": ["E", "E", "F", "G", "H"],
        "ref": ["E1", "E2", "F1", "", ""],
        "outcome_ref": ["", "", "E2", "", ""],
        "text": ["By July 2027 Kai will read 20 words from his bus timetable.",
                 "By July 2027 Kai will travel to college by bus on his own.",
                 "Travel training with the council's trainer, 2 mornings a week, 6 weeks.",
                 "Not applicable", "None."],
    })
    result = analyse(frame, scorer=small_scorer)
    assert list(result.skipped["why"]) == ["no_content", "no_content"]
    assert len(result.statements) == 3
    assert set(result.statements["cites"]) == {"", "E2"}
    by_ref = result.links[result.links["provision_link"] == "reference"]
    assert len(by_ref) == 1
    plan = result.plans.iloc[0]
    assert plan["skipped"] == 2 and plan["sections_empty"] == "G H"


def test_the_report_marks_evidence_with_displacy(small_scorer, tmp_path):
    frame = pd.DataFrame({"plan_id": ["K", "K"], "section": ["E", "F"],
                          "text": ["Kai will be happier.",
                                   "Access to a quiet space where appropriate."]})
    analyse(frame, scorer=small_scorer, out=tmp_path / "out")
    html = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert 'class="spans"' in html  # displaCy's span visualiser
    assert "HEDGE" in html or "VAGUE" in html
    assert "Scored by the model" in html
