"""Render the fictional plans in ``data/plans/src/*.json`` into the documents analysts receive.

Each source holds one plan's sections and blocks (paragraphs, bullet and numbered lists,
tables, text that is not a statement), its cover, running header and footer, and its planted
faults; data/PLANS.md describes the format. This script writes, beside this file, the plan
document (``.docx``, ``.md``, ``.txt``, ``.pdf`` or ``.csv`` as the source's ``format`` says)
and ``<plan_id>.key.json``, the answer key the bulk-analysis tests and
``benchmarks/analyse_bench.py faults`` read. Run from the repository root:

    pip install -e ".[test,dev]" && python data/plans/build_plans.py
    python data/plans/build_plans.py --keys     # the keys alone, the documents left as they are

The DOCX files are written with fixed core properties so a rebuild changes no bytes that
matter to a reviewer.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sys
import textwrap
from pathlib import Path

HERE = Path(__file__).resolve().parent
FORMATS = {"docx", "md", "txt", "pdf", "csv"}
SKIP_WHY = {"sign_off", "placeholder", "no_content", "admin"}
#: Lines of a page of the plain-text export, and characters a line.
TEXT_PAGE_LINES, TEXT_WIDTH = 48, 92
FONT = Path("/usr/share/fonts/truetype/dejavu")
FAULT_CODES = {
    "outcome_not_smart",
    "provision_not_specific",
    "statement_misplaced",
    "need_without_outcome",
    "outcome_without_provision",
    "no_pfa_outcomes",
    "outcome_not_person_centred",
    "missing_section",
}


def _statements(plan: dict) -> list[str]:
    """Every statement of the plan (table cells other than references; no skip blocks)."""
    texts = []
    for section in plan["sections"]:
        if section["code"] == "K":  # the list of advice and information: skipped
            continue
        for block in section["blocks"]:
            if block["kind"] == "table":
                refs = {block.get("ref"), block.get("cites")}
                texts += [cell for row in block["rows"] for j, cell in enumerate(row)
                          if j not in refs]
            elif block["kind"] in ("para", "bullets", "numbered"):
                texts += block["items"]
    return texts


def _skipped(plan: dict) -> list[dict]:
    """The text the reader must skip, with why: everything rendered that is not a statement."""
    fmt = plan["format"]
    out = []
    cover = plan.get("cover") or {}
    if fmt != "csv":
        out += [{"text": f"{label}: {value}", "why": "personal_details"}
                for label, value in cover.get("details", [])]
        if cover.get("contents"):
            out.append({"text": "Contents", "why": "contents"})
            out += [{"text": line, "why": "contents"} for line in cover["contents"]]
        for name in ("header", "footer"):
            if plan.get(name):
                out.append({"text": plan[name], "why": "running_header"})
    for section in plan["sections"]:
        for block in section["blocks"]:
            if block["kind"] == "skip":
                out += [{"text": item, "why": block["why"]} for item in block["items"]]
            elif section["code"] == "K" and block["kind"] in ("para", "bullets", "numbered"):
                out += [{"text": item, "why": "advice_list"} for item in block["items"]]
            elif block["kind"] == "table":
                if fmt not in ("csv", "txt", "pdf"):
                    out += [{"text": h, "why": "table_header"} for h in block["header"] if h]
                for column in (block.get("ref"), block.get("cites")):
                    if column is not None and fmt != "csv":
                        out += [{"text": row[column], "why": "reference"}
                                for row in block["rows"] if row[column]]
                if section["code"] == "K":
                    refs = {block.get("ref"), block.get("cites")}
                    out += [{"text": cell, "why": "advice_list"} for row in block["rows"]
                            for j, cell in enumerate(row) if j not in refs and cell]
    return out


def _links(plan: dict) -> list[dict]:
    """Provision -> outcome links the tables' reference columns make (text to text)."""
    outcomes = {}
    for section in plan["sections"]:
        for block in section["blocks"]:
            if block["kind"] == "table" and block.get("ref") is not None:
                main = _main_column(block)
                outcomes.update({row[block["ref"]].strip(): row[main] for row in block["rows"]})
            elif block["kind"] in ("para", "bullets", "numbered"):
                for item in block["items"]:
                    ref, _, rest = item.partition(". ")
                    if ref[:1] == "E" and ref[1:].isdigit():
                        outcomes[ref] = rest
    links = []
    for section in plan["sections"]:
        for block in section["blocks"]:
            if block["kind"] == "table" and block.get("cites") is not None:
                main = _main_column(block)
                for row in block["rows"]:
                    for ref in re.findall(r"[A-K]\d+", row[block["cites"]]):
                        if ref in outcomes and row[main]:
                            links.append({"provision": row[main], "outcome": outcomes[ref]})
    return links


