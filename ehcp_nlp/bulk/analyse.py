"""Bulk analysis: read plans and tables, score every statement, check every plan, write it all.

``analyse()`` is the library call; ``ehcp analyse`` is a thin wrapper around it. Inputs are
files, folders and glob patterns of plan documents (DOCX, PDF, Markdown, text) and tables
(CSV, TSV, JSON Lines, Parquet, Excel), or a DataFrame. Work is cut into units (one document,
or one chunk of a table). Statements stream to ``statements.csv`` as they are scored (a long
document ``DOCUMENT_BATCH`` at a time), with the findings about each statement alone; a plan
still open keeps only what its golden thread needs of each need, outcome and provision
(:class:`~ehcp_nlp.bulk.checks.PlanCheck`), so memory grows with the longest plan's text, not
with the input. ``jobs`` spreads units over processes (each worker returns a whole document's
rows, so long documents stream only with one job).
"""

from __future__ import annotations

import csv
import glob
import json
import math
import os
import shutil
import tempfile
import time
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import Any

import pandas as pd

from ehcp_nlp.bulk.checks import PlanCheck, PlanFacts, mark_placement
from ehcp_nlp.bulk.furniture import stage_of
from ehcp_nlp.bulk.records import ADVICE_SECTION, SECTION_TYPES, SECTIONS, Source
from ehcp_nlp.bulk.tables import TableError, is_table, read_table
from ehcp_nlp.errors import EhcpError
from ehcp_nlp.model.scorer import MAX_CHARS, score_row
from ehcp_nlp.safe import display_name, safe_frame, spreadsheet_safe

#: Plan documents read by suffix.
DOCUMENT_SUFFIXES = (".docx", ".pdf", ".md", ".markdown", ".txt")
#: Output formats of the statements table.
FORMATS = ("csv", "parquet", "jsonl")
#: The files written to ``out``.
OUTPUTS = ("statements", "findings", "links", "plans", "skipped", "errors", "personal_data",
           "report")
#: Columns of the small tables, in order (the statements table adds the score columns).
FINDING_COLUMNS = ["plan_id", "code", "section", "statement_id", "statement", "location",
                   "message", "basis"]
#: A link row: a need, the outcome that meets it and the provision that serves that
#: outcome; for each hop, how it was decided (``reference``, ``table row`` or ``similarity
#: (heuristic)``) and, for similarity, the similarity that decided it.
LINK_COLUMNS = ["plan_id", "need_id", "outcome_id", "provision_id", "need_link",
                "need_similarity", "provision_link", "provision_similarity"]
#: Text of the plans that is not a statement: where it was, what it was, and why.
SKIPPED_COLUMNS = ["plan_id", "file", "section", "location", "text", "why"]
ERROR_COLUMNS = ["file", "location", "reason"]
PII_COLUMNS = ["file", "kind", "count"]
#: Rows of the statements, findings and links read back for the report at most (the plans
#: table is always whole); beyond this the report says what it covers.
REPORT_LIMIT = 50_000
#: A document's statements are scored, checked and written this many at a time; only what
#: the golden thread needs of each (:class:`~ehcp_nlp.bulk.checks.PlanCheck`) is held to the
#: end of the plan.
DOCUMENT_BATCH = 2_000
STATEMENT_COLUMNS = ["plan_id", "statement_id", "order", "section", "heading", "location",
                     "file", "page", "paragraph", "table", "row", "cell", "row_key", "ref",
                     "cites", "text", "context", "steps"]


class OutputError(EhcpError):
    """The output folder cannot be used."""

    code = "E401"


@dataclass(slots=True)
class Totals:
    """What happened: statements read, scored and failed; files read and failed; findings.

    ``skipped`` counts the pieces of text that were not statements (cover, contents...).
    """

    files: int = 0
    files_failed: int = 0
    read: int = 0
    scored: int = 0
    failed: int = 0
    findings: int = 0
    skipped: int = 0

    def to_dict(self) -> dict[str, int]:
        """Return a JSON-ready dictionary."""
        return {"files": self.files, "files_failed": self.files_failed, "read": self.read,
                "scored": self.scored, "failed": self.failed, "findings": self.findings,
                "skipped": self.skipped}


@dataclass(slots=True)
class Analysis:
    """The result of :func:`analyse`: the tables of ``--out``, as DataFrames.

    ``statements`` is empty when the analysis wrote to a folder with ``keep_statements``
    off (the statements are in the folder).
    """

    statements: pd.DataFrame
    findings: pd.DataFrame
    links: pd.DataFrame
    plans: pd.DataFrame
    errors: pd.DataFrame
    personal_data: pd.DataFrame
    totals: Totals
    warnings: list[str] = field(default_factory=list)
    #: Text that is not a statement (cover fields, contents, headers, references...): not
    #: scored, and not counted in the plans' figures.
    skipped: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SKIPPED_COLUMNS))


@dataclass(slots=True)
class _Unit:
    """One piece of work: a document, or a chunk of a table (or of a DataFrame)."""

    kind: str  # "document" or "rows"
    file: str
    rows: pd.DataFrame | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class _UnitResult:
    statements: list[dict[str, Any]]
    findings: list[dict[str, Any]]
    links: list[dict[str, Any]]
    plans: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    personal_data: Counter
    file: str
    warnings: list[str]
    read: int
    scored: int
    failed: int
    file_failed: bool = False
    skipped: list[dict[str, Any]] = field(default_factory=list)
    #: A batch of a document's statements; the document's last result has its plan.
    partial: bool = False


