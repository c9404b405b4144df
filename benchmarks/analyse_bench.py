"""Measure bulk analysis against the bars of its issue.

    python benchmarks/analyse_bench.py faults              # recall and precision on the plans
    python benchmarks/analyse_bench.py speed --rows 60000  # end-to-end statements/s, one core
    python benchmarks/analyse_bench.py memory --rows 1000000   # peak memory of one run
    python benchmarks/analyse_bench.py pii                 # personal-data scan, statements/s
    python benchmarks/analyse_bench.py jobs                # --jobs 1 against 2 on 20 plans
    python benchmarks/analyse_bench.py document --sizes 1 5 10   # one long text plan, MB

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

``document``: one text plan of each ``--sizes`` megabytes (Sections A, B, E and F filled with
statements drawn from data/statements.csv, the other sections "None."), analysed in a child
process with its outputs written; wall time and the child's peak resident memory, beside the
peak of a child that only loads the model.
"""

from __future__ import annotations

import argparse
import functools
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
    """Findings, skipped text, clean statements and facts of ``analyse`` against the keys."""
    from ehcp_nlp.bulk import analyse

    result = analyse([ROOT / "data" / "plans"])
    keys = [json.loads(p.read_text()) for p in sorted((ROOT / "data" / "plans").glob("*.json"))]
    thread = {"need_without_outcome", "outcome_without_provision"}
    expected = Counter()
    truth: set[tuple] = set()
    for key in keys:
        for fault in key["faults"]:
            truth.add(_item(key["plan_id"], fault["code"], fault["section"],
                            fault.get("statement")))
            expected[fault["code"]] += 1
    found, hit = Counter(), Counter()
    matched: set[tuple] = set()
    wrong = []
    for row in result.findings.itertuples():
        item = _item(row.plan_id, row.code, row.section, row.statement)
        found[row.code] += 1
        if item in truth:
            hit[row.code] += 1
            matched.add(item)
        else:
            wrong.append(item)
    recall_hits = Counter(item[1] for item in matched)
    table = {}
    print(f"{'finding':28} {'planted':>7} {'found':>6} {'right':>6} {'recall':>7} "
          f"{'precision':>9}  bar")
    for code in sorted(set(expected) | set(found)):
        recall = recall_hits[code] / expected[code] if expected[code] else float("nan")
        precision = hit[code] / found[code] if found[code] else float("nan")
        bar = (0.70, 0.70) if code in thread else (0.85, 0.80)
        table[code] = {"planted": expected[code], "found": found[code], "right": hit[code],
                       "recall": recall, "precision": precision,
                       "bar_recall": bar[0], "bar_precision": bar[1]}
        print(f"{code:28} {expected[code]:7d} {found[code]:6d} {hit[code]:6d} "
              f"{recall:7.2f} {precision:9.2f}  {bar[0]:.2f}/{bar[1]:.2f}")
    total_expected, total_found = sum(expected.values()), sum(found.values())
    print(f"{'all':28} {total_expected:7d} {total_found:6d} {len(matched):6d} "
          f"{len(matched) / total_expected:7.2f} {sum(hit.values()) / total_found:9.2f}")
    report = {"findings": table, **_skipped_figures(result, keys),
              **_clean_figures(result, keys), **_fact_figures(result, keys),
              "unplanted_findings": [list(w) for w in wrong]}
    return report


def _item(plan_id, code, section, statement) -> tuple:
    return ((plan_id, code, section) if code in PLAN_LEVEL
            else (plan_id, code, _norm(statement)))


@functools.cache
def _builder():
    """data/plans/build_plans.py, whose count of a source's statements the keys follow."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_plans", ROOT / "data" / "plans" / "build_plans.py")
    builder = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(builder)
    return builder


def _statement_texts(key_path: Path) -> set[str]:
    """Every statement of a fixture's source (as the plan builder counts them), normalised."""
    builder = _builder()
    source = json.loads((key_path.parent / "src" / f"{key_path.stem.split('.')[0]}.json")
                        .read_text())
    return {_norm(text) for text in builder._statements(source) if text}


