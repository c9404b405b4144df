"""Leave-one-out by a column: train without one register (or voice, or batch), score it.

A figure on rows written like the training rows says little about text written otherwise.
For every value of a column such as ``register`` this trains on the rows without that value,
with the regularisation and temperatures the full model chose by cross-validation, and
scores the held-out rows with the same scorer the bundled model uses (so the derived SMART
and specified verdicts are the ones a user sees).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from ehcp_nlp.errors import CorpusFormatError
from ehcp_nlp.model.heads import HEADS
from ehcp_nlp.model.train import HeadFit, TrainingConfig, fit_final, process, roles_of


def holdout_by(
    frame: pd.DataFrame,
    column: str,
    fitted,
    *,
    config: TrainingConfig | None = None,
    min_rows: int = 30,
    progress: Callable[[str], None] | None = None,
) -> dict[str, dict]:
    """Leave-one-value-out evaluation of every head.

    Parameters
    ----------
    frame
        The labelled training corpus.
    column
        The column whose values are held out one at a time (``register``, ``voice``...).
    fitted
        The scorer trained on the whole corpus: each head's C and temperature are taken from
        its cross-validation, so nothing is tuned on the held-out rows.
    config
        Feature settings (the model's own by default are the library defaults).
    min_rows
        Values with fewer rows are skipped.
    progress
        Called with a short message per value.

    Returns
    -------
    dict
        Value -> ``{"rows": n, "<head>": {"macro_f1", "accuracy", "n"}, ...}`` for every
        head the held-out rows are labelled for (``smart`` and ``specified`` as shown).
    """
    from ehcp_nlp.model.evaluate import evaluate
    from ehcp_nlp.model.scorer import Scorer

    if column not in frame.columns:
        raise CorpusFormatError(f"no column {column!r} to hold out by")
    config = config or TrainingConfig()
    frame = frame.reset_index(drop=True).astype({"text": str, "group": str})
    roles = roles_of(frame, config.type_roles)
    cv = fitted.info["cross_validation"]
    heads = [h for h in HEADS if h.name in cv]
    nlp, docs = process(frame["text"].tolist())
    out: dict[str, dict] = {}
    values = [(value, count) for value, count in
              frame[column].astype(str).value_counts().sort_index().items()
              if count >= min_rows and value]
    for k, (value, count) in enumerate(values, start=1):
        if progress:
            progress(f"holding out {column} {value!r}, {k}/{len(values)} ({count} rows)")
        keep = (frame[column].astype(str) != value).to_numpy()
        train = frame[keep].reset_index(drop=True)
        kept_docs = [d for d, k in zip(docs, keep, strict=True) if k]
        fits = {}
        for head in heads:
            rows = head.rows(train, roles)
            classes = tuple(sorted(set(train.loc[rows, head.name].astype(str))))
            if len(classes) < 2:
                continue
            fits[head.name] = HeadFit(head, classes, cv[head.name]["c"],
                                      cv[head.name]["temperature"], float("nan"),
                                      np.array([]), np.array([]))
        featurizer, linear, estimators = fit_final(kept_docs, train, fits, config, roles)
        info = {"type_roles": {t: roles.get(t) for t in fits["type"].classes},
                "cross_validation": {}}
        scorer = Scorer(featurizer, linear, estimators, info, nlp=fitted.nlp)
        report = evaluate(scorer, frame[~keep].reset_index(drop=True))
        out[value] = {"rows": int(count), **{
            name: {"macro_f1": entry["macro_f1"], "accuracy": entry["accuracy"],
                   "n": entry["n"]}
            for name, entry in report.items() if isinstance(entry, dict) and "macro_f1" in entry}}
    return out


__all__ = ["holdout_by"]