Progress = Callable[[dict[str, Any]], None]


def discover(inputs: Iterable[str | os.PathLike], *, follow_links: bool = False
             ) -> tuple[list[Path], list[dict[str, str]]]:
    """Expand files, folders and glob patterns into the files to read, and the errors.

    Inside a folder, a link that leads outside it is not followed unless ``follow_links``:
    it is an error row instead (a plans folder should not make the analysis read
    ``/etc/passwd``).
    """
    files: list[Path] = []
    errors: list[dict[str, str]] = []
    for item in inputs:
        text = str(item)
        if any(ch in text for ch in "*?["):
            matches = sorted(Path(p) for p in glob.glob(text, recursive=True))
            found = [p for p in matches if p.is_file() and _readable_kind(p)]
            if not found:
                errors.append({"file": display_name(text), "location": "",
                               "reason": "the pattern matches no plan or table file"})
            files.extend(found)
            continue
        path = Path(text)
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and _readable_kind(p)
                           and not any(part.startswith(".") for part in p.parts))
            if not follow_links:
                inside = path.resolve()
                outside = [p for p in found if not p.resolve().is_relative_to(inside)]
                errors += [{"file": display_name(p), "location": "", "reason": (
                    "a link to a file outside the input folder; not followed (pass "
                    "--follow-links to read it)")} for p in outside]
                found = [p for p in found if p not in outside]
            if not found:
                errors.append({"file": display_name(text), "location": "",
                               "reason": "the folder holds no plan or table file"})
            files.extend(found)
        elif path.is_file():
            if _readable_kind(path):
                files.append(path)
            else:
                errors.append({"file": display_name(text), "location": "", "reason": (
                    f"not a plan or table file (read: {', '.join(DOCUMENT_SUFFIXES)}, "
                    ".csv, .tsv, .jsonl, .parquet, .xlsx)")})
        else:
            errors.append({"file": display_name(text), "location": "",
                           "reason": "no such file or folder"})
    seen: set[Path] = set()
    unique = [p for p in files if not (p.resolve() in seen or seen.add(p.resolve()))]
    return unique, errors


def _readable_kind(path: Path) -> str | None:
    if is_table(path):
        return "table"
    if path.suffix.lower() in DOCUMENT_SUFFIXES:
        return "document"
    return None


def analyse(
    inputs: pd.DataFrame | str | os.PathLike | Iterable[str | os.PathLike],
    *,
    scorer=None,
    model: str | os.PathLike | None = None,
    text_column: str | None = None,
    jobs: int = 1,
    redact: bool = False,
    names: bool = False,
    follow_links: bool = False,
    out: str | os.PathLike | None = None,
    fmt: str = "csv",
    force: bool = False,
    report: bool = True,
    keep_statements: bool | None = None,
    chunk_size: int = 20_000,
    progress: Progress | None = None,
) -> Analysis:
    """Analyse plans and tables of statements; optionally write the results to a folder.

    Parameters
    ----------
    inputs
        A DataFrame (a ``text`` column, optional ``plan_id``, ``section``, ``year_group``,
        ``age``), or files, folders and glob patterns of plans and tables.
    scorer, model
        The scorer to use, or the model directory to load (default: the bundled model).
    text_column
        The name of the text column of tables, when it is not one of the usual names.
    jobs
        Worker processes (joblib); each loads the model once.
    names
        With ``redact``, also replace person names, each person of a plan by one ``[NAME n]``
        (needs the ``[names]`` extra; about 700 statements a second).
    follow_links
        Read files that links inside an input folder lead to outside it (not by default).
    redact
        Replace personal data (emails, phone, NHS numbers, UPNs, postcodes, dates of birth,
        addresses) in every output with placeholders such as ``[POSTCODE]``; the text is
        redacted before it is scored.
    out
        A folder for ``statements.<fmt>``, ``findings.csv``, ``links.csv``, ``plans.csv``,
        ``errors.csv``, ``personal_data.csv`` and ``report.html``. Files appear whole or not
        at all; a folder that is not empty is refused unless ``force``.
    fmt
        Format of the statements table: ``csv``, ``parquet`` or ``jsonl``.
    report
        Write ``report.html`` (with ``out``).
    keep_statements
        Keep the statements in the returned Analysis; by default, only when not writing to a
        folder.
    chunk_size
        Rows of a table read and scored at a time.
    progress
        Called after each unit with a dictionary of counts (``files``, ``files_total``,
        ``statements``, ``rows_total``...), for a progress bar.
    """
    import ehcp_nlp

    if fmt not in FORMATS:
        raise OutputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    if scorer is None:
        scorer = ehcp_nlp.load(model)
    if keep_statements is None:
        keep_statements = out is None
    writer = _Writer(Path(out), fmt, force) if out is not None else None
    notes = list(writer.notes) if writer is not None else []
    if writer is not None:
        writer.model = {**(scorer.info.get("manifest") or {}), "path": scorer.info.get("path")}
        writer.nlp = getattr(scorer, "nlp", None)
    sink = _Sink(writer, keep_statements=keep_statements, keep_tables=out is None,
                 roles=scorer.roles)
    totals = Totals()
    warnings: list[str] = notes
    pii: Counter = Counter()
    open_plans: dict[str, _OpenPlan] = {}
    started = time.perf_counter()
    seen_files: set[str] = set()
    file_errors: list[dict] = []

    if isinstance(inputs, pd.DataFrame):
        files: list[Path] = []
        units: Iterator[_Unit] = _frame_units(inputs, chunk_size, text_column)
        rows_total = len(inputs)
    else:
        if isinstance(inputs, str | os.PathLike):
            inputs = [inputs]
        files, found_errors = discover(inputs, follow_links=follow_links)
        sink.add("errors", found_errors)
        totals.files_failed += len(found_errors)
        units = _file_units(files, chunk_size, text_column, file_errors, totals)
        rows_total = _estimate_rows(files)
    state = {"files": 0, "files_total": len(files), "statements": 0, "rows_total": rows_total}

    try:
        if names and redact:
            from ehcp_nlp.bulk.names import _pipeline

            _pipeline()  # missing: one line now, before any work
        for result in _run(units, scorer, jobs, "names" if names and redact else redact):
            totals.read += result.read
            totals.scored += result.scored
            totals.failed += result.failed
            totals.files_failed += result.file_failed
            warnings.extend(result.warnings)
            sink.add("errors", file_errors)
            file_errors.clear()
            sink.add("errors", result.errors)
            sink.add("findings", result.findings)
            sink.add("links", result.links)
            sink.add("plans", result.plans)
            sink.add("skipped", result.skipped)
            pii.update({(result.file, kind): n for kind, n in result.personal_data.items()})
            if result.statements:
                sink.add("statements", result.statements)
            if not result.partial and not result.plans and \
                    (result.statements or result.skipped) and \
                    (result.statements or result.skipped)[0].get("plan_id"):
                _collect_open_plans(result.statements, open_plans, sink, result.skipped)
            state["statements"] += result.scored
            seen_files.add(result.file)
            state["files"] = len(seen_files)
            state["elapsed"] = time.perf_counter() - started
            if progress is not None:
                progress(dict(state, file=result.file))
        sink.add("errors", file_errors)
        for plan in list(open_plans.values()):
            _close_plan(plan, sink)
        open_plans.clear()
        totals.files = len(files)
        totals.findings = sink.counts["findings"]
        totals.skipped = sink.counts["skipped"]
        analysis = Analysis(
            statements=_statement_frame(sink.statements),
            findings=pd.DataFrame(sink.findings, columns=FINDING_COLUMNS),
            links=pd.DataFrame(sink.links, columns=LINK_COLUMNS),
            plans=_plan_frame(sink.plans),
            errors=pd.DataFrame(sink.errors, columns=ERROR_COLUMNS),
            personal_data=pd.DataFrame(
                [{"file": f, "kind": k, "count": n} for (f, k), n in sorted(pii.items())],
                columns=PII_COLUMNS),
            totals=totals, warnings=warnings,
            skipped=pd.DataFrame(sink.skipped, columns=SKIPPED_COLUMNS),
        )
        if writer is not None:
            writer.finish(analysis, report)
        return analysis
    except BaseException:
        if writer is not None:
            writer.abort()
        raise


