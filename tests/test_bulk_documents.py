"""Reading plan documents: sections from headings, statements, locations, year and age."""

import json
import subprocess
import sys
from collections import defaultdict

import pytest
from conftest import DATA

from ehcp_nlp.bulk.documents import DocumentError, read_document
from ehcp_nlp.bulk.records import SECTIONS
from ehcp_nlp.bulk.sections import (
    column_section,
    extract_age,
    extract_year_group,
    is_heading_line,
    is_placeholder,
    list_item_text,
    section_of_heading,
    sections_of_heading,
    split_sentences,
    split_statements,
)

PLANS = DATA / "plans"
# The fixture plans that are documents (p30 is a table: a case-management export).
KEYS = sorted(p for p in PLANS.glob("*.key.json")
              if not json.loads(p.read_text(encoding="utf-8"))["file"].endswith(".csv"))
# Keys give every plan's year and age; these are not stated in the plan's own words (only
# implied: "is 15" with no year, "has just started college"), and nothing is inferred.
NOT_STATED = {"p01": {"year_group"}, "p02": {"year_group"}, "p03": {"year_group"},
              "p07": {"year_group", "age"}, "p08": {"year_group"}, "p09": {"year_group"},
              "p21": {"year_group"}}


def collapse(text):
    return " ".join(text.split())


def load(key_path):
    key = json.loads(key_path.read_text(encoding="utf-8"))
    return key, read_document(PLANS / key["file"])


# --- the fictional plans ----------------------------------------------------------------------


@pytest.mark.parametrize("key_path", KEYS, ids=lambda p: p.name.split(".")[0])
def test_every_fault_statement_is_one_statement_in_its_section(key_path):
    key, plan = load(key_path)
    by_text = defaultdict(list)
    for statement in plan.statements:
        by_text[collapse(statement.text)].append(statement)
    for fault in key["faults"]:
        if fault.get("statement"):
            found = by_text[collapse(fault["statement"])]
            assert [s.section for s in found] == [fault["section"]], fault["statement"]


@pytest.mark.parametrize("key_path", KEYS, ids=lambda p: p.name.split(".")[0])
def test_sections_found_are_the_sections_the_plan_has(key_path):
    key, plan = load(key_path)
    missing = {f["section"] for f in key["faults"] if f["code"] == "missing_section"}
    assert not missing & set(plan.sections_found)
    assert set(plan.sections_found) == set(SECTIONS) - missing
    assert len(plan.sections_found) == len(set(plan.sections_found))


@pytest.mark.parametrize("key_path", KEYS, ids=lambda p: p.name.split(".")[0])
def test_year_group_and_age_match_the_key_where_the_text_states_them(key_path):
    key, plan = load(key_path)
    for name in ("year_group", "age"):
        expected = None if name in NOT_STATED.get(key["plan_id"], ()) else key[name]
        assert getattr(plan, name) == expected, name


@pytest.mark.parametrize("key_path", KEYS, ids=lambda p: p.name.split(".")[0])
def test_statements_are_clean_in_order_and_located(key_path):
    key, plan = load(key_path)
    assert plan.plan_id == key["plan_id"] and plan.warnings == []
    assert [s.order for s in plan.statements] == list(range(len(plan.statements)))
    for statement in plan.statements:
        assert statement.text == collapse(statement.text) and statement.text
        assert not is_placeholder(statement.text)
        assert statement.source.file.endswith(key["file"])
        assert statement.source.paragraph or statement.source.table
        assert statement.text[:2] not in ("- ", "* ", "• ", "1.")


@pytest.mark.parametrize("key_path", [k for k in KEYS if '"docx_table"' in k.read_text()],
                         ids=lambda p: p.name.split(".")[0])
