"""Read a plan document (DOCX, PDF, Markdown, plain text) into a :class:`PlanDocument`.

Each reader turns its format into one stream of headings, paragraphs, list items and tables;
:class:`_PlanBuilder` turns that stream into statements, the same way for every format:

- a heading that names a section (see :mod:`ehcp_nlp.bulk.sections`) starts it; one that
  names several (``Sections B, E and F``) leaves statements to take their section from table
  columns; an unrecognised heading (``Communication and interaction``) changes nothing;
- each list item and each paragraph of a table cell is one statement; other paragraphs are
  split into sentences, except in sections E to H where a paragraph is kept whole;
- a table whose header names need, outcome and provision columns (``Need | Outcome |
  Provision``) gives each cell its column's section and each row one ``row_key``
  (``"t2r3"``: table 2, row 3); in text files, consecutive lines labelled that way
  (``Need: ...`` then ``Outcome: ...``) are such a row too (``row_key`` ``"L12"``, its first
  line);
- empty cells, header rows and placeholders ("None", "Not applicable", "No health needs have
  been identified") give no statement, but their section still counts as found.

The child's age and school year are the first stated in Section A or before the first
section heading ("is 15 and in Year 10", "aged 14", "Y11", "a Year 9 pupil"): a year a
sentence looks ahead to ("by the end of Year 11") or back on is not taken, and nothing is
inferred (an age gives no year).

A DOCX is read straight from its XML with lxml (installed with ``python-docx``), a PDF's text
layer with ``pypdf``; both are imported only when such a file is read.
"""

from __future__ import annotations

import codecs
import html
import posixpath
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ehcp_nlp.bulk import furniture
from ehcp_nlp.bulk.records import (
    ADVICE_SECTION,
    SECTION_TYPES,
    Fact,
    PlanDocument,
    RawStatement,
    SkippedText,
    Source,
)
from ehcp_nlp.bulk.sections import (
    WHOLE_PARAGRAPH_SECTIONS,
    column_section,
    extract_age,
    extract_year_group,
    is_heading_line,
    is_known_subheading,
    list_item_text,
    normalise,
    sections_of_heading,
    split_sentences,
)
from ehcp_nlp.errors import EhcpError

#: Plan document suffixes, by reader.
DOCUMENT_SUFFIXES = {".docx": "docx", ".pdf": "pdf", ".md": "markdown", ".markdown": "markdown",
                     ".txt": "text"}
_SUBHEADING_LEVEL = 9  # a heading row inside a table: never warned about

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_P, _TBL, _SDT, _TR, _TC = (f"{_W}p", f"{_W}tbl", f"{_W}sdt", f"{_W}tr", f"{_W}tc")
_TEXT_TAGS = {f"{_W}t": None, f"{_W}tab": "\t", f"{_W}br": "\n", f"{_W}cr": "\n",
              f"{_W}noBreakHyphen": "-"}
_STYLE_NAME = re.compile(
    rb'<w:style\b[^>]*?\bw:styleId="([^"]*)"[^>]*>\s*<w:name\s+w:val="([^"]*)"')
_HEADING_STYLE = re.compile(r"heading\s*(\d)?|title|subtitle")

_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_MD_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?$")
_MD_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_MD_BREAK = re.compile(r"<br\s*/?>", re.IGNORECASE)
_MD_INLINE = (  # (pattern, replacement): links and images, HTML tags, emphasis, escapes
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"<[^>]+>"), ""),
    (re.compile(r"\*\*|__|`"), ""),
    (re.compile(r"(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)"), ""),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])"), r"\1"),
)
_MD_QUOTE = re.compile(r"^(?:>\s?)+")
_RULE = re.compile(r"^(?:(?:-\s*){3,}|(?:\*\s*){3,}|(?:_\s*){3,})$")
_UNDERLINE = re.compile(r"^(?:=+|-+)$")
_LABELLED = re.compile(r"^([^:]{1,60}?):\s+(\S.*)$")
_DIGITS = re.compile(r"\d+")
# A paragraph that opens with its own reference: "E1. By July ...", "F2: Weekly ...".
_LEADING_REF = re.compile(r"^([A-K][12]?\d{0,1}\d(?:\.\d{1,2})?)[.:)]?\s+(?=[A-Za-z\"'‘“(])")
#: Column roles of a table's header, besides the sections' own columns (need, outcome,
#: provision): the row's reference, the outcomes it cites, the parts of provision a column
#: gives, an outcome's time frame and steps. Checked in order.
_COLUMN_ROLES = tuple((role, re.compile(pattern, re.IGNORECASE)) for role, pattern in (
    ("cites", r"^(?:linked|link(?:s|ed)? to|supports?|relevant|related)\s+outcomes?\b|"
              r"^outcomes?\s*(?:ref(?:erence)?s?|nos?\.?|numbers?|supported|linked|met|"
              r"addressed)\b|^outcomes?\s*\(refs?\)"),
    ("ref", r"^(?:ref(?:erence)?|no\.?|number|#|id|outcome ref(?:erence)?|provision ref(?:erence)?"
            r"|outcome no\.?)$"),
    ("steps", r"\bsteps?\b|short[- ]term|milestones?|interim|small steps|how we will know"),
    ("by_when", r"^(?:by when|when by|target date|timescale|time ?frame|by|date|deadline|"
                r"review date|to be achieved by|achieve(?:d)? by)\b"),
    ("frequency", r"frequency and (?:duration|length|time)|how often and (?:for )?how long|"
                  r"frequency ?/ ?duration|amount|hours"),
    ("how_often", r"^(?:how often|frequency|when)\b"),
    ("how_long", r"^(?:how long|duration|length|time)\b"),
    ("who", r"^(?:who\b|by whom|delivered by|provided by|responsible|staff|provider|"
            r"lead\b|professional|delivery)"),
))