class _Sink:
    """Where results go: streamed to the output folder, kept in memory, or both.

    With an output folder, only the plans (one row each) and the first ``ERRORS_KEPT`` errors
    stay in memory, so memory does not grow with the input.
    """

    ERRORS_KEPT = 10_000

    def __init__(self, writer: _Writer | None, *, keep_statements: bool, keep_tables: bool,
                 roles: dict[str, str | None] | None = None):
        self.writer = writer
        self.keep_statements = keep_statements
        self.keep_tables = keep_tables
        self.counts: Counter = Counter()
        self.statements: list[dict] = []
        self.findings: list[dict] = []
        self.links: list[dict] = []
        self.plans: list[dict] = []
        self.errors: list[dict] = []
        self.skipped: list[dict] = []
        self.roles = roles  # the scorer's type -> role, for the plans the sink closes

    def add(self, name: str, rows: list[dict]) -> None:
        if not rows:
            return
        self.counts[name] += len(rows)
        if self.writer is not None and name in ("statements", "findings", "links", "errors",
                                                "skipped"):
            self.writer.append(name, rows)
        keep = (name == "plans" or (name == "statements" and self.keep_statements)
                or (name in ("findings", "links", "skipped") and self.keep_tables))
        if name == "errors":
            room = self.ERRORS_KEPT - len(self.errors)
            if self.keep_tables or room > 0:
                self.errors.extend(rows if self.keep_tables else rows[:room])
        elif keep:
            getattr(self, name).extend(rows)


# -- units -------------------------------------------------------------------------------------
def _file_units(files: list[Path], chunk_size: int, text_column: str | None,
                errors: list[dict], totals: Totals) -> Iterator[_Unit]:
    for path in files:
        if is_table(path):
            try:
                for chunk in read_table(path, text_column=text_column, chunk_size=chunk_size):
                    yield _Unit("rows", str(path), chunk.frame, chunk.warnings)
            except TableError as exc:
                errors.append({"file": display_name(path), "location": "",
                               "reason": display_name(_without_path(exc.message, path))})
                totals.files_failed += 1
            except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile,
                    UnicodeError) as exc:  # a damaged table: one row in errors.csv, run on
                errors.append({"file": display_name(path), "location": "", "reason": (
                    f"cannot be read as a table ({type(exc).__name__}: "
                    f"{display_name(str(exc))[:120]}); open it and save it again")})
                totals.files_failed += 1
        else:
            yield _Unit("document", str(path))


def _frame_units(frame: pd.DataFrame, chunk_size: int, text_column: str | None
                 ) -> Iterator[_Unit]:
    from ehcp_nlp.bulk.tables import _columns, _normalise

    mapping = _columns(Path("<DataFrame>"), frame.columns, text_column)
    for begin in range(0, len(frame), chunk_size):
        part = frame.iloc[begin : begin + chunk_size]
        yield _Unit("rows", "<DataFrame>", _normalise(part, mapping, begin + 1))