def test_side_by_side_tables_share_row_keys(key_path):
    key, plan = load(key_path)
    rows = defaultdict(list)
    for statement in plan.statements:
        if statement.row_key:
            assert statement.source.table and statement.source.row and statement.source.cell
            assert statement.row_key == f"t{statement.source.table}r{statement.source.row}"
            rows[statement.row_key].append(statement)
    assert len(rows) >= 5
    for statements in rows.values():
        assert {s.section for s in statements} <= {"B", "E", "F"}
        assert len({s.source.cell for s in statements}) == len({s.section for s in statements})
    complete = [r for r in rows.values() if {s.section for s in r} == {"B", "E", "F"}]
    assert len(complete) >= len(rows) // 2
    for fault in key["faults"]:  # the planted gaps are rows with a cell left empty
        if fault["code"] == "need_without_outcome":
            row = next(r for r in rows.values()
                       if any(collapse(s.text) == fault["statement"] for s in r))
            assert "E" not in {s.section for s in row}


def test_plans_laid_out_by_headings_have_no_row_keys():
    for key_path in KEYS:
        key, plan = load(key_path)
        if key["layout"] not in ("docx_table", "docx_golden_thread"):
            assert all(s.row_key is None for s in plan.statements), key["plan_id"]


def test_prose_in_plans_is_split_into_sentences():
    plan = read_document(PLANS / "p01.docx")
    texts = [s.text for s in plan.statements if s.section == "A"]
    assert texts[:2] == ["Tomasz is 15 and lives with his mum, his stepdad and two younger "
                         "sisters.", "He is an expert on railway timetables and can tell you "
                         "the quickest route between almost any two stations in the country."]


# --- headings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("heading", "section"), [
    ("Section E – Outcomes", "E"), ("Section E: Outcomes", "E"), ("Section E - Outcomes", "E"),
    ("E: Outcomes", "E"), ("E. Outcomes", "E"), ("E - Outcomes", "E"), ("E) Outcomes", "E"),
    ("Outcomes (Section E)", "E"), ("OUTCOMES (E)", "E"), ("Part E", "E"), ("PART E", "E"),
    ("Part E — My outcomes", "E"), ("SECTION E – OUTCOMES", "E"), ("Section E", "E"),
    ("E", "E"), ("Section H1", "H"), ("H2", "H"), ("Section H2 – Other social care", "H"),
    ("H1: Social care provision (CSDPA)", "H"), ("Section H1 and H2: Social care provision", "H"),
    ("SECTION H1 AND H2 – SOCIAL CARE PROVISION", "H"), ("Social care provision (H1 and H2)", "H"),
    ("Section H1 – Social care provision under section 2 CSDPA", "H"),
    ("Special educational provision", "F"), ("Health provision", "G"),
    ("Social care provision", "H"), ("Outcomes", "E"), ("Special educational needs", "B"),
    ("Health needs", "C"), ("Social care needs", "D"), ("All about me", "A"),
    ("Views, interests and aspirations", "A"), ("views, interests and aspirations", "A"),
    ("About Amara: her views, interests and aspirations", "A"), ("Placement", "I"),
    ("Name of school", "I"), ("Personal budget", "J"), ("Advice and information", "K"),
    ("Information and advice", "K"), ("Part 2", "B"), ("Part 2: My needs", "B"),
    ("Part 9: Where I will learn", "I"), ("Part 11: Advice we used", "K"),
    ("1. About Finley (Section A)", "A"), ("1 Views, interests and aspirations", "A"),
    ("3 Health", "C"), ("4 Social care", "D"), ("6 Education provision", "F"),
    ("9 School", "I"), ("5. OUTCOMES", "E"), ("What Sofia will achieve (Section E)", "E"),
    ("How we will help (Section F)", "F"), ("Early years setting (I)", "I"),
    ("Part 6: Support for my learning", "F"), ("Health support", "G"),
    ("My education and training needs", "B"), ("Outcomes I am working towards", "E"),
    ("A. Ife's story", "A"), ("I. Placement", "I"), ("Section J – Personal Budget", "J"),
    ("Section E – Outcomes for my final year at college", "E"), ("Outcomes:", "E"),
    ("Section E’s outcomes", "E"),
])
def test_section_of_heading(heading, section):
    assert section_of_heading(heading) == section


