"""Reading labelled corpus files: UTF-8 CSV, every cell a string."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from ehcp_nlp.errors import CorpusFormatError, InputFileError

#: The spreadsheet row of the first statement (row 1 is the header).
FIRST_ROW = 2


def read_text_file(path: str | Path) -> str:
    """Return the text of a UTF-8 file, or raise a one-line :class:`InputFileError`.

    Parameters
    ----------
    path
        The file to read.
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise InputFileError(f"{path}: is a directory; give the path of a CSV file inside it")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputFileError(
            f"{path}: cannot be read ({exc.strerror}); check its permissions"
        ) from None
    if b"\x00" in raw[:8192]:
        raise InputFileError(f"{path}: is a binary file, not text; give a UTF-8 CSV file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(
            f"{path}: is not UTF-8 (byte {exc.start}); re-save it as UTF-8 CSV"
        ) from None


def read_corpus(path: str | Path) -> pd.DataFrame:
    """Read a labelled corpus CSV into a DataFrame of strings (empty cells are ``""``).

    Parameters
    ----------
    path
        A UTF-8 CSV file with a header row, such as ``data/statements.csv``.

    Returns
    -------
    pandas.DataFrame
        One row per statement, columns as in the file, every value a ``str``.
    """
    text = read_text_file(path)
    if not text.strip():
        raise CorpusFormatError(f"{path}: is empty; a corpus needs a header row and statements")
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, na_filter=False
        )
    except (pd.errors.ParserError, csv.Error) as exc:
        first = str(exc).splitlines()[0]
        raise CorpusFormatError(
            f"{path}: is not valid CSV ({first}); quote cells that contain commas"
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame
