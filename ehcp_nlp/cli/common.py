"""What the CLI commands share: the --model option, reading statements, the console."""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    """Decode text as UTF-8 or UTF-16 (with a byte-order mark), else Windows-1252.

    Windows-1252 comes with a warning; a file with NUL bytes and no UTF-16 mark is binary.
    """
    import codecs

    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace"), []
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
        if sys.stdin is None or sys.stdin.closed:
            raise InputFileError("standard input is closed; pipe statements in, or give "
                                 "--file PATH")
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


_STEP = re.compile(r"\b(\d+)/(\d+)\b")


@contextmanager
def progress_lines(ui: Console, title: str) -> Iterator[Callable[[str], None]]:
    """A progress reporter for a long job: call it with each step's message.

    In a terminal it is a spinner on one line; redirected, it prints one plain line a step,
    so a log shows how far the job is. Both say the time elapsed and, when the message
    counts steps ("fold 2/5"), about how long is left at the pace of the steps so far.
    """
    started = time.monotonic()
    series: dict[str, tuple[float, int]] = {}  # message without its count: (first seen, k)

    def left(message: str) -> str:
        step = _STEP.search(message)
        if step is None:
            return ""
        k, n = int(step.group(1)), int(step.group(2))
        key = _STEP.sub("", message)
        first, first_k = series.setdefault(key, (time.monotonic(), k))
        done = k - first_k
        if done <= 0:
            return ""
        per_step = (time.monotonic() - first) / done
        return f", about {_duration(per_step * (n - k + 1))} left"

    def line(message: str) -> str:
        return f"{title}: {message} ({_duration(time.monotonic() - started)}{left(message)})"

    if ui.is_terminal:
        with ui.status(title) as status:
            yield lambda message: status.update(line(message))
    else:
        yield lambda message: ui.print(line(message), markup=False, highlight=False)


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 60} min {seconds % 60:02d} s" if seconds >= 60 else f"{seconds} s"
