"""Render the fictional plans in ``data/plans/src/*.json`` into the documents analysts receive.

Each source holds one plan's sections and blocks (paragraphs, bullet and numbered lists,
tables) and its planted faults. This script writes, beside this file, the plan document
(``.docx``, ``.md`` or ``.txt`` as the source's ``format`` says) and ``<plan_id>.key.json``,
the answer key the bulk-analysis tests read. Run from the repository root:

    pip install -e ".[dev]" && python data/plans/build_plans.py

The DOCX files are written with fixed core properties so a rebuild changes no bytes that
matter to a reviewer.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FORMATS = {"docx", "md", "txt"}
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
    texts = []
    for section in plan["sections"]:
        for block in section["blocks"]:
            if block["kind"] == "table":
                texts += [cell for row in block["rows"] for cell in row]
            else:
                texts += block["items"]
    return texts


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


def render_docx(plan: dict, path: Path) -> None:
    """Write the plan as a Word document: headings, lists and tables."""
    import docx

    document = docx.Document()
    props = document.core_properties
    props.author = "ehcp-nlp fixtures"
    props.created = props.modified = dt.datetime(2026, 1, 1)
    document.add_heading(plan.get("title", "Education, Health and Care Plan"), level=0)
    for section in plan["sections"]:
        document.add_heading(section["heading"], level=section.get("level", 1))
        for block in section["blocks"]:
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
            else:
                style = {"para": None, "bullets": "List Bullet", "numbered": "List Number"}[kind]
                for item in block["items"]:
                    document.add_paragraph(item, style=style)
    document.save(path)


def render_text(plan: dict, markdown: bool) -> str:
    """Return the plan as Markdown or as plain text, the way people type plans up."""
    lines = [("# " if markdown else "") + plan.get("title", "Education, Health and Care Plan"), ""]
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
            elif kind == "para":
                for item in block["items"]:
                    lines += [item, ""]
            else:
                for n, item in enumerate(block["items"], start=1):
                    marker = f"{n}." if kind == "numbered" else ("-" if markdown else "*")
                    lines.append(f"{marker} {item}")
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def build(source: Path) -> Path:
    """Render one plan source and write its key; return the document's path."""
    plan = json.loads(source.read_text(encoding="utf-8"))
    check(plan, source)
    fmt = plan["format"]
    out = HERE / f"{plan['plan_id']}.{fmt}"
    if fmt == "docx":
        render_docx(plan, out)
    else:
        out.write_text(render_text(plan, markdown=fmt == "md"), encoding="utf-8")
    key = {
        "plan_id": plan["plan_id"],
        "file": out.name,
        "layout": plan.get("layout", fmt),
        "year_group": plan.get("year_group"),
        "age": plan.get("age"),
        "faults": plan["faults"],
        "personal_data": plan.get("personal_data", []),
    }
    (HERE / f"{plan['plan_id']}.key.json").write_text(
        json.dumps(key, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    return out


def main(argv: list[str]) -> None:
    """Build every source, or the ones named on the command line."""
    sources = [Path(a) for a in argv] or sorted((HERE / "src").glob("*.json"))
    for source in sources:
        print(build(source).relative_to(HERE.parent.parent))


if __name__ == "__main__":
    main(sys.argv[1:])