class DocumentError(EhcpError):
    """A plan document cannot be read at all (missing, damaged, encrypted, empty, no text)."""

    code = "E302"


@dataclass(slots=True)
class _Cell:
    """A table cell: its number in the row (from 1), grid column and (kind, text) parts."""

    number: int
    column: int
    parts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return normalise(" ".join(text for _, text in self.parts))


@dataclass(slots=True)
class _Row:
    """A table row: its number in the table (from 1) and cells; ``merged`` spans the row."""

    number: int
    cells: list[_Cell]
    merged: bool = False
    header: bool = False


class _PlanBuilder:
    """Turn headings, paragraphs and tables, in document order, into a plan's statements."""

    def __init__(self, plan_id: str, file: str) -> None:
        self.plan = PlanDocument(plan_id, file)
        self.section = ""
        self.heading = ""
        self._section_level: int | None = None
        self._seen_section = False
        self._contents = False  # inside a contents list
        # Section A and the opening (where age and year are read first), then the rest.
        self._about: list[tuple[str, Source]] = []
        self._text: list[tuple[str, Source]] = []
        self._cover: dict[str, tuple[object, str]] = {}  # fact: (value, "label: value")

    @property
    def seen_section(self) -> bool:
        """Whether a section heading has been read yet (before it: the cover)."""
        return self._seen_section

    def skip(self, text: str, why: str, source: Source, section: str | None = None) -> None:
        """Record text that is not a statement; "None" marks its section as saying nothing.

        ``section`` is where it sits when that is not the current section (a table column's).
        """
        text = normalise(text)
        if not text:
            return
        section = self.section if section is None else section
        self.plan.skipped.append(SkippedText(section, text, why, source))
        if why == "no_content" and section and section not in self.plan.no_content:
            self.plan.no_content.append(section)

    def cover_field(self, label: str, value: str, source: Source) -> None:
        """Record a cover or personal-details field, and the facts it gives."""
        label, value = normalise(label), normalise(value)
        self.skip(f"{label.rstrip(':')}: {value}" if value else label, "personal_details",
                  source)
        where = "cover" if not self._seen_section else f"Section {self.section or '?'} table"
        for name, fact in furniture.cover_facts(label, value).items():
            self._cover.setdefault(name, (fact, f"{where}: {label.rstrip(':')}: {value}"))

    def _furniture(self, text: str, source: Source) -> bool:
        """Skip a paragraph that is not a statement; return whether it was one of those."""
        if furniture.is_contents_heading(text):
            self._contents = True
            self.skip(text, "contents", source)
            return True
        if self._contents or not self._seen_section or "..." in text or "\t" in text:
            if furniture.is_contents_line(text) or (
                    self._contents and len(text.split()) <= 12 and sections_of_heading(text)):
                self.skip(text, "contents", source)
                return True
        why = furniture.skip_reason(text)
        if why is None and not self._seen_section and _is_field(text):
            labelled = _LABELLED.match(text)
            self.cover_field(labelled.group(1), labelled.group(2), source)
            return True
        if why is None:
            return False
        self.skip(text, why, source)
        return True

    def add_heading(self, text: str, level: int, source: Source) -> None:
        """Start the section a heading names, or note a sub-heading."""
        text = normalise(text)
        if not text:
            return
        if furniture.is_contents_heading(text):
            self._contents = True
            self.skip(text, "contents", source)
            return
        if (self._contents or not self._seen_section) and furniture.is_contents_line(text):
            self.skip(text, "contents", source)
            return
        if furniture.is_reference(text):  # "E1" in a table is a reference, not Section E
            self.skip(text, "reference", source)
            return
        letters = sections_of_heading(text)
        self.heading = text
        if letters:
            self._contents = False
            self._found(letters)
            self.section = letters[0] if len(letters) == 1 else ""
            self._section_level, self._seen_section = level, True
        elif 0 < level <= (self._section_level or level) and not is_known_subheading(text):
            where = f"section {self.section}" if self.section else "no section"
            self.plan.warnings.append(f"{source}: heading {text!r} names no section; what "
                                      f"follows stays in {where}")

    def add_paragraph(self, text: str, source: Source, *, item: bool = False) -> None:
        """Add a list item whole, or a paragraph's sentences (whole in sections E to H)."""
        text = normalise(text)
        if not text or self._furniture(text, source):
            return
        ref = ""
        leading = _LEADING_REF.match(text)
        if leading and self.section in "EFGH" and self.section:
            ref, text = furniture.canonical_reference(leading.group(1)), text[leading.end():]
            self.skip(leading.group(1), "reference", source)
        whole = item or self.section in WHOLE_PARAGRAPH_SECTIONS
        for part in [text] if whole else split_sentences(text):
            why = furniture.skip_reason(part)
            if why in ("no_content", "placeholder", "sign_off"):
                self.skip(part, why, source)
            else:
                self._add(self.section, self.heading, part, source, ref=ref)

    def add_linked(self, row_key: str, entries: list[tuple[str, str, str, Source]]) -> None:
        """Add the statements of one side-by-side row: (section, heading, text, source)."""
        self._found([section for section, *_ in entries])
        for section, heading, text, source in entries:
            text = normalise(text)
            if not text:
                continue
            why = furniture.skip_reason(text)
            if why is not None:
                self.skip(text, why, source, section)
            else:
                self._add(section, heading, text, source, row_key)

    def add_table(self, number: int, rows: list[_Row],
                  locate: Callable[[int, int], Source]) -> None:
        """Add a table: side by side when its header names two sections, else cell by cell."""
        filled = [[cell.text for cell in row.cells] for row in rows]
        headed = any(row.header and all(cell.text for cell in row.cells) for row in rows)
        if not headed and furniture.is_label_value_table([t for t in filled if any(t)],
                                                         cover=not self._seen_section):
            for row in rows:
                for label, value in zip(row.cells[::2], row.cells[1::2], strict=False):
                    if label.text or value.text:
                        self.cover_field(label.text, value.text, locate(row.number, label.number))
            return
        columns: dict[int, tuple[str, str]] = {}  # grid column: (section, header)
        roles: dict[int, tuple[str, str]] = {}  # grid column: (role, header) of a record table
        header: list[str] = []
        for index, row in enumerate(rows):
            texts = [cell.text for cell in row.cells]
            if not any(texts):
                continue
            if row.merged or (len([t for t in texts if t]) == 1 and len(rows) <= 2 and
                              _heading_cell(next(t for t in texts if t))):
                cell = next(c for c in row.cells if c.text)
                self.add_heading(cell.text, _SUBHEADING_LEVEL, locate(row.number, cell.number))
                continue
            if not columns and not roles and index < 3:
                references = _reference_columns(rows[index + 1:])
                found = {cell.column: (column_section(cell.text), cell.text) for cell in row.cells
                         if cell.column not in references}
                sections = [section for section, _ in found.values() if section]
                if len(set(sections)) >= 2:
                    columns = {k: (s, h) for k, (s, h) in found.items() if s is not None}
                    header = texts
                    self._found([section for section, _ in columns.values()])
                    self._skip_cells(row, "table_header", locate)
                    continue
                record = _record_roles(row, references)
                if record:
                    roles, header = record, texts
                    self._skip_cells(row, "table_header", locate)
                    continue
            if row.header or texts == header or (index == 0 and _looks_like_header(texts)):
                self._skip_cells(row, "table_header", locate)
                continue
            if columns:
                self._linked_row(f"t{number}r{row.number}", row, columns, locate)
            elif roles:
                self._record_row(row, roles, locate)
            else:
                self._plain_row(row, locate)

    def _skip_cells(self, row: _Row, why: str, locate: Callable[[int, int], Source]) -> None:
        for cell in row.cells:
            self.skip(cell.text, why, locate(row.number, cell.number))

    def _record_row(self, row: _Row, roles: dict[int, tuple[str, str]],
                    locate: Callable[[int, int], Source]) -> None:
        """One statement from a row of a record table: the main cell, with the others.

        The main cell is the one under the section's column (Outcome, Provision); the row's
        reference and the outcomes it cites are kept as such; parts of provision (who, how
        often, how long) and an outcome's time frame go with it as context; steps are kept
        as the outcome's steps.
        """
        main = ref = None
        cites: tuple[str, ...] = ()
        context, steps = [], []
        for cell in row.cells:
            role, header = roles.get(cell.column, ("other", ""))
            text = cell.text
            if not text:
                continue
            source = locate(row.number, cell.number)
            if role in ("ref", "cites"):
                if role == "ref":
                    ref = furniture.canonical_reference(text) or text
                else:
                    cites = furniture.references(text)
                self.skip(text, "reference", source)
            elif role.startswith("section:"):
                if main is None:
                    main = (role[8:], header, cell, source)
                else:
                    context.append(f"{header}: {text}")
            elif role == "steps":
                steps.append(text)
            elif role == "area":
                continue  # a label for the row, like an area-of-need column
            else:
                context.append(f"{header}: {text}" if header else text)
        if main is None:
            return
        column_letter, header, cell, source = main
        text = cell.text
        why = furniture.skip_reason(text)
        letter = self.section if SECTION_TYPES.get(self.section) == \
            SECTION_TYPES.get(column_letter) else column_letter
        if why is not None:
            self.skip(text, why, source, letter)
            return
        self._found([letter])
        self._add(letter, self.heading, text, source, None,
                  ref=ref or "", cites=cites, context=" | ".join(context),
                  steps=" | ".join(steps))

    def finish(self) -> PlanDocument:
        """Read the child's age, year and stage, and return the plan."""
        self._read_facts()
        if not self.plan.statements:
            self.plan.warnings.append(f"{self.plan.file}: no statements found")
        return self.plan

    def _linked_row(self, row_key: str, row: _Row, columns: dict[int, tuple[str, str]],
                    locate: Callable[[int, int], Source]) -> None:
        """Add a side-by-side row; cells of other columns (area of need, dates) are labels."""
        self.add_linked(row_key, [
            (*columns[cell.column], text, locate(row.number, cell.number))
            for cell in row.cells if cell.column in columns
            for kind, text in cell.parts if kind != "heading"])

    def _plain_row(self, row: _Row, locate: Callable[[int, int], Source]) -> None:
        if not self._seen_section or self.section == "A":
            self._about.append((": ".join(t for t in (c.text for c in row.cells) if t),
                                locate(row.number, 1)))
        filled = [cell for cell in row.cells if cell.text]
        if len(filled) == 2 and furniture.is_reference(filled[0].text) and \
                not furniture.is_reference(filled[1].text) and \
                not _heading_cell(filled[1].text) and not self._furniture(
                    filled[1].text, locate(row.number, filled[1].number)):
            self.skip(filled[0].text, "reference", locate(row.number, filled[0].number))
            self._add(self.section, self.heading, filled[1].text,
                      locate(row.number, filled[1].number),
                      ref=furniture.canonical_reference(filled[0].text))
            return
        for cell in row.cells:
            parts = [(kind, normalise(text)) for kind, text in cell.parts if normalise(text)]
            source = locate(row.number, cell.number)
            if len(parts) == 1 and furniture.is_reference(parts[0][1]):
                self.skip(parts[0][1], "reference", source)
                continue
            if len(parts) == 1 and (parts[0][0] == "heading" or is_heading_line(parts[0][1])):
                self.add_heading(parts[0][1], _SUBHEADING_LEVEL, source)
                continue
            for _, text in parts:
                if text.endswith(":"):
                    self.skip(text, "table_header", source)
                elif not self._furniture(text, source):
                    self._add(self.section, self.heading, text, source)

    def _add(self, section: str, heading: str, text: str, source: Source,
             row_key: str | None = None, **extra) -> None:
        if section == ADVICE_SECTION:
            self.skip(text, "advice_list", source, section)
            return
        statements = self.plan.statements
        statements.append(RawStatement(section, heading, text, source, len(statements), row_key,
                                       **extra))
        if section == "A" or not self._seen_section:
            self._about.append((text, source))
        else:
            self._text.append((text, source))

    def _read_facts(self) -> None:
        """Year group, age and stage: the cover first, then the text; say where each is from.

        The age is the cover's, else the date of birth on the plan's date, else the text's.
        """
        plan, facts = self.plan, self.plan.facts
        for name in ("year_group", "age"):
            if name in self._cover:
                value, where = self._cover[name]
                facts[name] = Fact(value, where)
        born, dated = self._cover.get("date_of_birth"), self._cover.get("plan_date")
        if "age" not in facts and born and dated:
            age = furniture.age_on(born[0], dated[0])
            if age is not None:
                facts["age"] = Fact(age, f"{born[1]}, on {dated[1]}")
        for text, source in (*self._about, *self._text):
            if "age" not in facts:
                age = extract_age(text)
                if age is not None:
                    facts["age"] = Fact(age, f"text: {_quote(text)} ({source})")
            if "year_group" not in facts:
                year = extract_year_group(text)
                if year is not None:
                    facts["year_group"] = Fact(year, f"text: {_quote(text)} ({source})")
        plan.year_group = facts["year_group"].value if "year_group" in facts else None
        plan.age = facts["age"].value if "age" in facts else None
        stage = furniture.stage_of(plan.year_group, plan.age)
        if stage:
            facts["stage"] = Fact(stage, "year group" if plan.year_group is not None else "age")

    def _found(self, letters: list[str] | tuple[str, ...]) -> None:
        """Note sections as found, once each, in the order they first appear."""
        for letter in letters:
            if letter not in self.plan.sections_found:
                self.plan.sections_found.append(letter)