@pytest.mark.parametrize(("heading", "sections"), [
    ("Sections B, E and F: needs, outcomes and provision", ("B", "E", "F")),
    ("Needs, outcomes and provision (Sections B, E and F)", ("B", "E", "F")),
    ("2. Needs, outcomes and provision (Sections B, E and F)", ("B", "E", "F")),
    ("Sections B, E and F", ("B", "E", "F")),
    ("Needs, outcomes and provision", ("B", "E", "F")),
    ("Health needs and provision", ("C", "G")),
])
def test_combined_headings_name_several_sections_and_no_single_one(heading, sections):
    assert sections_of_heading(heading) == sections
    assert section_of_heading(heading) is None


@pytest.mark.parametrize("heading", [
    "Communication and interaction", "Cognition and learning",
    "Social, emotional and mental health", "Sensory and/or physical needs",
    "Preparing for adulthood", "Education, Health and Care Plan", "Literacy",
    "Maths and memory", "Learning", "A levels", "E-learning", "Amara", "",
])
def test_sub_headings_and_titles_name_no_section(heading):
    assert sections_of_heading(heading) == ()


@pytest.mark.parametrize(("line", "heading"), [
    ("SECTION A – VIEWS, INTERESTS AND ASPIRATIONS", True), ("Section E: Outcomes", True),
    ("Outcomes (E)", True), ("E: Outcomes", True), ("OUTCOMES", True), ("Health provision", True),
    ("1. BETHAN'S VIEWS, INTERESTS AND ASPIRATIONS", True), ("COMMUNICATION AND INTERACTION", True),
    ("Education, Health and Care Plan", True), ("Cognition and learning", True),
    ("Part 4: My social care needs", True),
    ("None.", False), ("N/A", False), ("Parental advice, November 2025", False),
    ("- Outcomes", False), ("Sam will read 40 words by July 2026.", False),
    ("By July 2026, Sam will read 40 common words aloud without help", False),
    ("Speech and language therapy (see Section F).", False), ("ADHD", False),
])
def test_is_heading_line(line, heading):
    assert is_heading_line(line) is heading


@pytest.mark.parametrize(("header", "section"), [
    ("Special educational need (B)", "B"), ("Outcome (E)", "E"), ("Provision (F)", "F"),
    ("Needs", "B"), ("Outcomes", "E"), ("Provision", "F"), ("Assessed need", "B"),
    ("Desired outcome", "E"), ("Special educational provision", "F"), ("Kofi's needs", "B"),
    ("What Priya needs (B)", "B"), ("What Priya will achieve (E)", "E"),
    ("Support to achieve it (F)", "F"), ("Needs (Section B)", "B"), ("Health provision", "G"),
    ("Health need", "C"), ("Area of need", None), ("Review date", None), ("", None),
])
def test_column_section(header, section):
    assert column_section(header) == section


# --- statements -------------------------------------------------------------------------------


@pytest.mark.parametrize(("line", "text"), [
    ("- Weekly SALT", "Weekly SALT"), ("* Weekly SALT", "Weekly SALT"),
    ("• Weekly SALT", "Weekly SALT"), ("•Weekly SALT", "Weekly SALT"),
    ("1. Weekly SALT", "Weekly SALT"), ("12) Weekly SALT", "Weekly SALT"),
    ("a) Weekly SALT", "Weekly SALT"), ("(b) Weekly SALT", "Weekly SALT"),
    ("iv. Weekly SALT", "Weekly SALT"), ("  – Weekly SALT", "Weekly SALT"),
    ("Weekly SALT", None), ("1.5 hours of SALT", None), ("-5 degrees", None),
    ("A. Ife's story", None), ("J. Smith will visit", None),
])
def test_list_item_text(line, text):
    assert list_item_text(line) == text


@pytest.mark.parametrize("text", [
    "Sam enjoys art, e.g. painting and clay.", "He likes music, i.e. drumming and singing.",
    "He was seen by Dr. Patel in March.", "He sleeps approx. 6 hours a night.",
    "His score rose to 3.5 this term.", "Lessons start at 9.30 each morning.",
    "His report was written by J. K. Smith last year.", "He spoke to Mrs. Jones about it.",
    "He lives at No. 4 on the estate.", "He was diagnosed in Sept. 2024 by the team.",
])
def test_sentences_are_not_split_at_abbreviations_decimals_times_or_initials(text):
    assert split_sentences(text + " Then he went home.") == [text, "Then he went home."]


