"""Records of bulk analysis: where a statement came from, and a plan as read from a document.

Readers (``documents.py`` for plan documents, ``tables.py`` for tables) produce these; the
checks and the report read them. Every statement keeps its source location, so a finding can
be traced back to the file, page or paragraph, table row and cell it came from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: The sections of an EHCP (SEND Code of Practice 9.62): A views and aspirations; B special
#: educational needs; C health needs; D social care needs; E outcomes; F special educational
#: provision; G health provision; H1/H2 social care provision (reported as H); I placement;
#: J personal budget; K advice and information.
SECTIONS = ("A", "B", "C", "D", "E", "F", "G", "H", "I", "J", "K")
#: The statement type each section calls for (sections I to K hold no scored statements).
SECTION_TYPES = {"A": "aspiration", "B": "need", "C": "need", "D": "need", "E": "outcome",
                 "F": "provision", "G": "provision", "H": "provision"}


@dataclass(slots=True)
class Source:
    """Where a statement was found. Numbers count from 1; ``None`` when not applicable.

    Attributes
    ----------
    file
        The file's path as given.
    page
        Page of a PDF.
    paragraph
        Paragraph of a DOCX body, or line of a Markdown or text file, or of a PDF page.
    table, row, cell
        Table of a DOCX (and its row and cell); for a table file, ``row`` is the data row.
    """

    file: str
    page: int | None = None
    paragraph: int | None = None
    table: int | None = None
    row: int | None = None
    cell: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        for name in ("page", "paragraph", "table", "row", "cell"):
            value = getattr(self, name)
            if value is not None:
                parts.append(f"{name} {value}")
        return ", ".join(parts)


@dataclass(slots=True)
class RawStatement:
    """A statement as read, before scoring.

    Attributes
    ----------
    section
        ``"A"`` to ``"K"`` (H1 and H2 are ``"H"``), or ``""`` when no section heading was
        found above it.
    heading
        The heading (or table column header) it sat under, as written.
    text
        The statement, with bullets and numbering removed and whitespace normalised.
    source
        Where it was found.
    order
        Its position in the plan, in document order, from 0.
    row_key
        Statements that share a row of a side-by-side table (need | outcome | provision)
        share this key (for example ``"t2r3"``); ``None`` elsewhere.
    """

    section: str
    heading: str
    text: str
    source: Source
    order: int
    row_key: str | None = None


@dataclass(slots=True)
class PlanDocument:
    """One plan read from a document.

    Attributes
    ----------
    plan_id
        The plan's identifier (the file name without its extension, unless given).
    file
        The file it was read from.
    statements
        Its statements, in document order.
    sections_found
        The sections whose heading appears in the document, in order (a section headed but
        marked "not applicable" or left empty counts as found).
    year_group, age
        The child's school year and age in years, when the text states them ("Year 10",
        "aged 15", "is 15"); ``None`` otherwise.
    warnings
        What was odd but readable (a heading not recognised, an empty table...).
    """

    plan_id: str
    file: str
    statements: list[RawStatement] = field(default_factory=list)
    sections_found: list[str] = field(default_factory=list)
    year_group: int | None = None
    age: int | None = None
    warnings: list[str] = field(default_factory=list)
