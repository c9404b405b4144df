"""Bootstrap confidence intervals for classification metrics, plain and paired.

Both functions reduce the data to counts first. Every row falls in one *cell*, a combination of
its true label, its predicted label(s) and whether each prediction is right; a resample is then
a vector of cell counts, and every metric (accuracy, per-label precision, recall and F1,
macro-F1) is computed for all resamples at once from those counts with array arithmetic.

Rows are resampled when no groups are given; since rows are exchangeable, the cell counts of a
row resample are drawn directly from the multinomial distribution over cells (the same
distribution, drawn in ``O(cells)`` instead of ``O(rows)``). With groups, whole groups are
resampled (a cluster bootstrap): statements of one child are not independent, and resampling
them one by one would give intervals that are too narrow. The groups' cell counts are summed
with the number of times each group was drawn (``np.bincount`` over the drawn indices).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: Resampled units held in memory at once (resamples x groups), to bound memory on big data.
_CHUNK_CELLS = 4_000_000


def bootstrap_report(truth: Sequence[str], predicted: Sequence[str], classes: Sequence[str], *,
                     groups: Sequence[str] | None = None, n_resamples: int = 1000,
                     seed: int = 0, level: float = 0.95) -> dict:
    """Point estimates and percentile bootstrap intervals of accuracy, macro-F1 and per label.

    Metrics follow :func:`ehcp_nlp.model.evaluate.head_report` (scikit-learn's conventions):
    macro-F1 is the mean F1 over ``classes``, a label with no true and no predicted rows
    counting 0; labels outside ``classes`` count for accuracy only. Each resample computes the
    same metrics, and the interval is the ``(1 - level) / 2`` and ``(1 + level) / 2``
    percentiles of the resampled values. A label's precision (recall) is undefined where it is
    never predicted (never true): its point value is then 0, as in ``head_report``, and the
    resamples where it is undefined are left out of its interval (``None`` when no resample
    defines it).

    Parameters
    ----------
    truth, predicted
        True and predicted labels, one per row.
    classes
        The labels reported per label and averaged in macro-F1.
    groups
        The group (child, plan) of each row: whole groups are resampled (a cluster bootstrap).
        ``None`` resamples rows.
    n_resamples
        Bootstrap resamples.
    seed
        Seed of the random generator: the same seed gives the same intervals.
    level
        Coverage of the intervals.

    Returns
    -------
    dict
        JSON-ready: ``accuracy`` and ``macro_f1`` as ``{"value", "low", "high"}``;
        ``per_label``: label -> ``precision``, ``recall``, ``f1`` (each ``{"value", "low",
        "high"}``) and ``support``; ``method``, ``units`` (groups or rows resampled),
        ``n_resamples`` and ``level``.
    """
    truth, predicted = _labels(truth, len(truth)), _labels(predicted, len(truth))
    classes = list(classes)
    codes = [_codes(truth, classes), _codes(predicted, classes), truth == predicted]
    cells, table = _cells(codes)
    point, resampled, units = _counts(cells, len(table), groups, n_resamples, seed)
    t, p, right = table.T
    accuracy = _ratio(_sum(point, right), point.sum()), _ratio(_sum(resampled, right),
                                                               resampled.sum(axis=1))
    per_label = {}
    for k, label in enumerate(classes):
        stats = [_label_stats(counts, t, p, k) for counts in (point, resampled)]
        per_label[label] = {name: _interval(np.nan_to_num(stats[0][name]), stats[1][name], level)
                            for name in ("precision", "recall", "f1")}
        per_label[label]["support"] = int(_sum(point, t == k))
    macro = (_macro_f1(counts, t, p, len(classes)) for counts in (point, resampled))
    return {
        "accuracy": _interval(*accuracy, level),
        "macro_f1": _interval(*macro, level),
        "per_label": per_label,
        "method": _method(groups),
        "units": units,
        "n_resamples": int(n_resamples),
        "level": float(level),
    }


def paired_bootstrap(truth: Sequence[str], pred_a: Sequence[str], pred_b: Sequence[str],
                     classes: Sequence[str] | None, groups: Sequence[str] | None = None, *,
                     n_resamples: int = 1000, seed: int = 0, level: float = 0.95) -> dict:
    """Percentile bootstrap intervals of the difference B - A in accuracy and macro-F1.

    Both models are scored on the same resamples (each resample draws rows, or whole groups,
    once and scores A and B on them), so the interval of the difference reflects how the two
    models' errors go together rather than two independent uncertainties. A difference whose
    interval excludes 0 is one the data supports at the chosen level.

    Parameters
    ----------
    truth
        True labels, one per row.
    pred_a, pred_b
        The predictions of models A and B for the same rows.
    classes
        Labels averaged in macro-F1 (as in :func:`bootstrap_report`); ``None`` reports accuracy
        only (for models whose label sets differ, whose macro-F1 would not be comparable).
    groups
        The group of each row, for a cluster bootstrap; ``None`` resamples rows.
    n_resamples, seed, level
        As in :func:`bootstrap_report`.

    Returns
    -------
    dict
        JSON-ready: ``accuracy`` (and ``macro_f1`` unless ``classes`` is ``None``) as
        ``{"value", "low", "high"}`` of B - A; ``method``, ``units``, ``n_resamples``,
        ``level``.
    """
    n = len(truth)
    truth, pred_a, pred_b = (_labels(x, n) for x in (truth, pred_a, pred_b))
    labels = list(classes or [])
    codes = [_codes(truth, labels), _codes(pred_a, labels), _codes(pred_b, labels),
             truth == pred_a, truth == pred_b]
    cells, table = _cells(codes)
    point, resampled, units = _counts(cells, len(table), groups, n_resamples, seed)
    t, pa, pb, right_a, right_b = table.T
    out: dict = {}
    out["accuracy"] = _interval(
        *(_ratio(_sum(c, right_b) - _sum(c, right_a), total) for c, total
          in ((point, point.sum()), (resampled, resampled.sum(axis=1)))), level)
    if classes is not None:
        out["macro_f1"] = _interval(
            *(_macro_f1(c, t, pb, len(labels)) - _macro_f1(c, t, pa, len(labels))
              for c in (point, resampled)), level)
    return {**out, "method": _method(groups), "units": units,
            "n_resamples": int(n_resamples), "level": float(level)}


def _labels(values: Sequence[str], n: int) -> np.ndarray:
    array = np.asarray(values, dtype=str)
    if array.shape != (n,):
        raise ValueError(f"expected {n} labels, got an array of shape {array.shape}")
    if n == 0:
        raise ValueError("no rows to bootstrap")
    return array


def _codes(values: np.ndarray, classes: list[str]) -> np.ndarray:
    """Index of each value in ``classes``; ``len(classes)`` for a label outside them."""
    index = {c: i for i, c in enumerate(classes)}
    return np.array([index.get(v, len(classes)) for v in values], dtype=np.int64)


def _cells(codes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Each row's cell, and the table of cells (one row per cell, one column per code)."""
    stacked = np.column_stack([np.asarray(c, dtype=np.int64) for c in codes])
    table, cells = np.unique(stacked, axis=0, return_inverse=True)
    return cells.reshape(-1), table


def _counts(cells: np.ndarray, n_cells: int, groups: Sequence[str] | None, n_resamples: int,
            seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Cell counts of the data and of each resample: ``(n_cells,)``, ``(n_resamples, n_cells)``.

    Also returns the number of units resampled (groups, or rows).
    """
    rng = np.random.default_rng(seed)
    point = np.bincount(cells, minlength=n_cells)
    if groups is None:
        return point, rng.multinomial(len(cells), point / point.sum(), size=n_resamples), \
            len(cells)
    group_of_row = np.unique(np.asarray(groups, dtype=str), return_inverse=True)[1].reshape(-1)
    if len(group_of_row) != len(cells):
        raise ValueError(f"expected {len(cells)} groups, got {len(group_of_row)}")
    n_groups = int(group_of_row.max()) + 1
    by_group = np.zeros((n_groups, n_cells))
    np.add.at(by_group, (group_of_row, cells), 1)
    chunk = max(1, _CHUNK_CELLS // n_groups)
    parts = []
    for start in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - start)
        drawn = rng.integers(0, n_groups, size=(size, n_groups))
        offsets = (np.arange(size) * n_groups)[:, None]
        times = np.bincount((drawn + offsets).ravel(), minlength=size * n_groups)
        # float matrices, so that the product runs in BLAS (counts stay exact below 2**53)
        parts.append(times.reshape(size, n_groups).astype(float) @ by_group)
    return point, np.concatenate(parts) if parts else np.zeros((0, n_cells)), n_groups


def _sum(counts: np.ndarray, where: np.ndarray) -> np.ndarray:
    """Rows in the cells where ``where`` holds (per resample for 2-D counts)."""
    return counts @ where.astype(np.int64)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    numerator, denominator = np.asarray(numerator, float), np.asarray(denominator, float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(denominator > 0, numerator / np.where(denominator > 0, denominator, 1),
                        np.nan)


def _label_stats(counts: np.ndarray, t: np.ndarray, p: np.ndarray, k: int) -> dict:
    """Precision, recall and F1 of label ``k`` (``NaN`` where undefined)."""
    hits, support, chosen = _sum(counts, (t == k) & (p == k)), _sum(counts, t == k), \
        _sum(counts, p == k)
    return {"precision": _ratio(hits, chosen), "recall": _ratio(hits, support),
            "f1": _ratio(2 * hits, support + chosen)}


def _macro_f1(counts: np.ndarray, t: np.ndarray, p: np.ndarray, n_classes: int) -> np.ndarray:
    if n_classes == 0:
        return np.full(counts.shape[:-1], np.nan)
    return np.mean([np.nan_to_num(_label_stats(counts, t, p, k)["f1"])
                    for k in range(n_classes)], axis=0)


def _interval(value, resampled: np.ndarray, level: float) -> dict:
    """``{"value", "low", "high"}``: the percentile interval of the defined resamples."""
    value, resampled = float(value), np.asarray(resampled, float)
    defined = resampled[~np.isnan(resampled)]
    if not len(defined):
        return {"value": _number(value), "low": None, "high": None}
    tail = (1 - level) / 2
    low, high = np.quantile(defined, [tail, 1 - tail])
    return {"value": _number(value), "low": float(low), "high": float(high)}


def _number(value: float) -> float | None:
    # undefined metrics become null, since NaN is not valid JSON
    return None if np.isnan(value) else value


def _method(groups) -> str:
    return ("cluster bootstrap over groups, percentile interval" if groups is not None
            else "bootstrap over rows, percentile interval")