def test_sentences_split_at_every_sentence_end():
    text = 'Sam is 9. He likes Lego! Does he read? "Yes," says Mum. (He reads daily.) He is 9.'
    assert split_sentences(text) == ["Sam is 9.", "He likes Lego!", "Does he read?",
                                     '"Yes," says Mum.', "(He reads daily.)", "He is 9."]
    assert split_sentences("He arrives at 9 a.m. Staff greet him.") == [
        "He arrives at 9 a.m.", "Staff greet him."]
    assert split_sentences("  ") == []


def test_split_statements_keeps_items_whole_and_splits_prose():
    text = ("Sam is 9. He likes Lego.\n\n- Weekly SALT. With the therapist.\n"
            "  continued here\n2) Daily TA support\n\nA paragraph. In two sentences.")
    assert split_statements(text) == [
        "Sam is 9.", "He likes Lego.", "Weekly SALT. With the therapist. continued here",
        "Daily TA support", "A paragraph.", "In two sentences."]
    assert split_statements("One. Two.", keep_paragraphs=True) == ["One. Two."]


@pytest.mark.parametrize(("text", "placeholder"), [
    ("None.", True), ("None", True), ("N/A", True), ("n/a", True), ("Not applicable.", True),
    ("Not requested.", True), ("Nil", True), ("None required at present.", True),
    ("None under the CSDPA.", True), ("H1: none. H2: none.", True),
    ("H1 (CSDPA): none. H2: none.", True), ("No health needs have been identified.", True),
    ("No social care needs have been identified.", True),
    ("No health needs relevant to Lily-Mae's education have been identified.", True),
    ("No social care provision is required at present.", True),
    ("There are no health needs.", True), ("-", True),
    ("No social care needs have been identified; the family have a support worker.", False),
    ("No more than 3 incidents a term.", False), ("Nobody has asked for a review.", False),
    ("Weekly SALT for 30 minutes.", False), ("", False),
])
def test_is_placeholder(text, placeholder):
    assert is_placeholder(text) is placeholder


@pytest.mark.parametrize(("text", "year", "age"), [
    ("Sam is 15 and in Year 10.", 10, 15), ("Sam is 15, in Year 10, and loves maths.", 10, 15),
    ("Lily-Mae is 14 and in Year 9.", 9, 14), ("He is in Y11 at Oak School.", 11, None),
    ("Kofi is four and in the reception class.", 0, 4), ("Sam is a Year 9 pupil.", 9, None),
    ("Year group: 9", 9, None), ("Age: 14", None, 14), ("He is aged 14.", None, 14),
    ("Aisha, age 16, lives with her aunt.", None, 16), ("He is 14 years old.", None, 14),
    ("Amara is a cheerful seven-year-old.", None, 7), ("I'm Callum and I'm 24.", None, 24),
    ("Ellis is 14, uses they/them pronouns and is in Year 9.", 9, 14),
    ("By the end of Year 11, Sam will travel alone.", None, None),
    ("In Year 6 she was excluded twice.", None, None),
    ("Last year, in Year 6 she moved school.", None, None),
    ("He was diagnosed at age 9.", None, None), ("His reading age is 8.", None, None),
    ("When I was 16 years old I had an accident.", None, None),
    ("The sessions last 45 minutes.", None, None), ("He is 40.", None, None),
])
def test_year_group_and_age_from_text(text, year, age):
    assert extract_year_group(text) == year
    assert extract_age(text) == age


# --- documents made here ----------------------------------------------------------------------