def _without_path(message: str, path) -> str:
    """The reason alone: errors.csv has the file in a column of its own."""
    return message.removeprefix(f"{path}: ")


def _estimate_rows(files: list[Path]) -> int:
    """Rows in the tables (cheap counts), plus about 40 statements a document."""
    total = 0
    for path in files:
        try:
            suffix = path.suffix.lower()
            if suffix in (".csv", ".tsv", ".tab", ".jsonl", ".ndjson"):
                with path.open("rb") as fh:
                    total += sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20),
                                                                       b""))
            elif suffix in (".parquet", ".pq"):
                import pyarrow.parquet as pq

                total += pq.ParquetFile(path).metadata.num_rows
            elif is_table(path):
                total += 1000
            else:
                total += 40
        except Exception:  # noqa: BLE001 - an estimate only; reading will report the error
            total += 40
    return total


# -- scoring -----------------------------------------------------------------------------------
def _run(units: Iterator[_Unit], scorer, jobs: int, redact: bool) -> Iterator[_UnitResult]:
    if jobs == 1 or scorer.info.get("path") is None:
        for unit in units:
            yield from _process(unit, scorer, redact)
        return
    from joblib import Parallel, delayed

    path = scorer.info["path"]
    parallel = Parallel(n_jobs=jobs, return_as="generator", pre_dispatch="2*n_jobs")
    for results in parallel(delayed(_process_in_worker)(unit, path, redact) for unit in units):
        yield from results


_WORKER_SCORERS: dict[str, Any] = {}


def _process_in_worker(unit: _Unit, model_path: str, redact: bool) -> list[_UnitResult]:
    scorer = _WORKER_SCORERS.get(model_path)
    if scorer is None:
        import ehcp_nlp

        scorer = _WORKER_SCORERS[model_path] = ehcp_nlp.load(model_path)
    return list(_process(unit, scorer, redact))


def _process(unit: _Unit, scorer, redact: bool) -> Iterator[_UnitResult]:
    if unit.kind == "document":
        yield from _process_document(unit, scorer, redact)
    else:
        yield _process_rows(unit, scorer, redact)


def _clean(texts: list[str], redact: bool | str,
           numbers: dict[str, int] | None = None) -> tuple[list[str], Counter]:
    """The texts with their personal data replaced (``redact``), and what was found.

    ``redact="names"`` also replaces person names, one placeholder a person across the texts
    (one plan's, or one chunk of a table's).
    """
    from ehcp_nlp.bulk import pii

    counts = pii.count_personal_data(texts)
    if redact and counts:
        texts = [pii.redact(t) for t in texts]
    if redact == "names":
        from ehcp_nlp.bulk.names import redact_names

        texts, found = redact_names(texts, numbers)
        if found:
            counts["name"] += found
    return texts, counts


def _score(scorer, texts: list[str]) -> list[dict[str, Any]]:
    return [score_row(s) for s in scorer.score_many(texts, batch_size=2000)]


def _hider(redact: bool | str, numbers: dict[str, int], file: str | None = None
           ) -> Callable[[str], str]:
    """With ``redact``, what replaces personal data in every field (ids, headings, paths).

    With ``redact="names"`` it also replaces the names of ``numbers`` (name -> its ``[NAME n]``,
    filled in as the plan's text is redacted), starting with those ``file``'s name holds.
    """
    if not redact:
        return lambda text: text
    from ehcp_nlp.bulk import pii

    def patterns(text: str) -> str:
        return pii.redact(text) if text else text

    if redact != "names":
        return patterns
    from ehcp_nlp.bulk.names import note_file_name, redact_known

    if file is not None:
        note_file_name(display_name(file), numbers)  # names the text may never say
    return lambda text: redact_known(patterns(text), numbers)


def _process_document(unit: _Unit, scorer, redact: bool | str) -> Iterator[_UnitResult]:
    """A document's statements, a batch of ``DOCUMENT_BATCH`` at a time, then its plan."""
    from ehcp_nlp.bulk.documents import read_document

    numbers: dict[str, int] = {}  # the plan's names, when they are redacted
    hide = _hider(redact, numbers, unit.file)
    shown = hide(display_name(unit.file))  # the file as outputs can hold it
    result = _UnitResult([], [], [], [], [], Counter(), shown, [], 0, 0, 0)
    try:
        plan = read_document(unit.file)
    except EhcpError as exc:
        result.errors.append({"file": shown, "location": "", "reason": hide(
            display_name(_without_path(exc.message, unit.file)))})
        result.file_failed = True
        yield result
        return
    statements = plan.statements
    texts, result.personal_data = _clean(
        [s.text for s in statements] + [s.context for s in statements]
        + [s.steps for s in statements] + [k.text for k in plan.skipped], redact, numbers)
    # the ids, file name and warnings after the text: the plan's names are known by now
    shown = hide(shown)
    result.file = shown
    result.warnings.extend(hide(display_name(w)) for w in plan.warnings)
    plan_id = hide(display_name(plan.plan_id))
    n = len(statements)
    texts, contexts, steps, skipped_texts = (texts[:n], texts[n:2 * n], texts[2 * n:3 * n],
                                             texts[3 * n:])
    result.read = n
    plan_check = PlanCheck(plan_id, shown, scorer.roles)
    for start in range(0, n, DOCUMENT_BATCH):  # the rows go out a batch at a time
        batch = slice(start, start + DOCUMENT_BATCH)
        scored = [f"{text} | {context}" if context else text
                  for text, context in zip(texts[batch], contexts[batch], strict=True)]
        rows = []
        for statement, text, context, step, scores in zip(
                statements[batch], texts[batch], contexts[batch], steps[batch],
                _score(scorer, scored), strict=True):
            rows.append({**_location_columns(plan_id, statement.order, statement.section,
                                             hide(statement.heading), statement.source,
                                             statement.row_key, hide),
                         "ref": statement.ref, "cites": ", ".join(statement.cites),
                         "text": text, "context": context, "steps": step, **scores})
        mark_placement(rows, scorer.roles)
        yield _UnitResult(rows, plan_check.add(rows), [], [], [], Counter(), shown, [], 0,
                          len(rows), 0, partial=True)
    result.skipped = [{"plan_id": plan_id, "file": shown,
                       "section": k.section, "location": hide(display_name(str(k.source))),
                       "text": text, "why": k.why}
                      for k, text in zip(plan.skipped, skipped_texts, strict=True)]
    facts = PlanFacts(plan_id, shown, plan.year_group, plan.age,
                      plan.sections_found, scorer.roles, no_content=tuple(plan.no_content),
                      sources={name: hide(display_name(fact.source))
                               for name, fact in plan.facts.items()},
                      stage=str(plan.facts["stage"].value) if "stage" in plan.facts else None,
                      skipped=Counter(k.why for k in plan.skipped))
    plan_checks = plan_check.finish(facts)
    result.findings, result.links, result.plans = (plan_checks.findings, plan_checks.links,
                                                   [plan_checks.plan])
    yield result


