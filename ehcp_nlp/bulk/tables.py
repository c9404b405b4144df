"""Read statements from tables: CSV, TSV, JSON Lines, Parquet and Excel, a chunk at a time.

A table has one statement a row, in a text column, and optionally the plan it belongs to, its
section and the child's age or school year. Column names are matched case-insensitively
against the usual names (``text``/``statement``, ``plan_id``/``plan``, ``section``,
``year_group``/``year``, ``age``, ``ref`` and the outcomes a provision row cites,
``outcome_ref``). Files are read in chunks, so a table of millions of rows
never sits in memory whole. CSV and TSV files that are not UTF-8 are read as Windows-1252,
with a warning.
"""

from __future__ import annotations

import codecs
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ehcp_nlp.errors import EhcpError
from ehcp_nlp.safe import SURROGATE

#: File suffixes read as tables, by reader.
TABLE_SUFFIXES = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl",
                  ".ndjson": "jsonl", ".parquet": "parquet", ".pq": "parquet",
                  ".xlsx": "excel", ".xlsm": "excel"}
#: Accepted names of each column, lower case, in order of preference.
COLUMN_NAMES = {
    "text": ("text", "statement", "statement_text", "content", "description"),
    "plan_id": ("plan_id", "plan", "ehcp_id", "plan_ref", "case_id", "child_id", "group"),
    "section": ("section", "plan_section", "ehcp_section"),
    "year_group": ("year_group", "year", "school_year", "ncy", "national_curriculum_year"),
    "age": ("age", "age_years"),
    "ref": ("ref", "reference", "statement_ref", "item_ref"),
    "cites": ("outcome_ref", "outcome_refs", "outcomes_ref", "linked_outcomes", "outcomes",
              "supports_outcomes", "outcome_reference", "cites"),
}


class TableError(EhcpError):
    """A table cannot be read at all (unreadable, wrong format, no text column)."""

    code = "E301"


@dataclass(slots=True)
class TableChunk:
    """Rows of a table, with the columns the analysis uses.

    Attributes
    ----------
    frame
        Columns ``text``, ``plan_id``, ``section``, ``year_group``, ``age`` (missing ones are
        empty) and ``row`` (the row's number in the file, from 1).
    warnings
        What was odd but readable (an encoding fallback).
    """

    frame: pd.DataFrame
    warnings: list[str] = field(default_factory=list)


def is_table(path: str | Path) -> bool:
    """Whether a file is read as a table (by its suffix)."""
    return Path(path).suffix.lower() in TABLE_SUFFIXES


def read_table(path: str | Path, *, text_column: str | None = None,
               chunk_size: int = 50_000) -> Iterator[TableChunk]:
    """Yield a file's rows in chunks of at most ``chunk_size``.

    Raises
    ------
    TableError
        When the file cannot be read, or has no text column (the message lists its columns).
    """
    path = Path(path)
    kind = TABLE_SUFFIXES.get(path.suffix.lower())
    if kind is None:
        raise TableError(f"{path}: not a table (read: {', '.join(sorted(TABLE_SUFFIXES))})")
    if not path.is_file():
        raise TableError(f"{path}: no such file" if not path.exists()
                         else f"{path}: not a file; give a table file or a folder of them")
    warnings: list[str] = []
    try:
        if kind in ("csv", "tsv"):
            encoding = _encoding(path)
            source: object = path
            if encoding != "utf-8-sig":  # decoded line by line: UTF-8 where it is, else 1252
                source = mixed = _MixedLines(path)
            raw = pd.read_csv(source, sep="," if kind == "csv" else "\t", dtype=str,
                              keep_default_na=False, chunksize=chunk_size,
                              on_bad_lines="error",
                              **({"encoding": encoding} if source is path else {}))
        elif kind == "jsonl":
            raw = pd.read_json(path, lines=True, dtype=False, chunksize=chunk_size,
                               encoding="utf-8")
        elif kind == "parquet":
            raw = _parquet_chunks(path, chunk_size)
        else:
            raw = _excel_chunks(path, chunk_size)
        first_row = 1
        mapping = None
        for frame in raw:
            if mapping is None:
                mapping = _columns(path, frame.columns, text_column)
            chunk = _normalise(frame, mapping, first_row)
            first_row += len(frame)
            if kind in ("csv", "tsv") and encoding != "utf-8-sig" and mixed.fallback:
                warnings.append(f"{path}: {mixed.fallback:,} lines not UTF-8, read as "
                                "Windows-1252 (the others as UTF-8)")
                mixed.fallback = 0
            yield TableChunk(chunk, warnings)
            warnings = []
        if mapping is None:  # an empty table: check the header anyway
            raise TableError(f"{path}: the table has no rows")
    except TableError:
        raise
    except (ValueError, OSError, UnicodeDecodeError, ImportError, KeyError) as exc:
        raise TableError(f"{path}: could not be read as {kind} ({_reason(exc)}); check the "
                         f"file's format and encoding") from None