def make_docx(path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_heading("Education, Health and Care Plan", level=0)
    document.add_heading("Section A: About Sam", level=1)
    document.add_paragraph("Sam is 12 and in Year 7. He likes trains, e.g. steam engines. "
                           "Dr. Patel says he is doing well.")
    document.add_paragraph("SECTION B – SPECIAL EDUCATIONAL NEEDS")  # a heading typed, unstyled
    document.add_paragraph("Sam reads slowly. He finds spelling hard.")
    document.add_heading("Needs, outcomes and provision (Sections B, E and F)", level=1)
    header = ["Assessed need", "Desired outcome", "Special educational provision"]
    table = document.add_table(rows=6, cols=3)
    for row, cells in enumerate([
        header, ["Communication and interaction"] * 3,
        ["Sam misreads jokes.", "By July 2026, Sam will explain 8 of 10 jokes.", ""],
        header, ["Sam cannot tell the time.", "", "N/A"],
        ["", "", ""],
    ]):
        for column, text in enumerate(cells):
            table.cell(row, column).text = text
    table.cell(1, 0).merge(table.cell(1, 2)).text = "Communication and interaction"
    provision = table.cell(2, 2)
    provision.paragraphs[0].text = "Weekly SALT for 30 minutes. With a review each term."
    provision.add_paragraph("A daily 10-minute jokes group", style="List Bullet")
    table.cell(2, 0).add_paragraph("He takes language literally.")
    document.add_heading("Section G: Health provision", level=1)
    document.add_paragraph("A yearly review by the paediatrician. The school nurse visits "
                           "each term.")
    document.add_heading("Review arrangements", level=1)
    advice = document.add_table(rows=3, cols=2)
    for row, cells in enumerate([["Advice", "Date"], ["Parents", "May 2026"],
                                 ["Section I: Placement", "Oak Academy, a mainstream school."]]):
        for column, text in enumerate(cells):
            advice.cell(row, column).text = text
    document.add_paragraph("1. Numbered by hand", style="List Number")
    document.save(path)
    return path


def test_docx_headings_tables_and_locations(tmp_path):
    plan = read_document(make_docx(tmp_path / "sam.docx"), plan_id="S1")
    got = [(s.section, s.row_key, s.text) for s in plan.statements]
    assert got == [
        ("A", None, "Sam is 12 and in Year 7."),
        ("A", None, "He likes trains, e.g. steam engines."),
        ("A", None, "Dr. Patel says he is doing well."),
        ("B", None, "Sam reads slowly."), ("B", None, "He finds spelling hard."),
        ("B", "t1r3", "Sam misreads jokes."), ("B", "t1r3", "He takes language literally."),
        ("E", "t1r3", "By July 2026, Sam will explain 8 of 10 jokes."),
        ("F", "t1r3", "Weekly SALT for 30 minutes. With a review each term."),
        ("F", "t1r3", "A daily 10-minute jokes group"),
        ("B", "t1r5", "Sam cannot tell the time."),
        ("G", None, "A yearly review by the paediatrician. The school nurse visits each term."),
        ("G", None, "Parents"), ("G", None, "May 2026"),
        ("I", None, "Oak Academy, a mainstream school."), ("I", None, "Numbered by hand"),
    ]
    assert plan.plan_id == "S1" and (plan.year_group, plan.age) == (7, 12)
    assert plan.sections_found == ["A", "B", "E", "F", "G", "I"]
    jokes = plan.statements[5]
    assert (jokes.source.table, jokes.source.row, jokes.source.cell) == (1, 3, 1)
    assert jokes.heading == "Assessed need" and jokes.source.paragraph is None
    assert plan.statements[0].source.paragraph == 3 and plan.statements[0].heading == \
        "Section A: About Sam"
    assert plan.statements[12].source.table == 2
    assert plan.warnings == [f"{tmp_path / 'sam.docx'}, paragraph 9: heading 'Review "
                             "arrangements' names no section; what follows stays in section G"]


def test_markdown_headings_lists_and_tables(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text(
        "# Education, Health and Care Plan\n\nAbout me\n========\n\n"
        "**Jo** is 9 and in Year 4. She likes\nswimming.\n\n"
        "## Outcomes (Section E)\n\n1. By July 2026, Jo will swim 25 metres.\n"
        "2. Jo will be *happier*.\n\n"
        "## Sections B, E and F\n\n| Need (B) | Outcome (E) | Provision (F) |\n|---|---|---|\n"
        "| Jo cannot swim. | By May 2026, Jo will float. | Weekly lessons<br>- A float |\n"
        "| Jo is shy. |  | None |\n\n"
        "## Section K – Advice\n\n| Advice | Date |\n| --- | --- |\n| Parents | May 2026 |\n",
        encoding="utf-8")
    plan = read_document(path)
    got = [(s.section, s.row_key, s.source.paragraph, s.text) for s in plan.statements]
    assert got == [
        ("A", None, 6, "Jo is 9 and in Year 4."), ("A", None, 6, "She likes swimming."),
        ("E", None, 11, "By July 2026, Jo will swim 25 metres."),
        ("E", None, 12, "Jo will be happier."),
        ("B", "t1r2", 18, "Jo cannot swim."), ("E", "t1r2", 18, "By May 2026, Jo will float."),
        ("F", "t1r2", 18, "Weekly lessons"), ("F", "t1r2", 18, "A float"),
        ("B", "t1r3", 19, "Jo is shy."),
    ]  # Section K lists the advice the plan used: documents, not statements
    assert [(k.section, k.text, k.why) for k in plan.skipped if k.why == "advice_list"] == [
        ("K", "Parents", "advice_list"), ("K", "May 2026", "advice_list")]
    assert plan.statements[6].source.cell == 3 and plan.statements[6].heading == "Provision (F)"
    assert plan.sections_found == ["A", "E", "B", "F", "K"]
    assert (plan.year_group, plan.age) == (4, 9)


def test_side_by_side_columns_without_a_section_are_row_labels(tmp_path):
    path = tmp_path / "plan.md"
    path.write_text(
        "## Needs, outcomes and provision\n\n"
        "| Area of need | Need | Outcome | Provision | Review date |\n|---|---|---|---|---|\n"
        "| Cognition and learning | Ali reads slowly. | By July 2026, Ali will read 60 words "
        "a minute. | Daily reading with a TA. | July 2026 |\n", encoding="utf-8")
    plan = read_document(path)
    assert [(s.section, s.row_key, s.heading, s.source.cell) for s in plan.statements] == [
        ("B", "t1r2", "Need", 2), ("E", "t1r2", "Outcome", 3), ("F", "t1r2", "Provision", 4)]
    assert plan.sections_found == ["B", "E", "F"]


def test_docx_content_controls_and_vertically_merged_cells(tmp_path):
    docx = pytest.importorskip("docx")
    from docx.oxml.parser import OxmlElement

    document = docx.Document()
    document.add_heading("Section E: Outcomes", level=1)
    inside = document.add_paragraph("By July 2026, Ali will read 60 words a minute.")
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    inside._p.addprevious(sdt)
    content.append(inside._p)
    sdt.append(content)
    document.add_heading("Sections B, E and F", level=1)
    table = document.add_table(rows=3, cols=3)
    for column, text in enumerate(["Need", "Outcome", "Provision"]):
        table.cell(0, column).text = text
    table.cell(1, 0).merge(table.cell(2, 0)).text = "Ali reads slowly."
    for row in (1, 2):
        table.cell(row, 1).text = f"Outcome {row}."
        table.cell(row, 2).text = f"Provision {row}."
    document.save(tmp_path / "merged.docx")
    plan = read_document(tmp_path / "merged.docx")
    assert [(s.section, s.row_key, s.text) for s in plan.statements] == [
        ("E", None, "By July 2026, Ali will read 60 words a minute."),
        ("B", "t1r2", "Ali reads slowly."), ("E", "t1r2", "Outcome 1."),
        ("F", "t1r2", "Provision 1."), ("E", "t1r3", "Outcome 2."), ("F", "t1r3", "Provision 2."),
    ]


def test_text_with_labelled_rows_is_side_by_side(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text(
        "SECTIONS B, E AND F\n\nNeed: Ben cannot read a timetable.\n"
        "Outcome: By July 2026, Ben will read his timetable.\nProvision: Daily TA support.\n\n"
        "Need: Ben is anxious.\nProvision: Weekly ELSA.\n\n"
        "SECTION C: HEALTH NEEDS\n\nMum says: he sleeps badly.\n", encoding="utf-8")
    plan = read_document(path)
    got = [(s.section, s.row_key, s.heading, s.text) for s in plan.statements]
    assert got == [
        ("B", "L3", "Need", "Ben cannot read a timetable."),
        ("E", "L3", "Outcome", "By July 2026, Ben will read his timetable."),
        ("F", "L3", "Provision", "Daily TA support."),
        ("B", "L7", "Need", "Ben is anxious."), ("F", "L7", "Provision", "Weekly ELSA."),
        ("C", None, "SECTION C: HEALTH NEEDS", "Mum says: he sleeps badly."),
    ]
    assert plan.sections_found == ["B", "E", "F", "C"]


def test_plain_text_joins_wrapped_lines_and_keeps_provision_paragraphs(tmp_path):
    path = tmp_path / "plan.txt"
    path.write_text(
        "Section F: Special educational provision\n"
        "A weekly 30-minute session with the speech and language therapist, reviewed\n"
        "every half term. Sessions are on Tuesdays.\n"
        "Daily reading practice with a TA.\n", encoding="utf-8")
    plan = read_document(path)
    assert [s.text for s in plan.statements] == [
        "A weekly 30-minute session with the speech and language therapist, reviewed every "
        "half term. Sessions are on Tuesdays.", "Daily reading practice with a TA."]
    assert [s.source.paragraph for s in plan.statements] == [2, 4]


def test_windows_1252_text_is_read_with_a_warning(tmp_path):
    path = tmp_path / "legacy.txt"
    path.write_bytes("SECTION E – OUTCOMES\n\nBy July 2026, Zoë’s reading age will rise by "
                     "12 months – on the same test.\n".encode("cp1252"))
    plan = read_document(path)
    assert [(s.section, s.text) for s in plan.statements] == [
        ("E", "By July 2026, Zoë’s reading age will rise by 12 months – on the same test.")]
    assert len(plan.warnings) == 1 and "Windows-1252" in plan.warnings[0]


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_text_with_a_byte_order_mark(tmp_path, encoding):
    path = tmp_path / "bom.txt"
    path.write_text("Section E: Outcomes\n\nBy July, Zoë will read 40 words.\n",
                    encoding=encoding)
    plan = read_document(path)
    assert [s.text for s in plan.statements] == ["By July, Zoë will read 40 words."]
    assert plan.warnings == []


def make_pdf(path, pages):
    fpdf = pytest.importorskip("fpdf")

    class Plan(fpdf.FPDF):
        def header(self):
            self.set_font("Helvetica", size=8)
            self.cell(0, 6, "EHCP draft - confidential", new_x="LMARGIN", new_y="NEXT")

        def footer(self):
            self.set_y(-15)
            self.set_font("Helvetica", size=8)
            self.cell(0, 10, f"Page {self.page_no()} of {len(pages)}")

    pdf = Plan()
    for lines in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for line in lines:
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def test_pdf_text_layer_with_page_numbers(tmp_path):
    pytest.importorskip("pypdf")
    path = make_pdf(tmp_path / "plan.pdf", [
        ["SECTION A - VIEWS, INTERESTS AND ASPIRATIONS", "",
         "Sam is 12 and in Year 7. He wants to drive trains.", "", "Section E: Outcomes",
         "- By July 2026, Sam will read 40 common words aloud without help.",
         "- Sam will be happier."],
        ["Special educational provision (F)",
         "A weekly 30-minute session with the speech and language therapist for the whole of "
         "Year 7, reviewed every half term by the SENCO with Sam and his parents.",
         "1. Daily reading practice with a TA."],
    ])
    plan = read_document(path)
    got = [(s.source.page, s.section, s.text) for s in plan.statements]
    assert got == [
        (1, "A", "Sam is 12 and in Year 7."), (1, "A", "He wants to drive trains."),
        (1, "E", "By July 2026, Sam will read 40 common words aloud without help."),
        (1, "E", "Sam will be happier."),
        (2, "F", "A weekly 30-minute session with the speech and language therapist for the "
                 "whole of Year 7, reviewed every half term by the SENCO with Sam and his "
                 "parents."),
        (2, "F", "Daily reading practice with a TA."),
    ]
    assert plan.sections_found == ["A", "E", "F"] and (plan.year_group, plan.age) == (7, 12)
    assert all(s.source.paragraph for s in plan.statements)


# --- errors -----------------------------------------------------------------------------------


def assert_one_line_error(path, *words):
    with pytest.raises(DocumentError) as caught:
        read_document(path)
    message = str(caught.value)
    assert message.startswith("E302: ") and "\n" not in message
    assert str(path) in message and ";" in message  # what is wrong; how to fix it
    for word in words:
        assert word in caught.value.message
    return caught.value


def test_error_missing_file(tmp_path):
    assert_one_line_error(tmp_path / "nope.docx", "no such file")


def test_error_directory(tmp_path):
    folder = tmp_path / "plans.docx"
    folder.mkdir()
    assert_one_line_error(folder, "is a folder")


def test_error_corrupt_docx(tmp_path):
    path = tmp_path / "corrupt.docx"
    path.write_bytes(bytes(range(256)) * 8)
    assert_one_line_error(path, "not a Word .docx", "save it again")


def test_error_docx_that_is_a_zip_of_something_else(tmp_path):
    import zipfile

    path = tmp_path / "other.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert_one_line_error(path, "damaged")


def test_error_password_protected_docx(tmp_path):
    path = tmp_path / "locked.docx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    assert_one_line_error(path, "password")


def test_error_pdf_with_no_text(tmp_path):
    fpdf = pytest.importorskip("fpdf")
    pytest.importorskip("pypdf")
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.rect(10, 10, 50, 50)
    pdf.output(str(tmp_path / "scan.pdf"))
    assert_one_line_error(tmp_path / "scan.pdf", "no text layer", "OCR")


def test_error_encrypted_pdf(tmp_path):
    fpdf = pytest.importorskip("fpdf")
    pytest.importorskip("pypdf")
    pdf = fpdf.FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("Helvetica")
    pdf.cell(0, 10, "Section E: Outcomes")
    pdf.output(str(tmp_path / "locked.pdf"))
    assert_one_line_error(tmp_path / "locked.pdf", "encrypted")


def test_error_corrupt_pdf(tmp_path):
    pytest.importorskip("pypdf")
    path = tmp_path / "broken.pdf"
    path.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 4)
    assert_one_line_error(path, "PDF")
    path.write_bytes(b"just text, not a pdf")
    assert_one_line_error(path, "not a PDF")


@pytest.mark.parametrize("name", ["empty.txt", "empty.md", "empty.docx", "empty.pdf"])
def test_error_empty_file(tmp_path, name):
    (tmp_path / name).write_bytes(b"")
    assert_one_line_error(tmp_path / name, "is empty")


def test_error_docx_with_no_text(tmp_path):
    docx = pytest.importorskip("docx")
    document = docx.Document()
    document.add_paragraph("   ")
    document.add_table(rows=2, cols=2)
    document.save(tmp_path / "blank.docx")
    assert_one_line_error(tmp_path / "blank.docx", "no text")


def test_error_blank_text_and_binary_text(tmp_path):
    (tmp_path / "blank.txt").write_text(" \n\n\t\n", encoding="utf-8")
    assert_one_line_error(tmp_path / "blank.txt", "no text")
    (tmp_path / "binary.txt").write_bytes(b"abc\x00\x01\x02")
    assert_one_line_error(tmp_path / "binary.txt", "not a text file")


def test_error_unsupported_type(tmp_path):
    (tmp_path / "plan.rtf").write_text("{\\rtf1 hello}", encoding="utf-8")
    assert_one_line_error(tmp_path / "plan.rtf", ".rtf", ".docx")
    (tmp_path / "plan.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    assert_one_line_error(tmp_path / "plan.doc", "old Word")


def test_docx_and_pdf_libraries_are_imported_only_when_needed():
    code = ("import sys, ehcp_nlp.bulk.documents, ehcp_nlp.bulk.sections; "
            "print(any(m in sys.modules for m in ('docx', 'pypdf', 'fpdf')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
