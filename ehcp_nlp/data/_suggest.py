"""Which unlabelled statements to annotate next: uncertain ones, and not alike.

Active learning's two classic signals. Uncertainty: the trained model is unsure of the type
(its two most probable types are close), or, for a statement it reads as an outcome or as
provision, of a SMART criterion or of quantification (a probability near 0.5). Diversity: the
most uncertain statements are often variants of one another, so from the ``5 * n`` most
uncertain the statements are picked farthest-first (each next pick the candidate least like
those already picked, weighted by its uncertainty), and a near duplicate of a pick (character
5-gram TF-IDF cosine at or above :data:`~ehcp_nlp.data.NEAR_DUPLICATE_THRESHOLD`) is never
picked.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ehcp_nlp import labels
from ehcp_nlp.data._read import read_text_file
from ehcp_nlp.data._stats import NEAR_DUPLICATE_THRESHOLD, char_vectors, normalised_text
from ehcp_nlp.errors import EhcpError, InputFileError

#: Candidates considered for diversity, as a multiple of the number asked for.
CANDIDATE_FACTOR = 5
#: The model's reading, pre-filled next to the empty label columns.
SUGGESTED_COLUMNS = ("suggested_type", "suggested_smart",
                     *(f"suggested_{c}" for c in labels.CRITERIA),
                     "suggested_specified", "suggested_area", "suggested_pfa")


@dataclass(frozen=True)
class Suggestion:
    """One statement worth annotating.

    Attributes
    ----------
    id
        The pool's ``id`` for it, or ``pool-<row>``.
    text
        The statement.
    row
        Its row in the pool (a table's data rows and a text file's lines count from 1).
    group
        The pool's plan or child identifier, when it has one.
    uncertainty
        In [0, 1]: one minus the margin between the two most probable answers, for the type
        and, for a statement read as an outcome or as provision, for each SMART criterion or
        for quantification (``1 - |p(yes) - p(no)|``); the largest of these.
    reason
        Which score is uncertain and its probabilities, in words.
    reading
        The model's labels: ``type``, and ``smart`` with the criteria for an outcome,
        ``specified`` for provision, ``area`` and ``pfa`` (``yes``/``no`` for the verdicts).
    probabilities
        The probability of every type.
    """

    id: str
    text: str
    row: int
    group: str
    uncertainty: float
    reason: str
    reading: dict[str, str]
    probabilities: dict[str, float]

    def to_dict(self) -> dict:
        """Return a JSON-ready dictionary."""
        return asdict(self)


@dataclass(frozen=True)
class Suggestions:
    """The statements to annotate next, in the order picked.

    Attributes
    ----------
    items
        The suggestions, most informative first.
    pool_size
        Statements in the pool after dropping empty ones and exact repeats.
    candidates
        How many of the most uncertain were considered for diversity.
    threshold
        The cosine at or above which two statements are near duplicates (never both picked).
    """

    items: tuple[Suggestion, ...]
    pool_size: int
    candidates: int
    threshold: float = field(default=NEAR_DUPLICATE_THRESHOLD)

    def to_frame(self) -> pd.DataFrame:
        """A table ready to annotate.

        The corpus columns (:data:`ehcp_nlp.labels.COLUMNS`) come first with ``id``, ``text``
        and, when the pool names it, ``group`` filled in and the labels empty; then the
        model's reading (``suggested_type``, ``suggested_smart``, ...), ``uncertainty``,
        ``reason`` and the pool row.
        """
        records = []
        for item in self.items:
            record = dict.fromkeys(labels.COLUMNS, "")
            record.update(id=item.id, text=item.text, group=item.group)
            for column in SUGGESTED_COLUMNS:
                record[column] = item.reading.get(column.removeprefix("suggested_"), "")
            record.update(uncertainty=round(item.uncertainty, 4), reason=item.reason,
                          pool_row=item.row)
            records.append(record)
        columns = [*labels.COLUMNS, *SUGGESTED_COLUMNS, "uncertainty", "reason", "pool_row"]
        return pd.DataFrame(records, columns=columns)

    def to_dict(self) -> dict:
        """Return a JSON-ready dictionary."""
        return {"pool_size": self.pool_size, "candidates": self.candidates,
                "threshold": self.threshold, "suggestions": [s.to_dict() for s in self.items]}


def read_pool(path: str | Path, *, text_column: str | None = None) -> pd.DataFrame:
    """Read unlabelled statements: a table with a text column, or one statement a line.

    Parameters
    ----------
    path
        A CSV, TSV, JSON Lines, Parquet or Excel table (its text column is found by name, as
        for ``ehcp analyse``) or a UTF-8 text file.
    text_column
        The table's column of statements, when its name is not one of the usual ones.

    Returns
    -------
    pandas.DataFrame
        Columns ``id`` (a CSV or TSV table's ``id`` column, else ``pool-<row>``), ``text``,
        ``group`` (the table's plan or child column, else empty) and ``row``.
    """
    from ehcp_nlp.bulk.tables import is_table, read_table

    path = Path(path)
    if is_table(path):
        chunks = [chunk.frame for chunk in read_table(path, text_column=text_column)]
        frame = pd.concat(chunks, ignore_index=True)
        ids = _id_column(path)
        out = pd.DataFrame({"text": frame["text"], "group": frame["plan_id"],
                            "row": frame["row"]})
        out.insert(0, "id", ids if ids is not None and len(ids) == len(out)
                   else [f"pool-{r}" for r in out["row"]])
        return out
    lines = read_text_file(path).splitlines()
    kept = [(n, line.strip()) for n, line in enumerate(lines, start=1) if line.strip()]
    if not kept:
        raise InputFileError(f"{path}: has no statements; put one statement on each line")
    return pd.DataFrame({"id": [f"pool-{n}" for n, _ in kept], "text": [t for _, t in kept],
                         "group": "", "row": [n for n, _ in kept]})


def _id_column(path: Path) -> list[str] | None:
    """The table's ``id`` column, read on its own (the table reader keeps only known ones)."""
    if path.suffix.lower() not in (".csv", ".tsv", ".tab"):
        return None
    sep = "," if path.suffix.lower() == ".csv" else "\t"
    try:
        header = pd.read_csv(path, sep=sep, nrows=0, encoding_errors="replace").columns
        column = next((c for c in header if str(c).strip().lower() == "id"), None)
        if column is None:
            return None
        return pd.read_csv(path, sep=sep, usecols=[column], dtype=str, keep_default_na=False,
                           encoding_errors="replace")[column].tolist()
    except (ValueError, OSError):
        return None


def _pool_frame(pool: pd.DataFrame | Sequence[str]) -> pd.DataFrame:
    if isinstance(pool, pd.DataFrame):
        if "text" not in pool.columns:
            raise InputFileError("the pool has no 'text' column; columns are "
                                 + ", ".join(map(str, pool.columns)))
        frame = pool.reset_index(drop=True).fillna("")
        rows = frame["row"] if "row" in frame.columns else pd.Series(range(1, len(frame) + 1))
        ids = (frame["id"].astype(str) if "id" in frame.columns
               else rows.map(lambda r: f"pool-{r}"))
        group = frame["group"].astype(str) if "group" in frame.columns else ""
        return pd.DataFrame({"id": ids, "text": frame["text"].astype(str), "group": group,
                             "row": rows})
    texts = [str(t) for t in pool]
    return pd.DataFrame({"id": [f"pool-{i}" for i in range(1, len(texts) + 1)],
                         "text": texts, "group": "", "row": range(1, len(texts) + 1)})


def _yes_no(p: float) -> str:
    return "" if np.isnan(p) else ("yes" if p >= 0.5 else "no")


def _reading(score) -> tuple[float, str, dict[str, str]]:
    """Uncertainty, its reason and the model's labels for one statement's score."""
    probabilities = sorted(score.probabilities.items(), key=lambda kv: -kv[1])
    runner_up = probabilities[1][1] if len(probabilities) > 1 else 0.0
    type_uncertainty = 1 - (probabilities[0][1] - runner_up)
    reasons = [(type_uncertainty, "type " + " / ".join(f"{t} {p:.2f}"
                                                       for t, p in probabilities[:2]))]
    reading = {"type": score.type, "area": score.area, "pfa": score.pfa}
    if score.role == "outcome":
        reading["smart"] = _yes_no(score.smart_probability)
        for name, criterion in score.criteria.items():
            reading[name] = "yes" if criterion.met else "no"
            reasons.append((1 - abs(2 * criterion.probability - 1),
                            f"{name} p(yes) {criterion.probability:.2f}"))
    if score.role == "provision" and not np.isnan(score.specified_probability):
        reading["specified"] = _yes_no(score.specified_probability)
        reasons.append((1 - abs(2 * score.specified_probability - 1),
                        f"specified p(yes) {score.specified_probability:.2f}"))
    uncertainty, reason = max(reasons, key=lambda r: r[0])
    return float(uncertainty), reason, reading


def suggest(pool: pd.DataFrame | Sequence[str], *, scorer, n: int = 50,
            seed: int = 0) -> Suggestions:
    """Pick the ``n`` unlabelled statements that would teach the model most.

    Parameters
    ----------
    pool
        Statements: a sequence of texts, or a frame with a ``text`` column (and optionally
        ``id``, ``group`` and ``row``, as :func:`read_pool` returns).
    scorer
        A trained :class:`~ehcp_nlp.Scorer`.
    n
        How many to pick (fewer when the pool has fewer distinct statements).
    seed
        Breaks ties between equally uncertain statements.

    Returns
    -------
    Suggestions
    """
    if n < 1:
        raise EhcpError(f"n={n}: ask for at least one statement")
    frame = _pool_frame(pool)
    frame = frame[frame["text"].str.strip().ne("")]
    frame = frame[~frame["text"].map(normalised_text).duplicated()].reset_index(drop=True)
    if frame.empty:
        raise InputFileError("the pool has no statements to suggest")
    readings, probabilities = [], []
    for score in scorer.score_many(frame["text"].tolist()):
        readings.append(_reading(score))
        probabilities.append({k: float(p) for k, p in score.probabilities.items()})
    uncertainty = np.array([r[0] for r in readings])
    tie_break = np.random.default_rng(seed).random(len(frame))
    order = np.lexsort((tie_break, -uncertainty))
    size = min(len(frame), CANDIDATE_FACTOR * n)
    picked = _farthest_first(frame["text"].to_numpy()[order[:size]], uncertainty[order[:size]],
                             n)
    if len(picked) < n and size < len(frame):  # the candidates were mostly near duplicates
        picked = _farthest_first(frame["text"].to_numpy()[order], uncertainty[order], n)
        size = len(frame)
    items = []
    for j in order[picked]:
        value, reason, reading = readings[j]
        record = frame.iloc[j]
        items.append(Suggestion(str(record["id"]), str(record["text"]), int(record["row"]),
                                str(record["group"]), value, reason, reading,
                                probabilities[j]))
    return Suggestions(tuple(items), len(frame), size)


def _farthest_first(texts: np.ndarray, uncertainty: np.ndarray, n: int) -> list[int]:
    """Greedy max-min selection weighted by uncertainty, skipping near duplicates.

    The first pick is the most uncertain; each next one maximises its uncertainty times its
    cosine distance to the nearest pick so far.
    """
    if len(texts) == 0:
        return []
    vectors = char_vectors(list(texts))
    nearest = np.zeros(len(texts))  # highest similarity to any pick so far
    available = np.ones(len(texts), dtype=bool)
    weight = np.maximum(uncertainty, 1e-6)
    picked: list[int] = []
    while len(picked) < n and available.any():
        gain = np.where(available, weight * (1 - nearest), -np.inf)
        choice = int(gain.argmax())
        picked.append(choice)
        similarity = (vectors @ vectors[choice].T).toarray().ravel()
        nearest = np.maximum(nearest, similarity)
        available &= nearest < NEAR_DUPLICATE_THRESHOLD
        available[choice] = False
    return picked
