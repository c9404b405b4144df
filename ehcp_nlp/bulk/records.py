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
    ref
        The statement's own reference in the plan (``"E2"``, ``"F1.3"``), from a table's
        reference column; ``""`` when it has none.
    cites
        The references of the outcomes it says it serves (a provision table's "Outcome ref"
        column: ``("E2", "E4")``).
    context
        What other columns of its table row say about it, as ``Header: value`` pairs joined
        by `` | `` (``"Delivered by: SALT | Frequency and duration: weekly, 30 minutes"``;
        an outcome's ``"By when: July 2027"``): scored with the statement.
    steps
        The steps towards an outcome that its table row lists (kept with it, not scored).
    """

    section: str
    heading: str
    text: str
    source: Source
    order: int
    row_key: str | None = None
    ref: str = ""
    cites: tuple[str, ...] = ()
    context: str = ""
    steps: str = ""

    @property
    def scored_text(self) -> str:
        """The text the model scores: the statement, with its row's other columns."""
        return f"{self.text} | {self.context}" if self.context else self.text


#: Why text in a plan is not a statement (``skipped.csv``'s ``why``).
SKIP_REASONS = {
    "personal_details": "a cover or personal-details field (label and value)",
    "contents": "a line of the contents list",
    "running_header": "a running header or footer",
    "page_number": "a page number",
    "table_header": "a table's header row",
    "reference": "a reference cell (E1, F2.3) or a list of outcome references",
    "sign_off": "a signature or sign-off block",
    "placeholder": "a placeholder for a photo or text not yet written",
    "no_content": "the section saying it has nothing (None, Not applicable)",
    "admin": "administration: version history, distribution, dates of issue",
    "advice_list": "Section K's list of the advice and information gathered (reports, views)",
}
#: The section that lists the advice and information the plan was written from (SEND Code of
#: Practice 9.62): documents, not statements about the child, so none of it is scored.
ADVICE_SECTION = "K"


@dataclass(slots=True)
class SkippedText:
    """Text found in a plan that is not a statement, kept so nothing is dropped silently.

    Attributes
    ----------
    section
        The section it sat in (``""`` before the first section heading).
    text
        The text as read.
    why
        One of :data:`SKIP_REASONS`.
    source
        Where it was found.
    """

    section: str
    text: str
    why: str
    source: Source


@dataclass(slots=True)
class Fact:
    """A fact about the child read from the plan, and where it was read.

    Attributes
    ----------
    value
        The value (a school year, an age in years, a stage).
    source
        Where it came from, for ``plans.csv``: ``"cover: National Curriculum year: 10"``,
        ``"text: 'She is in Year 6' (paragraph 4)"``, ``"date of birth 04/03/2011 and plan
        date 14/09/2026"``, or ``"year group"`` for a stage worked out from the year.
    """

    value: int | str
    source: str


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
        The child's school year (reception 0, nursery -1) and age in years, when the plan
        states them (on its cover or in its text); ``None`` otherwise.
    facts
        Every fact read, by name (``year_group``, ``age``, ``stage``), with where it came
        from; a fact not found is absent.
    skipped
        Text that is not a statement (cover fields, contents, headers, references...).
    no_content
        Sections that say they have nothing ("None.", "Not applicable").
    warnings
        What was odd but readable (a heading not recognised, an empty table...).
    """

    plan_id: str
    file: str
    statements: list[RawStatement] = field(default_factory=list)
    sections_found: list[str] = field(default_factory=list)
    year_group: int | None = None
    age: int | None = None
    facts: dict[str, Fact] = field(default_factory=dict)
    skipped: list[SkippedText] = field(default_factory=list)
    no_content: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