#: What a table's row can be besides a statement (its other columns carry no layout).
_ROW_SKIPS = ("no_content", "placeholder", "sign_off", "reference", "page_number")


def _process_rows(unit: _Unit, scorer, redact: bool) -> _UnitResult:
    frame = unit.rows
    numbers: dict[str, int] = {}  # the names of the file's name and of its rows
    hide = _hider(redact, numbers, None if unit.file == "<DataFrame>" else unit.file)
    shown = hide(display_name(unit.file))  # the file as outputs can hold it
    result = _UnitResult([], [], [], [], [], Counter(), shown, list(unit.warnings),
                         len(frame), 0, 0)
    from ehcp_nlp.bulk.furniture import skip_reason

    columns = {name: frame[name].tolist() if name in frame else [""] * len(frame) for name in
               ("text", "plan_id", "section", "year_group", "age", "row", "ref", "cites")}
    sections: dict[str, str] = {}  # the section letter of each way a column writes it

    def section_of(raw: str) -> str:
        section = sections.get(raw)
        if section is None:
            section = sections[raw] = _section(raw)
        return section

    keep = []
    for i, (text, row_number) in enumerate(zip(columns["text"], columns["row"], strict=True)):
        stripped = text.strip() if isinstance(text, str) else ""
        if not stripped:
            result.errors.append({"file": shown, "location": f"row {row_number}",
                                  "reason": "empty text: nothing to score"})
            result.failed += 1
            continue
        why = skip_reason(stripped)
        if why not in _ROW_SKIPS:  # else only Section K (its list of advice) is skipped
            why = "advice_list" if section_of(columns["section"][i]) == ADVICE_SECTION else None
        if why is not None:
            result.skipped.append({"plan_id": hide(columns["plan_id"][i] or ""), "file": shown,
                                   "section": section_of(columns["section"][i]),
                                   "location": f"{shown}, row {row_number}",
                                   "text": stripped, "why": why})
            continue
        if len(stripped) > MAX_CHARS:  # scored, so a warning and not an error row
            result.warnings.append(f"{shown}, row {row_number}: text of {len(stripped):,} "
                                   f"characters: scored on its first {MAX_CHARS:,}")
        keep.append(i)
    if not keep:
        return result
    cleaned, result.personal_data = _clean([columns["text"][i].strip() for i in keep], redact,
                                           numbers)
    stem = display_name(Path(unit.file).stem) if unit.file != "<DataFrame>" else "row"
    rows = []
    for i, text, scores in zip(keep, cleaned, _score(scorer, cleaned), strict=True):
        plan_id = hide(columns["plan_id"][i] or "")
        raw_section = columns["section"][i]
        section = section_of(raw_section)
        row_number = int(columns["row"][i])
        rows.append({
            "plan_id": plan_id, "statement_id": f"{plan_id or stem}-{row_number}",
            "order": row_number, "section": section, "heading": hide(raw_section),
            "location": f"{shown}, row {row_number}", "file": shown, "page": None,
            "paragraph": None, "table": None, "row": row_number, "cell": None, "row_key": "",
            "ref": columns["ref"][i] or "", "cites": columns["cites"][i] or "",
            "text": text, "context": "", "steps": "",
            "year_group": _number(columns["year_group"][i]),
            "age": _number(columns["age"][i]), **scores,
        })
    mark_placement(rows, scorer.roles)
    result.statements = rows
    result.scored = len(rows)
    return result


def _location_columns(plan_id: str, order: int, section: str, heading: str, source: Source,
                      row_key: str | None, hide: Callable[[str], str] = str
                      ) -> dict[str, Any]:
    plan_id = display_name(plan_id)
    return {"plan_id": plan_id, "statement_id": f"{plan_id}-{order:04d}", "order": order,
            "section": section, "heading": heading,
            "location": hide(display_name(str(source))),
            "file": hide(display_name(source.file)), "page": source.page,
            "paragraph": source.paragraph,
            "table": source.table, "row": source.row, "cell": source.cell,
            "row_key": row_key or ""}