def _main_column(block: dict) -> int:
    """The column of a record table that holds its statements (the first that is not a ref)."""
    skip = {block.get("ref"), block.get("cites")}
    return next(j for j in range(len(block["header"])) if j not in skip)


def check(plan: dict, source: Path) -> None:
    """Refuse a source whose faults name statements that are not in the plan."""
    if plan["format"] not in FORMATS:
        raise SystemExit(f"{source}: format must be one of {sorted(FORMATS)}")
    body = "\n".join(_statements(plan))
    for fault in plan["faults"]:
        if fault["code"] not in FAULT_CODES:
            raise SystemExit(f"{source}: unknown fault code {fault['code']!r}")
        statement = fault.get("statement")
        if statement and statement not in body:
            raise SystemExit(f"{source}: fault statement not found in plan: {statement[:60]!r}")
    faulty = {fault.get("statement") for fault in plan["faults"]}
    for statement in plan.get("clean", []):
        if statement not in body:
            raise SystemExit(f"{source}: clean statement not found in plan: {statement[:60]!r}")
        if statement in faulty:
            raise SystemExit(f"{source}: a statement is both clean and faulty: {statement[:60]!r}")


def render_docx(plan: dict, path: Path) -> None:
    """Write the plan as a Word document.

    Cover, running header and footer, headings in the source's style, lists and tables.
    """
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import RGBColor

    document = docx.Document()
    props = document.core_properties
    props.author = "ehcp-nlp fixtures"
    props.created = props.modified = dt.datetime(2026, 1, 1)
    section = document.sections[0]
    if plan.get("header"):
        section.header.paragraphs[0].text = plan["header"]
    if plan.get("footer"):
        section.footer.paragraphs[0].text = plan["footer"]
    if plan.get("page_numbers"):
        paragraph = section.footer.add_paragraph("Page ")
        for field, shown in (("PAGE", "1"), ("NUMPAGES", "1")):
            simple = OxmlElement("w:fldSimple")
            simple.set(qn("w:instr"), field)
            run = OxmlElement("w:r")
            text = OxmlElement("w:t")
            text.text = shown
            run.append(text)
            simple.append(run)
            paragraph._p.append(simple)
            if field == "PAGE":
                paragraph.add_run(" of ")
    document.add_heading(plan.get("title", "Education, Health and Care Plan"), level=0)
    cover = plan.get("cover")
    if cover:
        details = cover.get("details", [])
        if details:
            table = document.add_table(rows=len(details), cols=2)
            table.style = "Table Grid"
            for i, (label, value) in enumerate(details):
                table.rows[i].cells[0].text = label
                table.rows[i].cells[1].text = value
        if cover.get("contents"):
            document.add_paragraph("Contents").runs[0].bold = True
            for line in cover["contents"]:
                document.add_paragraph(line)
        document.add_page_break()
    for part in plan["sections"]:
        style = part.get("heading_style", "heading")
        heading = part["heading"]
        if style == "bold":
            document.add_paragraph().add_run(heading).bold = True
        elif style == "numbered":
            document.add_paragraph(heading)
        elif style == "shaded_row":
            table = document.add_table(rows=1, cols=1)
            table.style = "Table Grid"
            cell = table.rows[0].cells[0]
            run = cell.paragraphs[0].add_run(heading)
            run.bold = True
            run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
            shading = OxmlElement("w:shd")
            shading.set(qn("w:val"), "clear")
            shading.set(qn("w:fill"), "1F4E79")
            cell._tc.get_or_add_tcPr().append(shading)
        else:
            document.add_heading(heading, level=part.get("level", 1))
        for block in part["blocks"]:
            kind = block["kind"]
            if kind == "table":
                header, rows = block["header"], block["rows"]
                table = document.add_table(rows=1 + len(rows), cols=len(header))
                table.style = "Table Grid"
                for j, cell in enumerate(header):
                    table.rows[0].cells[j].text = cell
                for i, row in enumerate(rows, start=1):
                    for j, cell in enumerate(row):
                        table.rows[i].cells[j].text = cell
            elif kind == "page_break":
                document.add_page_break()
            else:
                style_name = {"para": None, "skip": None, "bullets": "List Bullet",
                              "numbered": "List Number"}[kind]
                for item in block["items"]:
                    document.add_paragraph(item, style=style_name)
    document.save(path)


