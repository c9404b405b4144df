"""Text made safe to show: CSV cells a spreadsheet will not run, terminal text with no codes.

A CSV cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read by
Excel, LibreOffice and Google Sheets as a formula ("CSV injection"): a statement copied from a
plan could run a command on the analyst's machine. OWASP's rule is to prefix such a cell with
a single quote, which the spreadsheet shows as text; every CSV ehcp-nlp writes does so
(Parquet and JSON Lines keep the raw text: they are read by programs, not spreadsheets).

Text shown in a terminal has its control characters removed (ANSI escape sequences, other C0
and C1 controls but tab and newline), so a statement or file name cannot move the cursor,
change colours or rewrite the screen.
"""

from __future__ import annotations

import os
import re
from typing import Any

#: Unpaired halves of UTF-16 surrogate pairs: no file can hold them (a damaged export or a
#: bad decode leaves them); every reader replaces them with U+FFFD.
SURROGATE = re.compile(r"[\ud800-\udfff]")
#: Characters that show nothing and carry no word (zero-width spaces and joiners, the
#: byte-order mark, soft hyphens).
ZERO_WIDTH = "\u200b\u200c\u200d\u2060\ufeff\u00ad"

#: First characters that make a spreadsheet read a cell as a formula (OWASP).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|"
                      r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def spreadsheet_safe(value: Any) -> Any:
    """The value, with a ``'`` before it when it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def safe_frame(frame):
    """A copy of a DataFrame whose text cells are :func:`spreadsheet_safe`, for ``to_csv``."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            out[column] = out[column].map(spreadsheet_safe)
    return out


def terminal_safe(text: str) -> str:
    """Text without escape sequences or control characters (tab and newline kept).

    Undecodable bytes of file names are escaped too (see :func:`display_name`).
    """
    return display_name(_CONTROL.sub("", text))


def display_name(name: Any) -> str:
    r"""A file name (or text holding one) that any output can hold.

    A name that is not valid UTF-8 reaches Python with its bad bytes as surrogates
    (``surrogateescape``); they are written as escapes (``\\xe9``), so the name stays
    recognisable and every output stays valid UTF-8.
    """
    text = os.fspath(name) if isinstance(name, os.PathLike) else str(name)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raw = text.encode("utf-8", "surrogateescape") if all(
            not ("\ud800" <= c <= "\udc7f" or "\udd00" <= c <= "\udfff") for c in text) \
            else text.encode("utf-8", "replace")
        return raw.decode("utf-8", "backslashreplace")


#: A zipped file (DOCX, XLSX) may unpack to at most this many bytes, and each member to at
#: most ``MAX_RATIO`` times its packed size: a 300 KB file that unpacks to gigabytes (a "zip
#: bomb") is refused before anything is inflated.
MAX_UNPACKED = 256 * 1024 * 1024
MAX_RATIO = 200


def zip_too_large(path) -> str | None:
    """Why a zip container should not be opened (too large unpacked), or ``None``."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None  # the reader says what is wrong with a damaged file
    total = sum(m.file_size for m in members)
    if total > MAX_UNPACKED:
        return (f"unpacks to {total / 2**20:,.0f} MB (more than {MAX_UNPACKED // 2**20} MB); "
                "is it really a plan?")
    for member in members:
        ratio = member.file_size // max(member.compress_size, 1)
        if member.file_size > 1_000_000 and ratio > MAX_RATIO:
            return (f"its part {member.filename} unpacks {ratio:,} times larger than it is "
                    "packed (a zip bomb?)")
    return None
