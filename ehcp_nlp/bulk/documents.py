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

from ehcp_nlp.bulk.records import PlanDocument, RawStatement, Source
from ehcp_nlp.bulk.sections import (
    WHOLE_PARAGRAPH_SECTIONS,
    column_section,
    extract_age,
    extract_year_group,
    is_heading_line,
    is_known_subheading,
    is_placeholder,
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
_PAGE_NUMBER = re.compile(r"^(?:page\s+)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?$", re.IGNORECASE)
_LABELLED = re.compile(r"^([^:]{1,60}?):\s+(\S.*)$")


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
        self._about: list[str] = []  # Section A and the opening: where age and year are read

    def add_heading(self, text: str, level: int, source: Source) -> None:
        """Start the section a heading names, or note a sub-heading."""
        text = normalise(text)
        if not text:
            return
        letters = sections_of_heading(text)
        self.heading = text
        if letters:
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
        if not text or is_placeholder(text):
            return
        whole = item or self.section in WHOLE_PARAGRAPH_SECTIONS
        for part in [text] if whole else split_sentences(text):
            if not is_placeholder(part):
                self._add(self.section, self.heading, part, source)

    def add_linked(self, row_key: str, entries: list[tuple[str, str, str, Source]]) -> None:
        """Add the statements of one side-by-side row: (section, heading, text, source)."""
        self._found([section for section, *_ in entries])
        for section, heading, text, source in entries:
            text = normalise(text)
            if text and not is_placeholder(text):
                self._add(section, heading, text, source, row_key)

    def add_table(self, number: int, rows: list[_Row],
                  locate: Callable[[int, int], Source]) -> None:
        """Add a table: side by side when its header names two sections, else cell by cell."""
        columns: dict[int, tuple[str, str]] = {}  # grid column: (section, header)
        header: list[str] = []
        for index, row in enumerate(rows):
            texts = [cell.text for cell in row.cells]
            if not any(texts):
                continue
            if row.merged:
                self.add_heading(texts[0], _SUBHEADING_LEVEL, locate(row.number, 1))
                continue
            if not columns and index < 3:
                found = {cell.column: (column_section(cell.text), cell.text) for cell in row.cells}
                if len({section for section, _ in found.values() if section}) >= 2:
                    columns = {k: (s, h) for k, (s, h) in found.items() if s is not None}
                    header = texts
                    self._found([section for section, _ in columns.values()])
                    continue
            if row.header or texts == header or (index == 0 and _looks_like_header(texts)):
                continue
            if columns:
                self._linked_row(f"t{number}r{row.number}", row, columns, locate)
            else:
                self._plain_row(row, locate)

    def finish(self) -> PlanDocument:
        """Read the child's age and year and return the plan."""
        for text in self._about:
            if self.plan.age is None:
                self.plan.age = extract_age(text)
            if self.plan.year_group is None:
                self.plan.year_group = extract_year_group(text)
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
            self._about.append(": ".join(t for t in (c.text for c in row.cells) if t))
        for cell in row.cells:
            parts = [(kind, normalise(text)) for kind, text in cell.parts if normalise(text)]
            source = locate(row.number, cell.number)
            if len(parts) == 1 and (parts[0][0] == "heading" or is_heading_line(parts[0][1])):
                self.add_heading(parts[0][1], _SUBHEADING_LEVEL, source)
                continue
            for _, text in parts:
                if not text.endswith(":") and not is_placeholder(text):
                    self._add(self.section, self.heading, text, source)

    def _add(self, section: str, heading: str, text: str, source: Source,
             row_key: str | None = None) -> None:
        statements = self.plan.statements
        statements.append(RawStatement(section, heading, text, source, len(statements), row_key))
        if section == "A" or not self._seen_section:
            self._about.append(text)

    def _found(self, letters: list[str] | tuple[str, ...]) -> None:
        """Note sections as found, once each, in the order they first appear."""
        for letter in letters:
            if letter not in self.plan.sections_found:
                self.plan.sections_found.append(letter)


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
    body, styles = _open_docx(file)
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
            elif part_kind == "para" and is_heading_line(text):
                builder.add_heading(text, 1, source)
            elif part_kind == "item" and is_heading_line(text) and sections_of_heading(text):
                builder.add_heading(text, 1, source)  # a numbered heading typed as a list
            else:
                builder.add_paragraph(text, source, item=part_kind == "item")
    if not has_text:
        raise DocumentError(f"{file}: has no text; check it is the finished plan")


def _open_docx(file: Path) -> tuple[object, dict[str, str]]:
    """The body element of a DOCX and its style names, or a one-line error.

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
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        with zipfile.ZipFile(file) as archive:
            main = _docx_part(archive, "_rels/.rels", "officeDocument") or "word/document.xml"
            document = etree.fromstring(archive.read(main), parser)
            folder, _, name = main.rpartition("/")
            rels = f"{folder}/_rels/{name}.rels" if folder else f"_rels/{name}.rels"
            styles_part = _docx_part(archive, rels, "styles")
            styles = archive.read(styles_part) if styles_part in archive.namelist() else b""
    except (zipfile.BadZipFile, KeyError, ValueError, zlib.error, etree.XMLSyntaxError) as exc:
        raise DocumentError(f"{file}: is damaged and cannot be read as a .docx; open it in Word "
                            "and save it again") from exc
    body = document.find(f"{_W}body")
    if body is None:
        raise DocumentError(f"{file}: is not a Word document this reader knows (Strict Open XML "
                            "or another format); save it again as a standard .docx")
    return body, _style_names(styles)


def _docx_part(archive: zipfile.ZipFile, rels: str, kind: str) -> str | None:
    """The package path of the part a relationships file links as ``kind``, if any."""
    if rels not in archive.namelist():
        return None
    from lxml import etree

    folder = rels.split("_rels/")[0].rstrip("/")
    root = etree.fromstring(archive.read(rels), etree.XMLParser(resolve_entities=False,
                                                                no_network=True))
    for relationship in root:
        if relationship.get("Type", "").endswith(f"/{kind}") and \
                relationship.get("TargetMode") != "External":
            target = relationship.get("Target", "")
            path = target[1:] if target.startswith("/") else posixpath.normpath(
                posixpath.join(folder, target))
            return path
    return None


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
        parts.append(element.text or "" if fixed is None else fixed)
    return "".join(parts)


def _docx_paragraph_kind(paragraph, styles: dict[str, str]) -> tuple[str, int]:
    """``("heading", level)``, ``("item", 0)`` or ``("para", 0)`` from style and numbering."""
    properties = paragraph.find(f"{_W}pPr")
    if properties is None:
        return "para", 0
    style = properties.find(f"{_W}pStyle")
    style_id = style.get(f"{_W}val", "") if style is not None else ""
    name = styles.get(style_id, style_id.lower())
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
    """Read a PDF's text layer page by page, leaving out repeated headers and footers."""
    pages = [text.splitlines() for text in _pdf_pages(file)]
    furniture = _page_furniture(pages)
    reader = _LineReader(builder, markdown=False)
    for number, lines in enumerate(pages, start=1):
        kept = ["" if line.strip() in furniture or _PAGE_NUMBER.match(line.strip()) else line
                for line in lines]
        reader.read(kept, page=number)


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
        filled = [line.strip() for line in lines if line.strip()]
        counts.update(set(filled[:2] + filled[-2:]))
    return {line for line, n in counts.items() if n >= 2 and n * 2 >= len(pages)}


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

    def read(self, lines: list[str], page: int | None = None) -> None:
        """Read the lines of a file, or of one PDF page (numbered from 1 on each page)."""
        self._page, index = page, 0
        while index < len(lines):
            line = lines[index].strip()
            if self.markdown:
                if line.startswith("|") and index + 1 < len(lines) and \
                        _MD_TABLE_RULE.match(lines[index + 1].strip()):
                    index = self._table(lines, index)
                    continue
                line = _MD_QUOTE.sub("", line)
            self._line(line, index + 1)
            index += 1
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