def _skipped_figures(result, keys) -> dict:
    """Recall: the keys' skip-list text found in skipped.csv; precision: skipped text that is
    no statement of the plan; furniture scored: skip-list text that reached statements.csv."""
    skipped = result.skipped
    by_plan: dict[str, set[str]] = {}
    for row in skipped.itertuples():
        by_plan.setdefault(row.plan_id, set()).add(_norm(row.text))
    statements_by_plan: dict[str, set[str]] = {}
    for row in result.statements.itertuples():
        statements_by_plan.setdefault(row.plan_id, set()).add(_norm(row.text))
    expected = recalled = wrong = scored = 0
    per_why: Counter = Counter()
    per_why_hit: Counter = Counter()
    missed, false_skips, furniture_scored = [], [], []
    for key in keys:
        plan = key["plan_id"]
        got = by_plan.get(plan, set())
        statements = _statement_texts(ROOT / "data" / "plans" / f"{plan}.key.json")
        for item in key.get("skipped", []):
            text = _norm(item["text"])
            expected += 1
            per_why[item["why"]] += 1
            if text in got or any(text in g for g in got):
                recalled += 1
                per_why_hit[item["why"]] += 1
            else:
                missed.append([plan, item["why"], item["text"]])
            if text in statements_by_plan.get(plan, set()):
                scored += 1
                furniture_scored.append([plan, item["why"], item["text"]])
        for text in got:
            if len(text) >= 12 and any(text == s or (text in s and len(text) > 30)
                                       for s in statements):
                wrong += 1
                false_skips.append([plan, text])
    total = len(skipped)
    figures = {"skipped_recall": recalled / expected if expected else float("nan"),
               "skipped_precision": (total - wrong) / total if total else float("nan"),
               "skipped_expected": expected, "skipped_rows": total,
               "furniture_scored": scored,
               "skipped_recall_by_why": {w: per_why_hit[w] / n for w, n in sorted(
                   per_why.items())},
               "skipped_missed": missed, "false_skips": false_skips,
               "furniture_scored_rows": furniture_scored}
    print(f"skipped text: recall {figures['skipped_recall']:.3f} ({recalled}/{expected}), "
          f"precision {figures['skipped_precision']:.3f} ({total - wrong}/{total}); "
          f"furniture scored as statements: {scored}")
    return figures


def _clean_figures(result, keys) -> dict:
    """Clean statements that got a finding (the bar: none)."""
    flagged = {(r.plan_id, _norm(r.statement)): r.code for r in result.findings.itertuples()}
    clean = [(k["plan_id"], _norm(c)) for k in keys for c in k.get("clean", [])]
    bad = [[plan, flagged[(plan, text)], text] for plan, text in clean if (plan, text) in flagged]
    print(f"clean statements: {len(clean)}, with a finding: {len(bad)}")
    return {"clean_statements": len(clean), "clean_with_finding": bad}


def _fact_figures(result, keys) -> dict:
    """Year group read wherever the plan states it (keys with a year_group)."""
    plans = result.plans.set_index("plan_id")
    stated = [k for k in keys if k.get("year_group") is not None
              and k.get("facts_from") in ("cover", "text")]
    right, wrong = 0, []
    for key in stated:
        got = plans.loc[key["plan_id"], "year_group"] if key["plan_id"] in plans.index else None
        if got is not None and not pd.isna(got) and int(got) == key["year_group"]:
            right += 1
        else:
            wrong.append([key["plan_id"], key["year_group"], None if got is None or pd.isna(got)
                          else int(got)])
    print(f"year group read: {right}/{len(stated)} plans that state it")
    return {"year_group_stated": len(stated), "year_group_read": right,
            "year_group_wrong": wrong}


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


