"""Measure the statement scorer against the bars of its issue, in one run.

    python benchmarks/score_bench.py                 # accuracy, baseline, speed, cold start
    python benchmarks/score_bench.py --skip-speed    # accuracy and baseline only

1. Accuracy on data/test.csv and on data/contrast.csv of the model in --model (default: the
   bundled model, trained on data/statements.csv): type macro-F1, SMART macro-F1 on outcomes,
   specified macro-F1 on provision (the verdict as shown, which agrees with its parts).
2. A TF-IDF + logistic-regression baseline per score, trained on data/statements.csv in this
   run and scored on the same sets. The bars: 0.93 on both sets, and on the contrast set at
   least 0.05 above the baseline.
3. ``Scorer.score_many`` throughput on one core (BLAS threads limited to 1, no worker
   processes), over every distinct statement of both files: median of --repeats runs.
4. Cold start: wall time of ``ehcp score "..."`` against ``python -c "import spacy, sklearn"``,
   run alternately --cold-runs times each; medians and their ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from threadpoolctl import threadpool_limits

import ehcp_nlp
from ehcp_nlp.data import read_corpus

ROOT = Path(__file__).resolve().parent.parent
BARS = {"type": 0.93, "smart": 0.93, "specified": 0.93}
#: On the contrast set the model must beat the TF-IDF baseline by this much.
MARGIN = 0.05
ROWS = {"type": None, "smart": "outcome", "specified": "provision"}


def model_scores(scorer, test) -> dict[str, float]:
    results = list(scorer.score_many(test["text"].tolist()))
    out = {}
    predicted = {
        "type": [r.type for r in results],
        "smart": ["yes" if r.smart_probability >= 0.5 else "no" for r in results],
        "specified": ["yes" if r.specified_probability >= 0.5 else "no" for r in results],
    }
    for name, applies in ROWS.items():
        mask = np.ones(len(test), bool) if applies is None else (test["type"] == applies).to_numpy()
        truth = test.loc[mask, name].to_numpy()
        out[name] = f1_score(truth, np.asarray(predicted[name])[mask], average="macro")
    return out


def baseline_scores(train, test) -> dict[str, float]:
    out = {}
    for name, applies in ROWS.items():
        tr = train if applies is None else train[train["type"] == applies]
        te = test if applies is None else test[test["type"] == applies]
        model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
                              LogisticRegression(C=10, max_iter=3000, class_weight="balanced"))
        model.fit(tr["text"], tr[name])
        out[name] = f1_score(te[name], model.predict(te["text"]), average="macro")
    return out


def throughput(scorer, texts, repeats: int) -> list[float]:
    rates = []
    with threadpool_limits(1):
        list(scorer.score_many(texts[:500]))  # warm caches once
        for _ in range(repeats):
            start = time.perf_counter()
            n = sum(1 for _ in scorer.score_many(texts, batch_size=1000))
            rates.append(n / (time.perf_counter() - start))
    return rates


def cold_start(runs: int, model: str | None) -> tuple[list[float], list[float]]:
    statement = "By the end of Year 8, Maya will read 30 words with 90% accuracy."
    ehcp = [sys.executable, "-m", "ehcp_nlp", "score", statement]
    if model:
        ehcp += ["--model", model]
    imports = [sys.executable, "-c", "import spacy, sklearn"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "0"}
    subprocess.run(ehcp, check=True, capture_output=True, env=env)  # compile .pyc once
    ours, base = [], []
    for _ in range(runs):
        for command, store in ((imports, base), (ehcp, ours)):
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True, env=env)
            store.append(time.perf_counter() - start)
    return ours, base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model directory (default: bundled)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--cold-runs", type=int, default=7)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()

    train = read_corpus(ROOT / "data" / "statements.csv")
    test = read_corpus(ROOT / "data" / "test.csv")
    sets = {"test": test, "contrast": read_corpus(ROOT / "data" / "contrast.csv")}
    scorer = ehcp_nlp.load(args.model)
    report: dict = {"accuracy": {}}
    print(f"{'score':<22}{'set':<10}{'ehcp-nlp':>10}{'baseline':>10}{'bar':>8}  verdict")
    for set_name, frame in sets.items():
        ours = model_scores(scorer, frame)
        base = baseline_scores(train, frame)
        for name in ROWS:
            ok = ours[name] >= BARS[name] and ours[name] > base[name] + (
                MARGIN if set_name == "contrast" else 0.0)
            report["accuracy"][f"{name}/{set_name}"] = {
                "model": ours[name], "baseline": base[name], "bar": BARS[name], "met": ok}
            print(f"{name + ' macro-F1':<22}{set_name:<10}{ours[name]:>10.3f}{base[name]:>10.3f}"
                  f"{BARS[name]:>8.2f}  {'met' if ok else 'NOT MET'}")
    if not args.skip_speed:
        texts = list(dict.fromkeys(train["text"].tolist() + test["text"].tolist()))
        rates = throughput(scorer, texts, args.repeats)
        rate = statistics.median(rates)
        report["throughput"] = {"statements": len(texts), "runs": rates, "median": rate}
        print(f"score_many, one core: median {rate:,.0f} statements/s over {len(texts):,} "
              f"distinct statements ({args.repeats} runs: "
              + ", ".join(f"{r:,.0f}" for r in rates) + "); bar 5,000")
        ours_cold, base_cold = cold_start(args.cold_runs, args.model)
        a, b = statistics.median(ours_cold), statistics.median(base_cold)
        report["cold_start"] = {"ehcp_score": ours_cold, "import_spacy_sklearn": base_cold,
                                "ratio": a / b}
        print(f"cold start: ehcp score median {a:.2f} s, import spacy+sklearn median {b:.2f} s,"
              f" ratio {a / b:.2f} (bar 1.5)")
    (ROOT / "benchmarks" / "score_bench.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