_RUNS_ON = frozenset("""a an and as at because but by for from in into of on or than that the
their his her to was were which who with whose""".split())


def _continues(last: str, first: str) -> bool:
    """Whether a page's first line carries on the paragraph the page before left unfinished.

    It does when it starts in lower case or with a digit, or when the paragraph stopped on a
    word that cannot end one ("and", "the", "with"...).
    """
    if not first:
        return False
    words = last.split()
    return first[0].islower() or first[0].isdigit() or (
        bool(words) and words[-1].lower().strip(",;") in _RUNS_ON) or last.endswith((",", ";"))


def _is_field(line: str) -> bool:
    """Whether a line is a short "Label: value" field, as covers list personal details."""
    labelled = _LABELLED.match(normalise(line))
    return bool(labelled) and furniture.is_label(labelled.group(1)) and \
        len(labelled.group(2).split()) <= 12


def _quote(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit - 1] + "…")


def _heading_cell(text: str) -> bool:
    """Whether a lone cell of a table is a heading (a shaded heading row)."""
    return not furniture.is_reference(text) and (
        is_heading_line(text) or (bool(sections_of_heading(text)) and len(text.split()) <= 12
                                  and text[-1:] not in ".;!?"))


def _reference_columns(rows: list[_Row]) -> set[int]:
    """Grid columns whose filled cells (at least one) all hold references ("E1", "E2, E4")."""
    seen: dict[int, bool] = {}
    for row in rows:
        if row.merged:
            continue
        for cell in row.cells:
            if cell.text:
                seen[cell.column] = seen.get(cell.column, True) and \
                    furniture.is_reference(cell.text)
    return {column for column, all_refs in seen.items() if all_refs}


