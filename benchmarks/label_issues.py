"""Does ``ehcp data issues`` find labels that are wrong? Flip some and see where they rank.

    python benchmarks/label_issues.py                    # seeds 0 1 2; writes label_issues.json
    python benchmarks/label_issues.py --seeds 0 --rate 0.05

For each seed: 5% of the rows of data/statements.csv (``--rate``) get their ``type`` changed at
random to another type; ``ehcp_nlp.data.label_issues`` (grouped 5-fold cross-validation, one C,
BLAS on one thread) ranks the rows for the type head; the figure is the share of flipped rows
among the top 10% of rows (``--top``). The bar: at least 70%. Also reported: the same share
when ranking by self-confidence (p of the given label) instead of the normalised margin, the
share among as many top rows as were flipped (precision and recall at once), and the
precision and recall of the ``likely_issue`` mark against the flipped rows. The rows whose
labels were already wrong before flipping count against the figure, so it is a lower bound.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_limits

from ehcp_nlp.data import label_issues, read_corpus
from ehcp_nlp.data._validate import FIRST_ROW

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "label_issues.json"
BAR = 0.70


def flip_types(frame, rate: float, seed: int):
    """A copy of ``frame`` with ``rate`` of its rows' types changed at random; and their rows."""
    rng = np.random.default_rng(seed)
    types = sorted(frame["type"].unique())
    flipped = frame.copy()
    positions = np.sort(rng.choice(len(frame), round(rate * len(frame)), replace=False))
    for i in positions:
        others = [t for t in types if t != frame.at[i, "type"]]
        flipped.at[i, "type"] = others[rng.integers(len(others))]
    return flipped, set((positions + FIRST_ROW).tolist())


def run(frame, rate: float, top: float, seed: int, method: str = "cleanlab") -> dict:
    flipped, rows = flip_types(frame, rate, seed)
    started = time.perf_counter()
    with threadpool_limits(1):
        found = label_issues(flipped, heads=["type"], seed=seed, method=method)
    seconds = time.perf_counter() - started
    ranked = found.for_head("type")
    k = int(top * len(ranked))
    by_margin = {i.row for i in ranked[:k]}
    by_confidence = {i.row for i in sorted(ranked, key=lambda i: (i.p_given, i.row))[:k]}
    likely = {i.row for i in ranked if i.likely_issue}
    return {
        "seed": seed,
        "rows": len(ranked),
        "flipped": len(rows),
        "top_rows": k,
        "share_in_top": len(rows & by_margin) / len(rows),
        "share_in_top_self_confidence": len(rows & by_confidence) / len(rows),
        # as many rows as were flipped: recall and precision at once
        "share_in_first_flipped_count": len(rows & {i.row for i in ranked[:len(rows)]})
        / len(rows),
        "likely_issues": len(likely),
        "likely_precision": len(rows & likely) / max(1, len(likely)),
        "likely_recall": len(rows & likely) / len(rows),
        "cv_macro_f1": found.cv_macro_f1["type"],
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data" / "statements.csv")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--rate", type=float, default=0.05, help="share of rows flipped")
    parser.add_argument("--top", type=float, default=0.10, help="share of rows looked at")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--method", choices=["cleanlab", "confident_joint"], default="cleanlab",
                        help="how likely issues are marked: cleanlab's find_label_issues (the "
                             "default) or the first release's hand-written rule")
    args = parser.parse_args()
    frame = read_corpus(args.data)
    runs = []
    for seed in args.seeds:
        result = run(frame, args.rate, args.top, seed, args.method)
        runs.append(result)
        print(f"seed {seed}: {result['share_in_top']:.1%} of {result['flipped']} flipped rows "
              f"in the top {result['top_rows']} ({args.top:.0%}); by self-confidence "
              f"{result['share_in_top_self_confidence']:.1%}; in the top {result['flipped']} "
              f"{result['share_in_first_flipped_count']:.1%}; likely_issue precision "
              f"{result['likely_precision']:.2f} recall {result['likely_recall']:.2f}; "
              f"{result['seconds']:.0f} s", flush=True)
    median = statistics.median(r["share_in_top"] for r in runs)
    summary = {
        "data": str(args.data.relative_to(ROOT) if args.data.is_relative_to(ROOT)
                    else args.data),
        "rate": args.rate, "top": args.top, "bar": BAR, "method": args.method,
        "median_share_in_top": median,
        "median_seconds": statistics.median(r["seconds"] for r in runs),
        "passes": median >= BAR and all(r["share_in_top"] >= BAR for r in runs),
        "runs": runs,
    }
    args.out.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    print(f"median {median:.1%} of flipped rows in the top {args.top:.0%} (bar {BAR:.0%}); "
          f"median {summary['median_seconds']:.0f} s a run; written to {args.out}")


if __name__ == "__main__":
    main()