class _MixedLines(io.TextIOBase):
    """A file's text, each line decoded as UTF-8 or, failing that, Windows-1252.

    A CSV pasted together from several exports can mix the two; decoding it whole as one
    would turn the other's accents into mojibake. ``fallback`` counts the Windows-1252 lines
    read since it was last reset.
    """

    def __init__(self, path: Path) -> None:
        self._handle = path.open("rb")
        self._pending = ""
        self.fallback = 0
        self._first = True

    def readable(self) -> bool:
        return True

    def _line(self) -> str:
        raw = self._handle.readline()
        if self._first:
            raw = raw.removeprefix(codecs.BOM_UTF8)
            self._first = False
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            self.fallback += 1
            return raw.decode("cp1252", errors="replace")

    def read(self, size: int = -1) -> str:
        parts = [self._pending]
        total = len(self._pending)
        while size < 0 or total < size:
            line = self._line()
            if not line:
                break
            parts.append(line)
            total += len(line)
        text = "".join(parts)
        if size < 0:
            self._pending = ""
            return text
        self._pending = text[size:]
        return text[:size]

    def readline(self, size: int = -1) -> str:
        if self._pending:
            line, sep, rest = self._pending.partition("\n")
            if sep:
                self._pending = rest
                return line + sep
            self._pending = ""
            return line + self._line()
        return self._line()

    def close(self) -> None:
        self._handle.close()
        super().close()


def _reason(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:160]}" if text else type(exc).__name__


def _encoding(path: Path, block: int = 1 << 20) -> str:
    """``utf-8-sig`` when the whole file decodes as UTF-8, else ``cp1252``."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        try:
            while data := fh.read(block):
                decoder.decode(data)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _columns(path: Path, columns, text_column: str | None) -> dict[str, str | None]:
    by_lower = {str(c).strip().lower(): c for c in columns}
    mapping: dict[str, str | None] = {}
    for name, accepted in COLUMN_NAMES.items():
        mapping[name] = next((by_lower[a] for a in accepted if a in by_lower), None)
    if text_column is not None:
        found = by_lower.get(text_column.strip().lower())
        if found is None:
            raise TableError(f"{path}: no column {text_column!r}; columns are "
                             f"{', '.join(map(str, columns))}")
        mapping["text"] = found
    elif mapping["text"] is None:
        raise TableError(f"{path}: no text column (looked for {', '.join(COLUMN_NAMES['text'])}"
                         f"); columns are {', '.join(map(str, columns))}; pass --text-column")
    return mapping


def _normalise(frame: pd.DataFrame, mapping: dict[str, str | None], first_row: int
               ) -> pd.DataFrame:
    out = pd.DataFrame(index=range(len(frame)))
    for name, column in mapping.items():
        if column is None:
            out[name] = ""
        else:
            values = frame[column].reset_index(drop=True)
            values = values.where(values.notna(), "").astype(str)
            # unpaired surrogates (a damaged export) cannot be written to any output file
            out[name] = values.str.replace(SURROGATE.pattern, "\ufffd", regex=True)
    out["row"] = range(first_row, first_row + len(frame))
    return out


def _parquet_chunks(path: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    import pyarrow.parquet as pq

    with pq.ParquetFile(path) as table:
        for batch in table.iter_batches(batch_size=chunk_size):
            yield batch.to_pandas()


def _excel_chunks(path: Path, chunk_size: int) -> Iterator[pd.DataFrame]:
    from openpyxl import load_workbook

    from ehcp_nlp.safe import zip_too_large

    too_large = zip_too_large(path)
    if too_large:
        raise TableError(f"{path}: {too_large}; not read")
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        columns = [str(h) if h is not None else f"column {i + 1}" for i, h in enumerate(header)]
        batch: list[tuple] = []
        for row in rows:
            batch.append(row)
            if len(batch) == chunk_size:
                yield pd.DataFrame(batch, columns=columns)
                batch = []
        if batch:
            yield pd.DataFrame(batch, columns=columns)
    finally:
        book.close()