def _record_roles(row: _Row, references: set[int]) -> dict[int, tuple[str, str]]:
    """Column roles of a record table's header row (one statement a row), or ``{}``.

    A record table has one column of statements (``Outcome``, ``Provision``) and others that
    describe it: a reference, the outcomes it cites, who, how often, how long, by when,
    steps. Its header needs the statements' column and at least one of the others.
    """
    roles: dict[int, tuple[str, str]] = {}
    for cell in row.cells:
        header = cell.text
        key = header.lower().strip(" :")
        if not key:
            continue
        role = next((name for name, pattern in _COLUMN_ROLES if pattern.search(key)), None)
        if cell.column in references:
            role = "cites" if role == "cites" or (role != "ref" and cell.number > 1) else "ref"
        if role is None:
            section = column_section(header)
            role = f"section:{section}" if section else ("area" if re.search(
                r"\barea\b|\bdomain\b|\bcategory\b", key) else "other")
        roles[cell.column] = (role, header)
    kinds = [role for role, _ in roles.values()]
    mains = [k for k in kinds if k.startswith("section:")]
    described = [k for k in kinds if k in ("ref", "cites", "who", "how_often", "how_long",
                                           "frequency", "by_when", "steps")]
    if len(mains) >= 1 and described and all(len(h.split()) <= 6 for _, h in roles.values()):
        return roles
    return {}