def _section(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    letter = value.upper().removeprefix("SECTION").strip()
    if letter[:1] in SECTIONS and (len(letter) == 1 or letter[1:] in ("1", "2")):
        return letter[0]
    from ehcp_nlp.bulk.sections import section_of_heading

    return section_of_heading(value) or ""


def _number(value) -> float | None:
    try:
        return float(str(value).strip().removeprefix("Year").removeprefix("Y").strip())
    except ValueError:
        return None


def _statement_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame(columns=STATEMENT_COLUMNS)
    frame = pd.DataFrame(rows)
    for column in _VERDICT_COLUMNS:
        if column in frame:
            frame[column] = frame[column].astype("boolean")
    first = [c for c in STATEMENT_COLUMNS if c in frame.columns]
    return frame[first + [c for c in frame.columns if c not in first]]


# -- plans from tables -------------------------------------------------------------------------
@dataclass(slots=True)
class _OpenPlan:
    plan_id: str
    file: str
    check: PlanCheck
    year_group: float = math.nan
    age: float = math.nan
    sections: set[str] = field(default_factory=set)
    skipped: Counter = field(default_factory=Counter)
    no_content: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)


def _collect_open_plans(rows: list[dict[str, Any]], open_plans: dict[str, _OpenPlan],
                        sink: _Sink, skipped: list[dict[str, Any]] = ()) -> None:
    """Check table rows by plan as they come; close the plans this chunk no longer mentions."""
    here: set[str] = set()

    def plan_of(row: dict[str, Any]) -> _OpenPlan | None:
        plan_id = row["plan_id"]
        if not plan_id:
            return None
        here.add(plan_id)
        plan = open_plans.get(plan_id)
        if plan is None:
            plan = open_plans[plan_id] = _OpenPlan(plan_id, row["file"],
                                                   PlanCheck(plan_id, row["file"], sink.roles))
        return plan

    for row in skipped:
        plan = plan_of(row)
        if plan is None:
            continue
        plan.skipped[row["why"]] += 1
        if row["why"] == "no_content" and row["section"] and \
                row["section"] not in plan.no_content:
            plan.no_content.append(row["section"])
    batches: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        plan = plan_of(row)
        if plan is None:
            continue
        batches.setdefault(plan.plan_id, []).append(row)
        if row["section"]:
            plan.sections.add(row["section"])
        if row["year_group"] is not None:
            plan.year_group = row["year_group"]
        if row["age"] is not None:
            plan.age = row["age"]
        if row["section"] in ("A", "") and (math.isnan(plan.year_group) or
                                              math.isnan(plan.age)):
            _facts_from_text(plan, row["text"])
    for plan_id, batch in batches.items():  # findings about statements alone: now
        sink.add("findings", open_plans[plan_id].check.add(batch))
    for plan_id in [p for p in open_plans if p not in here]:
        _close_plan(open_plans.pop(plan_id), sink)


def _facts_from_text(plan: _OpenPlan, text: str) -> None:
    """A table without year and age columns: the year and age its Section A states."""
    from ehcp_nlp.bulk.sections import extract_age, extract_year_group

    if math.isnan(plan.year_group):
        year = extract_year_group(text)
        if year is not None:
            plan.year_group = year
            plan.sources["year_group"] = f"text: {text[:60]!r}"
    if math.isnan(plan.age):
        age = extract_age(text)
        if age is not None:
            plan.age = age
            plan.sources["age"] = f"text: {text[:60]!r}"


def _close_plan(plan: _OpenPlan, sink: _Sink) -> None:
    facts = PlanFacts(plan.plan_id, plan.file,
                      None if math.isnan(plan.year_group) else int(plan.year_group),
                      None if math.isnan(plan.age) else int(plan.age),
                      None,  # a table lists statements, not headings: no missing_section
                      sink.roles, no_content=tuple(plan.no_content),
                      sources={name: plan.sources.get(name, "table column") for name, value
                               in (("year_group", plan.year_group), ("age", plan.age))
                               if not math.isnan(value)},
                      stage=stage_of(None if math.isnan(plan.year_group)
                                     else int(plan.year_group),
                                     None if math.isnan(plan.age) else int(plan.age)),
                      skipped=plan.skipped)
    checked = plan.check.finish(facts)
    sink.add("findings", checked.findings)
    sink.add("links", checked.links)
    sink.add("plans", [checked.plan])


