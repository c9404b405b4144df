"""What the CLI commands share: the --model option, reading statements, the console."""

from __future__ import annotations

import sys
from functools import lru_cache
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from ehcp_nlp.errors import InputFileError

ModelOption = Annotated[
    Path | None,
    typer.Option("--model", "-m", help="Model directory (default: the bundled model).",
                 show_default=False),
]


@lru_cache(maxsize=1)
def console() -> Console:
    """The Rich console for standard output.

    In a terminal, long lines wrap at word boundaries; piped or redirected, output is plain
    text (no colour) and never wrapped, so a line holds its whole field.
    """
    return Console(soft_wrap=not sys.stdout.isatty())


def decode(raw: bytes, source: str) -> tuple[str, list[str]]:
    """Decode text as UTF-8, falling back to Windows-1252 with a warning."""
    if b"\x00" in raw[:8192]:
        raise InputFileError(f"{source}: is a binary file, not text; give a text file with "
                             "one statement a line")
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace"), [
            f"{source}: not UTF-8; read as Windows-1252 (save it as UTF-8 to avoid this)"
        ]


def read_statements(texts: list[str], file: Path | None) -> tuple[list[str], list[str]]:
    """The statements to score: from arguments, or one a line from a file or stdin."""
    if texts and file is not None:
        raise InputFileError("give statements as arguments or with --file, not both")
    if file is None:
        if not texts:
            raise InputFileError("no statement given; pass one in quotes, or use --file PATH "
                                 "(one statement a line, '-' for standard input)")
        empty = [i + 1 for i, t in enumerate(texts) if not t.strip()]
        if empty:
            raise InputFileError(f"statement {empty[0]} is empty; give each statement some "
                                 "text")
        return list(texts), []
    if str(file) == "-":
        raw, source = sys.stdin.buffer.read(), "standard input"
    else:
        if not file.exists():
            raise InputFileError(f"{file}: no such file; check the path")
        if file.is_dir():
            raise InputFileError(f"{file}: is a directory; give a text file with one "
                                 "statement a line")
        try:
            raw = file.read_bytes()
        except OSError as exc:
            raise InputFileError(f"{file}: cannot be read ({exc.strerror}); check its "
                                 "permissions") from None
        source = str(file)
    text, warnings = decode(raw, source)
    statements = [line.strip() for line in text.splitlines() if line.strip()]
    if not statements:
        raise InputFileError(f"{source}: has no statements; put one statement on each line")
    return statements, warnings