def _looks_like_header(texts: list[str]) -> bool:
    """Whether a table's first row reads as column headers: short labels, no sentences."""
    filled = [t for t in texts if t]
    return len(filled) >= 2 and all(len(t.split()) <= 6 and t[-1] not in ".!?" for t in filled)


def read_document(path: str | Path, plan_id: str | None = None) -> PlanDocument:
    """Read one plan document into its statements, sections, year group and age.

    Parameters
    ----------
    path
        A ``.docx``, ``.pdf`` (with a text layer), ``.md``/``.markdown`` or ``.txt`` file.
        Text files are read as UTF-8 (or UTF-16 with a byte-order mark), falling back to
        Windows-1252 with a warning.
    plan_id
        The plan's identifier; by default the file name without its extension.

    Returns
    -------
    PlanDocument
        Statements in document order, each with its section and source location.

    Raises
    ------
    DocumentError
        When the file is missing, a folder, of another type, empty, damaged, encrypted, or a
        PDF with no text layer; the message says how to fix it.
    """
    file = Path(path)
    kind = _check_file(file)
    builder = _PlanBuilder(plan_id or file.stem, str(path))
    try:
        if kind == "docx":
            _read_docx(file, builder)
        elif kind == "pdf":
            _read_pdf(file, builder)
        else:
            text, warnings = _decode(file.read_bytes(), file)
            builder.plan.warnings.extend(warnings)
            if "\f" in text.strip("\f"):  # pages, as a PDF-to-text export writes them
                _read_pages([page.splitlines() for page in text.split("\f")], builder,
                            markdown=kind == "markdown")
            else:
                _LineReader(builder, markdown=kind == "markdown").read(text.splitlines())
    except PermissionError as exc:
        raise DocumentError(f"{path}: cannot be read (permission denied); check the file's "
                            "permissions") from exc
    return builder.finish()


def _check_file(file: Path) -> str:
    """Refuse what cannot be a readable plan document; return its reader."""
    if not file.exists():
        raise DocumentError(f"{file}: no such file; check the path")
    if file.is_dir():
        raise DocumentError(f"{file}: is a folder, not a document; give the path of a plan "
                            "file (.docx, .pdf, .md or .txt)")
    kind = DOCUMENT_SUFFIXES.get(file.suffix.lower())
    if kind is None:
        hint = " (an old Word file)" if file.suffix.lower() == ".doc" else ""
        raise DocumentError(f"{file}: cannot read {file.suffix or 'extension-less'!s} files"
                            f"{hint}; save the plan as .docx, .pdf, .md or .txt")
    if file.stat().st_size == 0:
        raise DocumentError(f"{file}: is empty (0 bytes); export or copy the plan again")
    return kind


def _decode(data: bytes, file: Path) -> tuple[str, list[str]]:
    """Text of a text file: UTF-8 (or a UTF-16 BOM), else Windows-1252 with a warning."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace"), []
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), []
    if b"\x00" in data[:4096]:
        raise DocumentError(f"{file}: is not a text file (it holds binary data); save the plan "
                            "as .txt, .md, .docx or .pdf")
    try:
        text, warnings = data.decode("utf-8"), []
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        warnings = [f"{file}: not UTF-8; read as Windows-1252"]
    if not text.strip():
        raise DocumentError(f"{file}: has no text; export or copy the plan again")
    return text, warnings


# --- DOCX -------------------------------------------------------------------------------------


def _read_docx(file: Path, builder: _PlanBuilder) -> None:
    """Read a Word document's body: paragraphs and tables, in order."""
    body, styles, running = _open_docx(file)
    for text in running:
        builder.skip(text, "running_header", Source(builder.plan.file))
    paragraph = table = 0
    has_text = False
    for element in _docx_blocks(body):
        if element.tag == _TBL:
            table += 1
            rows = _docx_rows(element, styles)
            has_text = has_text or any(cell.parts for row in rows for cell in row.cells)
            builder.add_table(table, rows, lambda r, c, n=table: Source(
                builder.plan.file, table=n, row=r, cell=c))
            continue
        paragraph += 1
        source = Source(builder.plan.file, paragraph=paragraph)
        kind, level = _docx_paragraph_kind(element, styles)
        for part_kind, text in _docx_parts(element, kind):
            has_text = True
            if part_kind == "heading":
                builder.add_heading(text, level, source)
            elif part_kind == "contents":
                builder.skip(text, "contents", source)
            elif part_kind == "para" and is_heading_line(text):
                builder.add_heading(text, 1, source)
            elif part_kind == "item" and is_heading_line(text) and sections_of_heading(text):
                builder.add_heading(text, 1, source)  # a numbered heading typed as a list
            else:
                builder.add_paragraph(text, source, item=part_kind == "item")
    if not has_text:
        raise DocumentError(f"{file}: has no text; check it is the finished plan")