def _plan_frame(plans: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(plans)
    if frame.empty:
        return pd.DataFrame(columns=["plan_id", "file", "score"])
    return frame


# -- writing -----------------------------------------------------------------------------------
class _Writer:
    """Write the outputs into a folder atomically: each file appears whole, or not at all.

    Everything is written into a hidden working folder inside ``folder`` and moved into place
    (``os.replace``) once the analysis has finished; a crash or Ctrl-C leaves no partial file
    in the folder.
    """

    LOCK = ".ehcp-analyse.lock"

    def __init__(self, folder: Path, fmt: str, force: bool) -> None:
        if folder.exists() and not folder.is_dir():
            raise OutputError(f"{folder}: is a file; give a folder for --out")
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{folder}: cannot be created ({exc.strerror}); give a folder "
                              "you can write to") from None
        self.folder = folder
        self.fmt = fmt
        self.notes: list[str] = []
        self._lock = self._take_lock()
        try:
            shown = [p.name for p in folder.iterdir() if not p.name.startswith(".")]
            if shown and not force:
                raise OutputError(f"{folder}: is not empty ({', '.join(sorted(shown)[:3])}"
                                  f"{'...' if len(shown) > 3 else ''}); choose another folder "
                                  "or pass --force to replace the analysis in it")
            self.work = Path(tempfile.mkdtemp(prefix=".partial-", dir=folder))
        except BaseException:
            self._release()
            raise
        self._files: dict[str, Any] = {}
        self._writers: dict[str, Any] = {}
        self._columns: dict[str, list[str]] = {}
        self._table_writer = None
        self._schema = None
        self.model: dict[str, Any] | None = None  # the scorer's manifest, for the report
        self.nlp = None  # the scorer's pipeline: the report marks evidence with it

    def _take_lock(self) -> Path:
        """Claim the folder for this run; clear what an interrupted run left behind.

        A second run into the same folder is refused while the first is alive. A lock whose
        process is gone (killed) is taken over, and its half-written ``.partial-*`` folders
        are removed and said so.
        """
        lock = self.folder / self.LOCK
        for _ in range(2):
            try:
                fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                owner = _lock_owner(lock)
                if owner is not None and _alive(owner):
                    raise OutputError(f"{self.folder}: another analysis (process {owner}) is "
                                      "writing to this folder; wait for it to finish or "
                                      "choose another --out") from None
                lock.unlink(missing_ok=True)
                continue
            with os.fdopen(fd, "w") as handle:
                handle.write(str(os.getpid()))
            break
        else:
            raise OutputError(f"{self.folder}: cannot take the lock {self.LOCK}; remove it if "
                              "no analysis is running")
        for leftover in self.folder.glob(".partial-*"):
            shutil.rmtree(leftover, ignore_errors=True)
            self.notes.append(f"{self.folder}: removed {leftover.name}, left by an analysis "
                              "that was interrupted")
        return lock

    def _release(self) -> None:
        if getattr(self, "_lock", None) is not None:
            self._lock.unlink(missing_ok=True)
            self._lock = None

    def path(self, name: str) -> Path:
        return self.work / (f"statements.{self.fmt}" if name == "statements" else f"{name}.csv")

    def append(self, name: str, rows: list[dict]) -> None:
        """Append rows to one of the streamed tables."""
        if name == "statements":
            self._append_statements(rows)
            return
        writer = self._writers.get(name)
        if writer is None:
            columns = {"findings": FINDING_COLUMNS, "links": LINK_COLUMNS,
                       "errors": ERROR_COLUMNS, "skipped": SKIPPED_COLUMNS}.get(name) \
                or list(rows[0])
            handle = self._files[name] = self.path(name).open("w", encoding="utf-8",
                                                              newline="")
            writer = csv.writer(handle)
            writer.writerow(columns)
            self._writers[name] = writer
            self._columns[name] = columns
        columns = self._columns[name]
        writer.writerows([spreadsheet_safe(row.get(c)) for c in columns] for row in rows)

    def _append_statements(self, rows: list[dict]) -> None:
        if self.fmt == "jsonl":
            handle = self._files.get("statements")
            if handle is None:
                handle = self._files["statements"] = self.path("statements").open(
                    "w", encoding="utf-8")
            handle.writelines(json.dumps(_plain(row, None), ensure_ascii=False) + "\n"
                              for row in rows)
            return
        # CSV and Parquet go through Arrow: its CSV writer formats the many probability
        # columns in C++, several times faster than the csv module.
        import pyarrow as pa

        if self._table_writer is None:
            schema = self._schema = pa.schema([(c, _arrow_type(c)) for c in rows[0]])
            if self.fmt == "parquet":
                import pyarrow.parquet as pq

                self._table_writer = pq.ParquetWriter(self.path("statements"), schema)
            else:
                import pyarrow.csv as pa_csv

                self._table_writer = pa_csv.CSVWriter(self.path("statements"), schema)
        schema = self._schema
        columns = _columns_of(rows, schema.names)
        if self.fmt == "csv":  # a spreadsheet must not run a statement (Parquet keeps it raw)
            columns = [[spreadsheet_safe(v) for v in values] if name in _TEXT_COLUMNS
                       else values for name, values in zip(schema.names, columns, strict=True)]
        arrays = [pa.array(values, type=kind, from_pandas=True)
                  for values, kind in zip(columns, schema.types, strict=True)]
        self._table_writer.write_table(pa.Table.from_arrays(arrays, schema=schema))

    def _close(self) -> None:
        for handle in self._files.values():
            handle.close()
        self._files.clear()
        if self._table_writer is not None:
            self._table_writer.close()
            self._table_writer = None

    def finish(self, analysis: Analysis, report: bool) -> None:
        """Write the small tables and the report, then move everything into place."""
        self._close()
        if not self.path("statements").exists():
            _empty_statements(self.path("statements"), self.fmt)
        for name, columns in (("findings", FINDING_COLUMNS), ("links", LINK_COLUMNS),
                              ("errors", ERROR_COLUMNS), ("skipped", SKIPPED_COLUMNS)):
            if not self.path(name).exists():
                pd.DataFrame(columns=columns).to_csv(self.path(name), index=False)
        safe_frame(analysis.plans).to_csv(self.work / "plans.csv", index=False)
        safe_frame(analysis.personal_data).to_csv(self.work / "personal_data.csv", index=False)
        if report:
            self._report(analysis)
        written = {item.name for item in self.work.iterdir()}
        for stale in _OUTPUT_NAMES - written:  # an earlier run's file this run does not write
            (self.folder / stale).unlink(missing_ok=True)
        for item in sorted(self.work.iterdir()):
            os.replace(item, self.folder / item.name)
        shutil.rmtree(self.work, ignore_errors=True)
        self._release()

    def _report(self, analysis: Analysis, limit: int = REPORT_LIMIT) -> None:
        from ehcp_nlp.bulk.checks import WEIGHTS
        from ehcp_nlp.bulk.report import render_report

        cut = []

        def back(name: str, frame: pd.DataFrame) -> pd.DataFrame:
            if len(frame) or not self.path(name).exists():
                return frame
            if name == "statements":
                if self.fmt != "csv":
                    return frame
                frame = _read_statements(self.path(name), limit + 1)
            else:
                frame = pd.read_csv(self.path(name), nrows=limit + 1, keep_default_na=False,
                                    na_values=[""], dtype=str if name != "links" else None)
            if len(frame) > limit:
                cut.append(name)
                frame = frame.iloc[:limit]
            return frame

        tables = [back("statements", analysis.statements), back("findings", analysis.findings),
                  back("links", analysis.links)]
        note = ""
        if cut:
            note = (f"Large analysis: the charts of statements and the plans' parts use the first "
                    f"{limit:,} rows of {', '.join(cut)}; the plans table covers every plan, "
                    "and the CSV files hold everything.")
        mark = None
        if self.nlp is not None:
            from ehcp_nlp.html import evidence_html

            mark = partial(evidence_html, self.nlp)
        html = render_report(*tables, analysis.plans, back("errors", analysis.errors),
                             weights=WEIGHTS, note=note, model=self.model,
                             skipped=analysis.totals.skipped, mark=mark)
        (self.work / "report.html").write_text(html, encoding="utf-8")

    def abort(self) -> None:
        """Remove what was written so far (nothing half-written is left behind)."""
        try:
            self._close()
        except Exception:  # noqa: BLE001 - best effort while failing
            pass
        shutil.rmtree(self.work, ignore_errors=True)
        self._release()


