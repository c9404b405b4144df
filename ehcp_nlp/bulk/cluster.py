"""Scoring past one machine: the same scoring function on a Dask cluster.

``score_partition`` scores one pandas partition with the bundled (or a given) model, loading
the model once per worker process; use it with ``dask.dataframe``::

    import dask.dataframe as dd
    from distributed import Client
    from ehcp_nlp.bulk.cluster import score_partition, score_meta

    client = Client("scheduler-address:8786")          # or LocalCluster() on one machine
    statements = dd.read_parquet("s3://bucket/statements/*.parquet")
    scored = statements.map_partitions(score_partition, meta=score_meta(statements))
    scored.to_parquet("s3://bucket/scored/")

Every worker needs ``ehcp-nlp`` installed (the model is read from its installation, or from
``model``, a directory every worker can read). Plan-level checks need a plan's statements
together: ``statements.shuffle("plan_id")`` first, then ``map_partitions`` with
``check_partition``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from ehcp_nlp.model.scorer import score_row

_SCORERS: dict[Any, Any] = {}


def _scorer(model):
    scorer = _SCORERS.get(model)
    if scorer is None:
        import ehcp_nlp

        scorer = _SCORERS[model] = ehcp_nlp.load(model)
    return scorer


def score_partition(partition: pd.DataFrame, text_column: str = "text",
                    model: str | None = None) -> pd.DataFrame:
    """Return the partition with the score columns of ``statements.csv`` added.

    Rows with an empty text get empty scores and an ``error``; nothing is dropped.
    """
    scorer = _scorer(model)
    texts = partition[text_column]
    valid = texts.map(lambda t: isinstance(t, str) and bool(t.strip())).to_numpy()
    scored = [score_row(s) for s in scorer.score_many(texts[valid].tolist(), batch_size=2000)]
    columns = pd.DataFrame(scored, index=partition.index[valid], columns=_score_columns(model))
    out = partition.join(columns.reindex(partition.index))
    out["error"] = ["" if ok else "empty text: nothing to score" for ok in valid]
    return out


def score_meta(frame, text_column: str = "text", model: str | None = None) -> pd.DataFrame:
    """An empty frame with the columns and types ``score_partition`` returns (Dask's meta)."""
    example = frame._meta if hasattr(frame, "_meta") else frame.iloc[:0]
    return score_partition(pd.concat([example, pd.DataFrame({text_column: ["x"]})],
                                     ignore_index=True).iloc[:1], text_column, model).iloc[:0]


def _score_columns(model) -> list[str]:
    return list(score_row(next(_scorer(model).score_many(["x"]))))


def check_partition(partition: pd.DataFrame) -> pd.DataFrame:
    """Plan-level findings for a partition holding whole plans (scored rows by ``plan_id``)."""
    from ehcp_nlp.bulk.checks import PlanFacts, check_plan

    rows = []
    for plan_id, plan in partition.groupby("plan_id", sort=False):
        records = plan.assign(statement_id=plan.get("statement_id", plan.index.astype(str)),
                              section=plan.get("section", ""),
                              location=plan.get("location", "")).to_dict("records")
        year = pd.to_numeric(plan.get("year_group", pd.Series(dtype=float)), errors="coerce")
        age = pd.to_numeric(plan.get("age", pd.Series(dtype=float)), errors="coerce")
        facts = PlanFacts(str(plan_id), "", int(year.max()) if year.notna().any() else None,
                          int(age.max()) if age.notna().any() else None, None)
        rows.extend(check_plan(records, facts).findings)
    return pd.DataFrame(rows, columns=["plan_id", "code", "section", "statement_id",
                                       "statement", "location", "message"])