def _open_docx(file: Path) -> tuple[object, dict[str, str], list[str]]:
    """The body element of a DOCX, its style names and its headers' and footers' paragraphs.

    The package is read with :mod:`zipfile` and lxml (which python-docx brings): parsing only
    the main document is several times faster than building python-docx's model of every
    part.
    """
    from lxml import etree

    with file.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise DocumentError(f"{file}: is password-protected or an old Word (.doc) file; remove "
                            "the password or save it as .docx")
    if not head.startswith(b"PK"):
        raise DocumentError(f"{file}: is not a Word .docx file (damaged or another format); "
                            "open it in Word and save it again as .docx")
    from ehcp_nlp.safe import zip_too_large

    too_large = zip_too_large(file)
    if too_large:
        raise DocumentError(f"{file}: {too_large}; not read")
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        with zipfile.ZipFile(file) as archive:
            main = _docx_part(archive, "_rels/.rels", "officeDocument") or "word/document.xml"
            document = etree.fromstring(archive.read(main), parser)
            folder, _, name = main.rpartition("/")
            rels = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
            styles_part = _docx_part(archive, rels, "styles")
            styles = archive.read(styles_part) if styles_part in archive.namelist() else b""
            running: list[str] = []
            for part in _docx_parts_of(archive, rels, ("header", "footer")):
                root = etree.fromstring(archive.read(part), parser)
                for paragraph in root.iter(_P):
                    text = normalise(_docx_text(paragraph))
                    if text and text not in running:
                        running.append(text)
    except (zipfile.BadZipFile, KeyError, ValueError, zlib.error, etree.XMLSyntaxError) as exc:
        raise DocumentError(f"{file}: is damaged and cannot be read as a .docx; open it in Word "
                            "and save it again") from exc
    body = document.find(f"{_W}body")
    if body is None:
        raise DocumentError(f"{file}: is not a Word document this reader knows (Strict Open XML "
                            "or another format); save it again as a standard .docx")
    return body, _style_names(styles), running


def _docx_part(archive: zipfile.ZipFile, rels: str, kind: str) -> str | None:
    """The package path of the part a relationships file links as ``kind``, if any."""
    parts = _docx_parts_of(archive, rels, (kind,))
    return parts[0] if parts else None


def _docx_parts_of(archive: zipfile.ZipFile, rels: str, kinds: tuple[str, ...]) -> list[str]:
    """The package paths of the parts a relationships file links as one of ``kinds``."""
    if rels not in archive.namelist():
        return []
    from lxml import etree

    folder = rels.split("_rels/")[0].rstrip("/")
    root = etree.fromstring(archive.read(rels), etree.XMLParser(resolve_entities=False,
                                                                no_network=True))
    names = set(archive.namelist())
    paths = []
    for relationship in root:
        if relationship.get("Type", "").rsplit("/", 1)[-1] in kinds and \
                relationship.get("TargetMode") != "External":
            target = relationship.get("Target", "")
            path = target[1:] if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target))
            if path in names:
                paths.append(path)
    return paths


def _style_names(styles: bytes) -> dict[str, str]:
    """Style id to lower-case name, from the styles part.

    Scanned rather than parsed: Word's styles part is often a third of a megabyte of latent
    styles, and parsing it would cost more than reading the whole body. Ids missing here are
    read as names (Word's own ids are the English names without spaces: ``Heading1``).
    """
    return {m.group(1).decode("utf-8", "replace"):
            html.unescape(m.group(2).decode("utf-8", "replace")).lower()
            for m in _STYLE_NAME.finditer(styles)}


def _docx_blocks(parent) -> Iterator:
    """Paragraphs and tables under a body or cell, in order, inside content controls too."""
    for child in parent.iterchildren():
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag == _SDT:
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _docx_blocks(content)


def _docx_text(paragraph) -> str:
    """A paragraph's text, including hyperlinks, fields and inline content controls."""
    parts = []
    for element in paragraph.iter(*_TEXT_TAGS):
        fixed = _TEXT_TAGS[element.tag]
        if fixed is not None:
            parts.append(fixed)
        elif len(element):  # an entity reference (never resolved) splits the text: keep it all
            parts.append("".join(element.itertext()))
        else:
            parts.append(element.text or "")
    return "".join(parts)


def _docx_paragraph_kind(paragraph, styles: dict[str, str]) -> tuple[str, int]:
    """``("heading", level)``, ``("item", 0)`` or ``("para", 0)`` from style and numbering."""
    properties = paragraph.find(f"{_W}pPr")
    if properties is None:
        return "para", 0
    style = properties.find(f"{_W}pStyle")
    style_id = style.get(f"{_W}val", "") if style is not None else ""
    name = styles.get(style_id, style_id.lower())
    if name.startswith(("toc", "table of contents")):
        return "contents", 0
    heading = _HEADING_STYLE.search(name)
    if heading:
        return "heading", int(heading.group(1)) if heading.group(1) else int("title" not in name)
    outline = properties.find(f"{_W}outlineLvl")
    if outline is not None and outline.get(f"{_W}val", "9").isdigit() and \
            int(outline.get(f"{_W}val", "9")) < 9:
        return "heading", int(outline.get(f"{_W}val")) + 1
    if "list" in name or properties.find(f"{_W}numPr") is not None:
        return "item", 0
    return "para", 0