#: Every file an analysis writes: --force replaces them as a whole (none is left stale).
_OUTPUT_NAMES = frozenset({*(f"statements.{f}" for f in FORMATS), "findings.csv", "links.csv",
                           "plans.csv", "skipped.csv", "errors.csv", "personal_data.csv",
                           "report.html"})


def _lock_owner(lock: Path) -> int | None:
    try:
        return int(lock.read_text().strip() or "0") or None
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    """Whether a process is running (a lock it holds is live)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


_INT_COLUMNS = frozenset({"order", "page", "paragraph", "table", "row", "cell"})
#: Statement columns that carry text from the input (the rest is the model's own words).
_TEXT_COLUMNS = frozenset({"plan_id", "statement_id", "section", "heading", "location", "file",
                           "row_key", "ref", "cites", "text", "context", "steps"})
#: Yes/no verdicts that are empty where they do not apply (nullable booleans in frames).
_VERDICT_COLUMNS = ("smart", "specified", "quantified")
_BOOL_COLUMNS = frozenset({"smart", "specified", "quantified", "specific", "measurable",
                           "achievable", "realistic", "time_bound"})


def _columns_of(rows: list[dict], names: list[str]) -> list[Sequence]:
    """The rows' values column by column (``None`` where a row lacks a column)."""
    try:
        if len(names) > 1:  # itemgetter of one name gives values, not tuples
            return list(zip(*map(itemgetter(*names), rows), strict=True))
    except KeyError:
        pass
    return [[row.get(name) for row in rows] for name in names]


def _arrow_type(column: str):
    import pyarrow as pa

    if column in _INT_COLUMNS:
        return pa.int64()
    if column in _BOOL_COLUMNS or (column.startswith("provision_")
                                   and column != "provision_kind"):
        return pa.bool_()
    if column.startswith("p_") or column.endswith("_probability") or column in ("year_group",
                                                                                  "age"):
        return pa.float64()
    return pa.string()


def _plain(row: dict, missing: Any = "") -> dict:
    """The row with NaN as ``missing`` (empty in CSV, null in JSON and Parquet)."""
    return {k: (missing if isinstance(v, float) and v != v else v) for k, v in row.items()}


#: The statements' columns the report reads.
_REPORT_COLUMNS = ("plan_id", "statement_id", "order", "section", "heading", "location", "text",
                   "row_key", "type", "role", "p_aspiration", "p_need", "p_outcome",
                   "p_provision",
                   "smart", "specific", "measurable", "achievable", "realistic", "time_bound",
                   "specified", "provision_kind", "quantified", "area", "pfa", "findings",
                   "year_group", "age")


def _read_statements(path: Path, limit: int) -> pd.DataFrame:
    frame = pd.read_csv(path, nrows=limit, keep_default_na=False, na_values=[""],
                        usecols=lambda c: c in _REPORT_COLUMNS or c.startswith("p_"),
                        dtype={"section": str, "row_key": str, "plan_id": str, "heading": str})
    for column in _VERDICT_COLUMNS:
        if column in frame:
            frame[column] = frame[column].map({True: True, False: False, "True": True,
                                               "False": False}).astype("boolean")
    return frame


def _empty_statements(path: Path, fmt: str) -> None:
    empty = pd.DataFrame(columns=STATEMENT_COLUMNS)
    if fmt == "csv":
        empty.to_csv(path, index=False)
    elif fmt == "jsonl":
        path.write_text("", encoding="utf-8")
    else:
        empty.to_parquet(path, index=False)


__all__ = ["Analysis", "OutputError", "Totals", "analyse", "discover", "SECTION_TYPES"]
