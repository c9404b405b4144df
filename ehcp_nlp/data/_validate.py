"""Validate labelled corpus files against the schema in :mod:`ehcp_nlp.labels`."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from ehcp_nlp import labels
from ehcp_nlp.data._read import FIRST_ROW, read_corpus
from ehcp_nlp.data._stats import overlap


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a corpus file.

    Attributes
    ----------
    file
        The file the problem is in.
    row
        Spreadsheet row number (the header is row 1), or ``None`` for a whole-file problem.
    column
        The column concerned.
    value
        The offending value, as written.
    allowed
        What is allowed there, in words.
    severity
        ``"error"`` (the file cannot be used as it is) or ``"warning"`` (worth a look).
    """

    file: str
    row: int | None
    column: str
    value: str
    allowed: str
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" if self.row is not None else self.file
        return f"{where}: {self.severity}: {self.column}={self.value!r}; {self.allowed}"


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of :func:`validate` over one or more corpus files.

    Attributes
    ----------
    files
        The files checked, in the order given.
    rows
        Number of statements read from each file.
    problems
        Every problem found, errors and warnings, file by file in row order.
    """

    files: tuple[str, ...]
    rows: Mapping[str, int]
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def errors(self) -> tuple[Problem, ...]:
        """The problems that make a file unusable."""
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        """The problems worth a look that do not stop a file being used."""
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        """True when no file has an error."""
        return not self.errors

    def to_dict(self) -> dict:
        """Return a JSON-ready dictionary."""
        return {
            "files": list(self.files),
            "rows": dict(self.rows),
            "ok": self.ok,
            "problems": [asdict(p) for p in self.problems],
        }

    def grouped(self, first: int = 5) -> list[tuple[Problem, int, tuple[int, ...]]]:
        """The problems grouped by what is wrong.

        One entry for each file, column, allowed value and severity: its first problem, how
        many rows have it, and the first ``first`` of those rows.
        """
        groups: dict[tuple, list[Problem]] = {}
        for problem in self.problems:
            key = (problem.file, problem.column, problem.allowed, problem.severity)
            groups.setdefault(key, []).append(problem)
        return [(found[0], len(found), tuple(p.row for p in found[:first] if p.row is not None))
                for found in groups.values()]

    def summary(self) -> str:
        """Return one line: rows, errors and warnings."""
        counts = ", ".join(f"{f}: {n} rows" for f, n in self.rows.items())
        verdict = "valid" if self.ok else "INVALID"
        return (
            f"{verdict}: {counts}; {len(self.errors)} errors, {len(self.warnings)} warnings"
        )

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"... and {len(self.problems) - 20} more problems")
        return "\n".join([*lines, self.summary()])


def _allowed(values: Iterable[str]) -> str:
    return "allowed: " + " | ".join(values)


def _check_rows(file: str, frame: pd.DataFrame,
                custom: Mapping[str, str | None] | None = None) -> list[Problem]:
    problems: list[Problem] = []

    def add(row: int, column: str, value: str, allowed: str, severity: str = "error") -> None:
        problems.append(Problem(file, row, column, value, allowed, severity))

    seen_ids: dict[str, int] = {}
    seen_texts: dict[str, int] = {}
    custom_seen: set[str] = set()
    group_stage: dict[str, tuple[str, int]] = {}
    has = set(frame.columns)
    has_voice = "voice" in has
    has_register = "register" in has
    v2 = all(c in has for c in labels.V2_COLUMNS)
    provision_columns = [c for c in ("specified", "provision_kind", *labels.PART_COLUMNS)
                         if c in has]
    smart_columns = [c for c in ("smart", *labels.CRITERIA) if c in has]
    for offset, record in enumerate(frame.to_dict("records")):
        row = FIRST_ROW + offset
        rid, text, kind = record.get("id", str(row)).strip(), record["text"], record["type"]
        if not rid:
            add(row, "id", rid, "a non-empty id, unique across files")
        elif rid in seen_ids:
            add(row, "id", rid, f"unique ids; also used on row {seen_ids[rid]}")
        else:
            seen_ids[rid] = row
        if not text.strip():
            add(row, "text", text, "a non-empty statement")
        else:
            key = " ".join(text.lower().split())
            if key in seen_texts:
                add(row, "text", text[:60], f"distinct statements; same text as row "
                    f"{seen_texts[key]}", "warning")
            seen_texts.setdefault(key, row)
        if kind not in labels.TYPES:
            if custom is None or not kind.strip():
                add(row, "type", kind, _allowed(labels.TYPES))
            elif kind not in custom_seen:
                custom_seen.add(kind)
                role = labels.type_role(kind, custom)
                add(row, "type", kind, "a type of your own: trained as a class of its own, "
                    + (f"checked as {role}" if role else "with no role (neither SMART nor "
                       "quantified is judged for it)"), "warning")
            kind = labels.type_role(kind, custom) or kind
        for column in smart_columns:
            value = record[column]
            if kind == "outcome" and value not in labels.YES_NO:
                add(row, column, value, "yes | no, because type is outcome")
            elif kind != "outcome" and value != "":
                add(row, column, value, f"empty, because type is {kind!r}, not outcome")
        if kind == "outcome" and len(smart_columns) == 6 and all(
                record[c] in labels.YES_NO for c in smart_columns):
            expected = "yes" if all(record[c] == "yes" for c in labels.CRITERIA) else "no"
            if record["smart"] != expected:
                failing = [c for c in labels.CRITERIA if record[c] == "no"]
                why = ("all five criteria are yes" if expected == "yes"
                       else "criteria " + ", ".join(failing) + " are no")
                add(row, "smart", record["smart"], f"{expected}, because {why}")
        for column in provision_columns:
            value = record[column]
            allowed = labels.PROVISION_KINDS if column == "provision_kind" else labels.YES_NO
            if kind == "provision" and value not in allowed:
                add(row, column, value, " | ".join(allowed) + ", because type is provision")
            elif kind != "provision" and value != "":
                add(row, column, value, f"empty, because type is {kind!r}, not provision")
        if v2 and kind == "provision" and record["specified"] == "yes":
            parts = {p: record[c] == "yes" for c, p in zip(labels.PART_COLUMNS,
                                                          labels.PROVISION_PARTS, strict=True)}
            if not labels.specified_from_parts(record["provision_kind"], parts):
                needs, groups = labels.parts_needed(record["provision_kind"])
                either = "".join(f" and one of {' / '.join(group)}" for group in groups)
                add(row, "specified", "yes", "no, or mark the parts it states: "
                    f"{record['provision_kind']} provision needs " + ", ".join(needs) + either)
        if has_register and record["register"] not in labels.REGISTERS \
                and record["register"] != "":
            add(row, "register", record["register"], _allowed(labels.REGISTERS) + " or empty")
        for column, allowed in (("area", labels.AREAS), ("pfa", labels.PFA),
                                ("stage", labels.STAGES)):
            if column in has and record[column] not in allowed:
                add(row, column, record[column], _allowed(allowed))
        if "group" not in has:
            continue
        group = record["group"].strip()
        if not group:
            add(row, "group", group, "a non-empty plan or child identifier")
        elif "stage" in has and record["stage"] in labels.STAGES:
            first_stage, first_row = group_stage.setdefault(group, (record["stage"], row))
            if first_stage != record["stage"]:
                add(row, "stage", record["stage"], f"{first_stage}, as on row {first_row} of "
                    f"group {group!r}: one plan is written at one stage", "warning")
        if has_voice and record["voice"] not in labels.VOICES and record["voice"] != "":
            add(row, "voice", record["voice"], _allowed(labels.VOICES) + " or empty")
    return problems


def _check_file(path: Path, frame: pd.DataFrame,
                custom: Mapping[str, str | None] | None = None) -> list[Problem]:
    file = str(path)
    missing = [c for c in labels.REQUIRED_COLUMNS if c not in frame.columns]
    unknown = [c for c in frame.columns if c not in labels.COLUMNS + labels.EXTRA_COLUMNS]
    problems = [
        Problem(file, None, c, "", "required column is missing; add it to the header")
        for c in missing
    ]
    absent = [c for c in labels.SCHEMA_COLUMNS if c not in frame.columns and c not in missing]
    if not missing and absent:
        problems.append(Problem(
            file, None, ", ".join(absent), "",
            "columns not in the file: their checks are skipped and their scores are not "
            "trained" + ("; without group, each row is a group of its own in "
                         "cross-validation" if "group" in absent else ""), "warning"))
    problems += [
        Problem(file, None, c, "", "unknown column, ignored; expected: "
                + ", ".join(labels.COLUMNS), "warning")
        for c in unknown
    ]
    if missing:
        return problems
    return problems + _check_rows(file, frame, custom)


def _check_disjoint(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    problems: list[Problem] = []
    owner_group: dict[str, str] = {}
    owner_id: dict[str, str] = {}
    for file, frame in frames.items():
        if "group" not in frame.columns or "id" not in frame.columns:
            continue
        reported: set[str] = set()
        for offset, (rid, group) in enumerate(zip(frame["id"], frame["group"], strict=True)):
            row = FIRST_ROW + offset
            other = owner_group.get(group)
            if other is not None and other != file and group not in reported:
                reported.add(group)
                problems.append(Problem(file, row, "group", group,
                                        f"groups disjoint between files; also in {other}"))
            other = owner_id.get(rid)
            if other is not None and other != file:
                problems.append(Problem(file, row, "id", rid,
                                        f"ids unique across files; also in {other}"))
        for group in frame["group"]:
            owner_group.setdefault(group, file)
        for rid in frame["id"]:
            owner_id.setdefault(rid, file)
    return problems


def _check_overlap(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Warn of statements that repeat, or nearly repeat, one in an earlier file."""
    problems: list[Problem] = []
    files = [f for f, frame in frames.items() if "text" in frame.columns]
    for k, file in enumerate(files):
        for earlier in files[:k]:
            found = overlap(frames[earlier], frames[file])
            for pair in found.pairs:
                how = ("the same text as" if pair.exact
                       else f"a near duplicate (cosine {pair.similarity:.2f}) of")
                problems.append(Problem(
                    file, pair.test_row, "text", pair.test_text[:60],
                    f"statements distinct from {earlier}'s; {how} its row {pair.train_row}",
                    "warning"))
    return problems