def _docx_parts(paragraph, kind: str) -> list[tuple[str, str]]:
    """Split a paragraph at typed line breaks that start list items; strip typed markers."""
    lines = [line for line in _docx_text(paragraph).split("\n") if line.strip()]
    if not lines:
        return []
    if kind == "heading":
        return [("heading", " ".join(lines))]
    if len(lines) > 1 and any(list_item_text(line) is not None for line in lines):
        return [_line_part(line, kind) for line in lines]
    return [_line_part(" ".join(lines), kind)]


def _line_part(text: str, kind: str) -> tuple[str, str]:
    item = list_item_text(text)
    return ("item", item) if item is not None else (kind, text)


def _docx_rows(table, styles: dict[str, str]) -> list[_Row]:
    """A table's rows and cells; merged cells are read once, where they start."""
    grid = table.find(f"{_W}tblGrid")
    width = len(grid.findall(f"{_W}gridCol")) if grid is not None else 0
    rows = []
    for number, tr in enumerate(table.iterchildren(_TR), start=1):
        cells, column, count = [], 0, 0
        for tc in tr.iterchildren(_TC):
            count += 1
            span, continued = _docx_cell_span(tc)
            if not continued:
                cells.append(_Cell(len(cells) + 1, column, _docx_cell_parts(tc, styles)))
            column += span
        header = tr.find(f"{_W}trPr/{_W}tblHeader") is not None
        rows.append(_Row(number, cells, count == 1 and column >= max(width, 2), header))
    return rows


def _docx_cell_span(tc) -> tuple[int, bool]:
    """How many grid columns a cell spans, and whether it continues a merge from above."""
    properties = tc.find(f"{_W}tcPr")
    if properties is None:
        return 1, False
    grid_span = properties.find(f"{_W}gridSpan")
    value = grid_span.get(f"{_W}val", "1") if grid_span is not None else "1"
    merge = properties.find(f"{_W}vMerge")
    continued = merge is not None and merge.get(f"{_W}val") in (None, "continue")
    return (int(value) if value.isdigit() else 1), continued


def _docx_cell_parts(tc, styles: dict[str, str]) -> list[tuple[str, str]]:
    parts = []
    for element in _docx_blocks(tc):
        if element.tag == _TBL:  # a nested table: its cells' text, in order
            parts += [p for row in _docx_rows(element, styles) for c in row.cells
                      for p in c.parts]
        else:
            parts += _docx_parts(element, _docx_paragraph_kind(element, styles)[0])
    return parts


# --- PDF --------------------------------------------------------------------------------------


def _read_pdf(file: Path, builder: _PlanBuilder) -> None:
    """Read a PDF's text layer page by page."""
    _read_pages([text.splitlines() for text in _pdf_pages(file)], builder)


def _read_pages(pages: list[list[str]], builder: _PlanBuilder, *, markdown: bool = False
                ) -> None:
    """Read pages of lines, as a PDF's text layer or a text export gives them.

    Running headers, footers and page numbers are skipped, and a paragraph that a page break
    cuts in two is joined.
    """
    repeated = _page_furniture(pages)
    reader = _LineReader(builder, markdown=markdown)
    for number, lines in enumerate(pages, start=1):
        kept, numbers = [], []
        for index, line in enumerate(lines, start=1):
            text = normalise(line)
            if text and (_furniture_key(text) in repeated or furniture.is_page_number(text)):
                why = "page_number" if furniture.is_page_number(text) else "running_header"
                builder.skip(text, why, Source(builder.plan.file, page=number, paragraph=index))
                continue
            kept.append(line)
            numbers.append(index)
        while kept and not kept[-1].strip():
            kept.pop()
            numbers.pop()
        while kept and not kept[0].strip():  # a paragraph cut by the page break runs on
            kept.pop(0)
            numbers.pop(0)
        reader.read(kept, page=number, numbers=numbers, last=number == len(pages))


def _pdf_pages(file: Path) -> list[str]:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, PyPdfError

    with file.open("rb") as handle:
        if b"%PDF" not in handle.read(1024):
            raise DocumentError(f"{file}: is not a PDF (damaged or another format); export "
                                "the plan to PDF again")
    try:
        reader = PdfReader(str(file))
        if reader.is_encrypted:
            try:
                opened = reader.decrypt("")
            except (DependencyError, NotImplementedError):
                opened = 0
            if not opened:
                raise DocumentError(f"{file}: is encrypted with a password; save a copy "
                                    "without the password and try again")
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, IndexError, AttributeError,
            zlib.error) as exc:
        raise DocumentError(f"{file}: is damaged and cannot be read as a PDF "
                            f"({type(exc).__name__}); export the plan to PDF again") from exc
    if not any(text.strip() for text in pages):
        raise DocumentError(f"{file}: has no text layer (a scanned image?); run OCR on it "
                            "first (for example ocrmypdf) and try again")
    return pages