def render_text(plan: dict, markdown: bool) -> str:
    """Return the plan as Markdown or as plain text, the way people type plans up."""
    lines = [("# " if markdown else "") + plan.get("title", "Education, Health and Care Plan"), ""]
    cover = plan.get("cover") or {}
    for label, value in cover.get("details", []):
        lines += [f"**{label}:** {value}" if markdown else f"{label}: {value}", ""]
    if cover.get("contents"):
        lines += ["## Contents" if markdown else "Contents", ""]
        lines += [("- " if markdown else "") + line for line in cover["contents"]] + [""]
    for section in plan["sections"]:
        heading = section["heading"]
        lines += [("## " + heading) if markdown else heading.upper(), ""]
        for block in section["blocks"]:
            kind = block["kind"]
            if kind == "table":
                if markdown:
                    lines.append("| " + " | ".join(block["header"]) + " |")
                    lines.append("|" + "---|" * len(block["header"]))
                    lines += ["| " + " | ".join(row) + " |" for row in block["rows"]]
                else:
                    for row in block["rows"]:
                        lines += [f"{h}: {c}" for h, c in zip(block["header"], row, strict=True)]
                        lines.append("")
            elif kind in ("para", "skip"):
                for item in block["items"]:
                    lines += [item, ""]
            elif kind == "page_break":
                continue
            else:
                for n, item in enumerate(block["items"], start=1):
                    marker = f"{n}." if kind == "numbered" else ("-" if markdown else "*")
                    lines.append(f"{marker} {item}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_pages(plan: dict) -> str:
    """Plain text cut into pages as a PDF-to-text export writes it.

    Lines are wrapped; a running header and footer and a page number are on every page, and
    pages are separated by form feeds.
    """
    body = []
    for line in render_text(plan, markdown=False).splitlines():
        body += textwrap.wrap(line, TEXT_WIDTH) or [""]
    per_page = TEXT_PAGE_LINES - 4
    pages = [body[i:i + per_page] for i in range(0, len(body), per_page)]
    out = []
    for number, lines in enumerate(pages, start=1):
        page = ([plan["header"], ""] if plan.get("header") else []) + lines + [""]
        if plan.get("footer"):
            page.append(plan["footer"])
        if plan.get("page_numbers"):
            page.append(f"Page {number} of {len(pages)}")
        out.append("\n".join(page))
    return "\f".join(out) + "\n"


def render_pdf(plan: dict, path: Path) -> None:
    """Write the plan as a multi-page PDF with fpdf2.

    A running header and footer and page numbers on every page, the cover on its own page,
    paragraphs flowing across pages.
    """
    from fpdf import FPDF

    class _Plan(FPDF):
        def header(self) -> None:
            if plan.get("header"):
                self.set_font("body", size=8)
                self.cell(0, 5, plan["header"], new_x="LMARGIN", new_y="NEXT")
                self.ln(3)

        def footer(self) -> None:
            self.set_y(-15)
            self.set_font("body", size=8)
            if plan.get("footer"):
                self.cell(0, 4, plan["footer"], new_x="LMARGIN", new_y="NEXT")
            if plan.get("page_numbers"):
                self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", new_x="LMARGIN",
                          new_y="NEXT")

    pdf = _Plan(format="A4")
    pdf.set_creation_date(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    pdf.add_font("body", "", str(FONT / "DejaVuSans.ttf"))
    pdf.add_font("body", "B", str(FONT / "DejaVuSans-Bold.ttf"))
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()

    def write(text: str, *, bold: bool = False, size: int = 10, gap: float = 2) -> None:
        pdf.set_font("body", "B" if bold else "", size)
        pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(gap)

    write(plan.get("title", "Education, Health and Care Plan"), bold=True, size=14)
    cover = plan.get("cover")
    if cover:
        for label, value in cover.get("details", []):
            write(f"{label}: {value}", gap=0.5)
        if cover.get("contents"):
            pdf.ln(4)
            write("Contents", bold=True, size=12)
            for line in cover["contents"]:
                write(line, gap=0.5)
        pdf.add_page()
    for section in plan["sections"]:
        write(section["heading"], bold=True, size=12)
        for block in section["blocks"]:
            kind = block["kind"]
            if kind == "page_break":
                pdf.add_page()
            elif kind == "table":
                for row in block["rows"]:
                    for header, cell in zip(block["header"], row, strict=True):
                        write(f"{header}: {cell}", gap=0.5)
                    pdf.ln(2)
            else:
                for n, item in enumerate(block["items"], start=1):
                    marker = {"bullets": "- ", "numbered": f"{n}. "}.get(kind, "")
                    write(marker + item)
    pdf.output(str(path))


def render_csv(plan: dict) -> str:
    """The plan as a case-management export: one row a statement, with references."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["plan_id", "section", "ref", "text", "outcome_ref"])
    for section in plan["sections"]:
        for block in section["blocks"]:
            if block["kind"] == "table":
                main = _main_column(block)
                for row in block["rows"]:
                    ref = row[block["ref"]] if block.get("ref") is not None else ""
                    cites = row[block["cites"]] if block.get("cites") is not None else ""
                    writer.writerow([plan["plan_id"], section["code"], ref, row[main], cites])
            elif block["kind"] != "page_break":
                for item in block["items"]:
                    writer.writerow([plan["plan_id"], section["code"], "", item, ""])
    return buffer.getvalue()


def build(source: Path, *, keys_only: bool = False) -> Path:
    """Render one plan source and write its key; return the document's path.

    ``keys_only``: write the key alone, leaving the document as it is.
    """
    plan = json.loads(source.read_text(encoding="utf-8"))
    check(plan, source)
    fmt = plan["format"]
    out = HERE / f"{plan['plan_id']}.{fmt}"
    if keys_only:
        pass
    elif fmt == "docx":
        render_docx(plan, out)
    elif fmt == "pdf":
        render_pdf(plan, out)
    elif fmt == "csv":
        out.write_text(render_csv(plan), encoding="utf-8")
    elif fmt == "txt" and (plan.get("header") or plan.get("footer")):
        out.write_text(render_pages(plan), encoding="utf-8")
    else:
        out.write_text(render_text(plan, markdown=fmt == "md"), encoding="utf-8")
    key = {
        "plan_id": plan["plan_id"],
        "file": out.name,
        "layout": plan.get("layout", fmt),
        "year_group": plan.get("year_group"),
        "age": plan.get("age"),
        "facts_from": plan.get("facts_from"),
        "faults": plan["faults"],
        "clean": plan.get("clean", []),
        "skipped": _skipped(plan),
        "links": _links(plan),
        "personal_data": plan.get("personal_data", []),
    }
    (HERE / f"{plan['plan_id']}.key.json").write_text(
        json.dumps(key, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return out


def main(argv: list[str]) -> None:
    """Build every source, or the ones named on the command line (``--keys``: keys only)."""
    keys_only = "--keys" in argv
    sources = [Path(a) for a in argv if a != "--keys"] or sorted((HERE / "src").glob("*.json"))
    for source in sources:
        print(build(source, keys_only=keys_only).relative_to(HERE.parent.parent))


if __name__ == "__main__":
    main(sys.argv[1:])