def validate(*paths: str | Path, custom_types: bool = False,
             type_roles: Mapping[str, str | None] | None = None) -> ValidationReport:
    """Check labelled corpus files: columns, allowed values and consistency.

    Each file is checked on its own (required columns, allowed label values, SMART verdict
    against its five criteria, empty cells where a label does not apply, unique ids, one stage
    per group); when several files are given, their groups and ids must also be disjoint, as a
    training corpus and its test set must be, and a statement that repeats or nearly repeats
    one of an earlier file (see :func:`~ehcp_nlp.data.overlap`) is a warning.

    Parameters
    ----------
    *paths
        One or more UTF-8 CSV files, e.g. ``validate("data/statements.csv", "data/test.csv")``.
    custom_types
        Accept type labels outside the schema (a retraining with types of one's own), each
        reported once as a warning with its role; the rules for SMART and quantified then
        follow the role.
    type_roles
        Roles for such labels that their names do not give (see
        :func:`ehcp_nlp.labels.type_role`).

    Returns
    -------
    ValidationReport
        Every problem as file, row, column, value and what is allowed.

    Raises
    ------
    ehcp_nlp.errors.EhcpError
        When a file cannot be read at all (missing, a directory, binary, not UTF-8, not CSV).
    """
    if not paths:
        raise TypeError("validate() needs at least one path")
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for path in map(Path, paths):
        frame = read_corpus(path)
        frames[str(path)] = frame
        problems += _check_file(path, frame, (dict(type_roles or {}) if custom_types
                                              else None))
    if len(frames) > 1:
        problems += _check_disjoint(frames) + _check_overlap(frames)
    return ValidationReport(
        files=tuple(frames),
        rows={f: len(df) for f, df in frames.items()},
        problems=tuple(problems),
    )
