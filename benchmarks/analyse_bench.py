"""Measure bulk analysis against the bars of its issue.

    python benchmarks/analyse_bench.py faults              # recall and precision on the plans
    python benchmarks/analyse_bench.py speed --rows 60000  # end-to-end statements/s, one core
    python benchmarks/analyse_bench.py memory --rows 1000000   # peak memory of one run
    python benchmarks/analyse_bench.py pii                 # personal-data scan, statements/s

``faults``: analyse data/plans and compare the findings with the planted faults in each plan's
``.key.json``. A finding matches a fault when the code is the same and so is the statement
(whitespace and case ignored), or, for plan-level codes (``no_pfa_outcomes``,
``missing_section``), the plan and the section. Precision and recall per code.

``speed``: a table of ``--rows`` statements drawn from data/statements.csv and data/test.csv
(with replacement; one plan per 15 rows, sections from the labelled types), analysed end to end
(read, score, check, write every output but the report) with one worker process; median of
``--repeats`` runs, BLAS threads limited to one.

``memory``: the same kind of table, of ``--rows`` rows, analysed in a child process with the
outputs written to a temporary folder; the child's peak resident memory (``ru_maxrss``).
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
SECTIONS = {"aspiration": "A", "need": "B", "outcome": "E", "provision": "F"}
PLAN_LEVEL = ("no_pfa_outcomes", "missing_section")


def _norm(text) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip().lower()


def faults() -> dict:
    from ehcp_nlp.bulk import analyse

    result = analyse([ROOT / "data" / "plans"])
    keys = [json.loads(p.read_text()) for p in sorted((ROOT / "data" / "plans").glob("*.json"))]
    expected = Counter()
    truth: set[tuple] = set()
    for key in keys:
        for fault in key["faults"]:
            item = ((key["plan_id"], fault["code"], fault["section"]) if fault["code"] in
                    PLAN_LEVEL else (key["plan_id"], fault["code"], _norm(fault["statement"])))
            truth.add(item)
            expected[fault["code"]] += 1
    found = Counter()
    hit = Counter()
    matched: set[tuple] = set()
    for row in result.findings.itertuples():
        item = ((row.plan_id, row.code, row.section) if row.code in PLAN_LEVEL
                else (row.plan_id, row.code, _norm(row.statement)))
        found[row.code] += 1
        if item in truth:
            hit[row.code] += 1
            matched.add(item)
    recall_hits = Counter(code for _, code, _ in matched)
    table = {}
    print(f"{'finding':28} {'planted':>7} {'found':>6} {'right':>6} {'recall':>7} "
          f"{'precision':>9}")
    for code in sorted(set(expected) | set(found)):
        recall = recall_hits[code] / expected[code] if expected[code] else float("nan")
        precision = hit[code] / found[code] if found[code] else float("nan")
        table[code] = {"planted": expected[code], "found": found[code], "right": hit[code],
                       "recall": recall, "precision": precision}
        print(f"{code:28} {expected[code]:7d} {found[code]:6d} {hit[code]:6d} "
              f"{recall:7.2f} {precision:9.2f}")
    total_expected, total_found = sum(expected.values()), sum(found.values())
    print(f"{'all':28} {total_expected:7d} {total_found:6d} {len(matched):6d} "
          f"{len(matched) / total_expected:7.2f} {sum(hit.values()) / total_found:9.2f}")
    return table


def make_table(rows: int, path: Path, seed: int = 0) -> Path:
    corpus = pd.concat([pd.read_csv(ROOT / "data" / "statements.csv"),
                        pd.read_csv(ROOT / "data" / "test.csv")], ignore_index=True)
    rng = np.random.default_rng(seed)
    picked = corpus.iloc[rng.integers(0, len(corpus), rows)]
    table = pd.DataFrame({"plan_id": [f"plan{i // 15:07d}" for i in range(rows)],
                          "section": picked["type"].map(SECTIONS).to_numpy(),
                          "text": picked["text"].to_numpy(),
                          "year_group": rng.integers(0, 14, rows // 15 + 1).repeat(15)[:rows]})
    table.to_csv(path, index=False)
    return path


def speed(rows: int, repeats: int) -> dict:
    from threadpoolctl import threadpool_limits

    import ehcp_nlp
    from ehcp_nlp.bulk import analyse

    scorer = ehcp_nlp.load()
    with tempfile.TemporaryDirectory() as tmp:
        table = make_table(rows, Path(tmp) / "table.csv")
        analyse([table], scorer=scorer, out=Path(tmp) / "warm", report=False)
        rates = []
        with threadpool_limits(1):
            for k in range(repeats):
                started = time.perf_counter()
                analyse([table], scorer=scorer, out=Path(tmp) / f"out{k}", report=False)
                rates.append(rows / (time.perf_counter() - started))
    rate = statistics.median(rates)
    print(f"end to end, one core: median {rate:,.0f} statements/s over {rows:,} rows "
          f"({repeats} runs: {', '.join(f'{r:,.0f}' for r in rates)}); bar 3,000")
    return {"rows": rows, "runs": rates, "median": rate}


def memory(rows: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        table = make_table(rows, Path(tmp) / "table.csv")
        code = ("import sys, time; from ehcp_nlp.bulk import analyse; t = time.perf_counter(); "
                "r = analyse([sys.argv[1]], out=sys.argv[2]); "
                "print(r.totals.scored, time.perf_counter() - t)")
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        done = subprocess.run([sys.executable, "-c", code, str(table), str(Path(tmp) / "out")],
                              capture_output=True, text=True, check=True)
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    scored, seconds = done.stdout.split()
    print(f"{int(scored):,} statements analysed (report included) in {float(seconds):,.0f} s; "
          f"peak memory {peak_kib / 1024:,.0f} MiB (bar 1,024 MiB; before: "
          f"{before / 1024:,.0f} MiB)")
    return {"rows": rows, "scored": int(scored), "seconds": float(seconds),
            "peak_mib": peak_kib / 1024}


def pii(repeats: int) -> dict:
    from ehcp_nlp.bulk.pii import count_personal_data

    texts = pd.concat([pd.read_csv(ROOT / "data" / name, usecols=["text"])
                       for name in ("statements.csv", "test.csv")])["text"].tolist() * 10
    rates = []
    for _ in range(repeats):
        started = time.perf_counter()
        count_personal_data(texts)
        rates.append(len(texts) / (time.perf_counter() - started))
    rate = statistics.median(rates)
    print(f"personal-data scan: median {rate:,.0f} statements/s over {len(texts):,} statements "
          f"({repeats} runs)")
    return {"statements": len(texts), "runs": rates, "median": rate}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["faults", "speed", "memory", "pii"])
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    report = {"faults": faults, "speed": lambda: speed(args.rows, args.repeats),
              "memory": lambda: memory(args.rows), "pii": lambda: pii(args.repeats)}[args.what]()
    out = ROOT / "benchmarks" / f"analyse_{args.what}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
