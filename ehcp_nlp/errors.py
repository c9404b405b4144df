"""Errors a user can cause: one home, one line each, always with the fix.

Every user-facing error is an :class:`EhcpError` whose message is a single line naming what is
wrong and how to put it right. The CLI prints that line and exits non-zero without a traceback;
anything else that escapes is a bug in ehcp-nlp and keeps its traceback.
"""

from __future__ import annotations


class EhcpError(Exception):
    """A problem with the user's input, files or options, described in one line."""

    code = "E000"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


class InputFileError(EhcpError):
    """A file could not be found, read or decoded."""

    code = "E001"


class CorpusFormatError(EhcpError):
    """A labelled corpus file lacks columns or cannot be parsed as CSV."""

    code = "E002"