def make_document(megabytes: float, path: Path, seed: int = 0) -> Path:
    corpus = pd.read_csv(ROOT / "data" / "statements.csv")
    rng = np.random.default_rng(seed)
    lines = ["Education, Health and Care Plan", "", "Year group: 10", ""]
    for heading, kind in (("Section A: All about me", "aspiration"),
                          ("Section B: Special educational needs", "need"),
                          ("Section E: Outcomes", "outcome"),
                          ("Section F: Special educational provision", "provision")):
        texts = corpus.loc[corpus["type"] == kind, "text"].to_numpy()
        lines += [heading, ""]
        size = 0
        while size < megabytes * 1e6 / 4:
            text = str(texts[rng.integers(len(texts))])
            lines += [text, ""]
            size += len(text) + 2
    for section in "CDGHIJK":
        lines += [f"Section {section}", "", "None.", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def document(sizes: list[float]) -> dict:
    code = ("import sys, time; from ehcp_nlp.bulk import analyse; t = time.perf_counter(); "
            "r = analyse([sys.argv[1]], out=sys.argv[2], report=False); "
            "print(r.totals.scored, time.perf_counter() - t)")
    baseline = ("import resource, ehcp_nlp; ehcp_nlp.load(); "
                "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    model_kib = int(subprocess.run([sys.executable, "-c", baseline], capture_output=True,
                                   text=True, check=True).stdout)
    print(f"model loaded alone: peak {model_kib / 1024:,.0f} MiB")
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for megabytes in sizes:
            plan = make_document(megabytes, Path(tmp) / f"plan-{megabytes}.txt")
            wrapper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], "
                       "check=True); print(resource.getrusage(resource.RUSAGE_CHILDREN)"
                       ".ru_maxrss, file=sys.stderr)")
            done = subprocess.run([sys.executable, "-c", wrapper, sys.executable, "-c", code,
                                   str(plan), str(Path(tmp) / f"out-{megabytes}")],
                                  capture_output=True, text=True, check=True)
            scored, seconds = done.stdout.split()
            peak = int(done.stderr.split()[-1]) / 1024
            runs.append({"megabytes": plan.stat().st_size / 1e6, "statements": int(scored),
                         "seconds": float(seconds), "peak_mib": peak,
                         "above_model_mib": peak - model_kib / 1024})
            print(f"{plan.stat().st_size / 1e6:5.1f} MB plan, {int(scored):,} statements: "
                  f"{float(seconds):,.1f} s, peak {peak:,.0f} MiB "
                  f"({peak - model_kib / 1024:,.0f} MiB above the model)")
    return {"model_mib": model_kib / 1024, "runs": runs}


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


def jobs(repeats: int) -> dict:
    """Wall time of ``ehcp analyse`` on 20 fixture plans with --jobs 1 and --jobs 2."""
    plans = sorted(p for p in (ROOT / "data" / "plans").iterdir()
                   if p.suffix in (".docx", ".pdf", ".md", ".txt"))[:20]
    times: dict[int, list[float]] = {1: [], 2: []}
    with tempfile.TemporaryDirectory() as folder:
        for plan in plans:
            (Path(folder) / "in").mkdir(exist_ok=True)
            (Path(folder) / "in" / plan.name).write_bytes(plan.read_bytes())
        for run in range(repeats):
            for n in (1, 2):
                out = Path(folder) / f"out{n}-{run}"
                started = time.perf_counter()
                subprocess.run([sys.executable, "-m", "ehcp_nlp", "analyse",
                                str(Path(folder) / "in"), "--out", str(out), "--jobs", str(n)],
                               check=True, capture_output=True)
                times[n].append(time.perf_counter() - started)
    one, two = statistics.median(times[1]), statistics.median(times[2])
    print(f"20 plans: --jobs 1 median {one:.2f} s, --jobs 2 median {two:.2f} s "
          f"(ratio {two / one:.2f}; {repeats} alternating runs each)")
    return {"plans": len(plans), "jobs_1": times[1], "jobs_2": times[2],
            "median_1": one, "median_2": two, "ratio": two / one}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", choices=["faults", "speed", "memory", "pii", "jobs",
                                         "document"])
    parser.add_argument("--sizes", type=float, nargs="+", default=[1, 5, 10])
    parser.add_argument("--rows", type=int, default=60_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    report = {"faults": faults, "speed": lambda: speed(args.rows, args.repeats),
              "memory": lambda: memory(args.rows), "pii": lambda: pii(args.repeats),
              "jobs": lambda: jobs(args.repeats),
              "document": lambda: document(args.sizes)}[args.what]()
    out = ROOT / "benchmarks" / f"analyse_{args.what}.json"
    out.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