def _page_furniture(pages: list[list[str]]) -> set[str]:
    """Lines at the top or bottom of most pages (a running header or footer)."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        filled = [normalise(line) for line in lines if line.strip()]
        counts.update({_furniture_key(line) for line in filled[:2] + filled[-2:]})
    return {line for line, n in counts.items() if n >= 2 and n * 2 >= len(pages)}


def _furniture_key(line: str) -> str:
    """A line with its numbers blanked: "Page 3 of 9" and "Page 4 of 9" are one line."""
    return _DIGITS.sub("#", normalise(line))


# --- Text and Markdown ------------------------------------------------------------------------


class _LineReader:
    """Headings, list items, paragraphs and tables from lines of text, Markdown or a PDF page.

    A paragraph runs over lines until a blank line, or until a line that ends a sentence is
    followed by one that starts with a capital (text exported one paragraph a line).
    """

    def __init__(self, builder: _PlanBuilder, *, markdown: bool) -> None:
        self.builder, self.markdown = builder, markdown
        self.tables = 0
        self._page: int | None = None
        self._lines: list[str] = []
        self._item = False
        self._source: Source | None = None
        self._labelled: list[tuple[str, str, str, Source]] = []

    def read(self, lines: list[str], page: int | None = None, *,
             numbers: list[int] | None = None, last: bool = True) -> None:
        """Read the lines of a file, or of one page.

        Lines are numbered from 1 on each page, or as ``numbers`` says; a paragraph
        unfinished at the end of a page that is not the ``last`` runs on into the next.
        """
        self._page, index = page, 0
        number_of = (lambda i: numbers[i]) if numbers is not None else (lambda i: i + 1)
        if self._lines and lines and not _continues(self._lines[-1], lines[0].strip()):
            self._flush(end_row=True)  # what the last page left unfinished ends there
        while index < len(lines):
            line = lines[index].strip()
            if self.markdown:
                if line.startswith("|") and index + 1 < len(lines) and \
                        _MD_TABLE_RULE.match(lines[index + 1].strip()):
                    index = self._table(lines, index)
                    continue
                line = _MD_QUOTE.sub("", line)
            self._line(line, number_of(index))
            index += 1
        if last or not self._lines or self._lines[-1][-1:] in (".", "!", "?", ":"):
            self._flush(end_row=True)

    def _source_at(self, number: int, **cell: int) -> Source:
        return Source(self.builder.plan.file, page=self._page, paragraph=number, **cell)

    def _line(self, line: str, number: int) -> None:
        if not line:
            self._flush(end_row=True)
            return
        heading = _MD_HEADING.match(line) if self.markdown else None
        if heading:
            self._flush(end_row=True)
            self.builder.add_heading(_strip_markdown(heading.group(2)), len(heading.group(1)),
                                     self._source_at(number))
            return
        if _UNDERLINE.match(line) and len(self._lines) == 1 and not self._item:
            text, source = self._lines[0], self._source
            self._lines = []
            self.builder.add_heading(text, 1 if line[0] == "=" else 2, source or
                                     self._source_at(number))
            return
        if _RULE.match(line) or _UNDERLINE.match(line):  # a rule, or underlines a heading
            self._flush(end_row=True)
            return
        if self.markdown:
            line = _strip_markdown(line)
        if is_heading_line(line):
            self._flush(end_row=True)
            self.builder.add_heading(line, 1, self._source_at(number))
            return
        item = list_item_text(line)
        if item == "":
            return
        if item is not None:
            self._flush()
            self._lines, self._item, self._source = [item], True, self._source_at(number)
        elif self._lines and not self.builder.seen_section and _is_field(line):
            self._flush()  # "Name: Sam Doe" then "Date of birth: ...": one field a line
            self._lines, self._item, self._source = [line], False, self._source_at(number)
        elif self._lines and (self._lines[-1][-1] not in ".!?:" or line[0].islower()):
            self._lines.append(line)
        else:
            self._flush()
            self._lines, self._item, self._source = [line], False, self._source_at(number)

    def _flush(self, *, end_row: bool = False) -> None:
        """Hand the paragraph being read to the builder; a labelled one waits for its row."""
        if self._lines and self._source is not None:
            text = normalise(" ".join(self._lines))
            labelled = None if self._item else _LABELLED.match(text)
            section = column_section(labelled.group(1)) if labelled and \
                len(labelled.group(1).split()) <= 6 else None
            if section:
                self._labelled.append((section, labelled.group(1), labelled.group(2),
                                       self._source))
            else:
                self._flush_row()
                self.builder.add_paragraph(text, self._source, item=self._item)
        self._lines, self._item, self._source = [], False, None
        if end_row:
            self._flush_row()

    def _flush_row(self) -> None:
        """Labelled lines naming two sections or more are one side-by-side row."""
        entries, self._labelled = self._labelled, []
        if len({section for section, *_ in entries}) >= 2:
            self.builder.add_linked(f"L{entries[0][3].paragraph}", entries)
            return
        for _, label, text, source in entries:
            self.builder.add_paragraph(f"{label}: {text}", source)

    def _table(self, lines: list[str], start: int) -> int:
        """Read a Markdown pipe table starting at ``start``; return the index after it."""
        self._flush(end_row=True)
        numbers = [start + 1]
        rows = [_Row(1, _markdown_cells(lines[start]), header=True)]
        index = start + 2
        while index < len(lines) and lines[index].strip().startswith("|"):
            numbers.append(index + 1)
            rows.append(_Row(len(rows) + 1, _markdown_cells(lines[index])))
            index += 1
        self.tables += 1
        table = self.tables
        self.builder.add_table(table, rows, lambda r, c: self._source_at(
            numbers[r - 1], table=table, row=r, cell=c))
        return index


def _markdown_cells(line: str) -> list[_Cell]:
    texts = _MD_CELL_SPLIT.split(line.strip().strip("|"))
    cells = []
    for number, text in enumerate(texts, start=1):
        parts = [_line_part(_strip_markdown(p), "para") for p in _MD_BREAK.split(text)]
        cells.append(_Cell(number, number - 1, [p for p in parts if p[1]]))
    return cells


def _strip_markdown(text: str) -> str:
    """Drop emphasis, code marks, links and HTML tags, keeping the words."""
    for pattern, replacement in _MD_INLINE:
        text = pattern.sub(replacement, text)
    return text.strip()
