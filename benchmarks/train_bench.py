"""Training time on the whole bundled corpus, on one core, and whether runs reproduce.

    python benchmarks/train_bench.py               # 3 runs; writes benchmarks/train_bench.json
    python benchmarks/train_bench.py --repeats 1

Each run trains the default configuration (grouped 5-fold cross-validation over three C per
score, the learning curve, the final fit) on data/statements.csv in a fresh process pinned to
one CPU (``os.sched_setaffinity``) with BLAS limited to one thread, saves the model, and
reports the wall time of ``ehcp_nlp.train``. The runs' manifests list the sha256 of each model
file: equal hashes across runs mean a retrained model reproduces to the byte.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(__file__).resolve().parent / "train_bench.json"

RUN = """
import json, os, sys, time
os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
from threadpoolctl import threadpool_limits
import ehcp_nlp
from ehcp_nlp.data import read_corpus
frame = read_corpus(sys.argv[1])
with threadpool_limits(1):
    started = time.perf_counter()
    scorer = ehcp_nlp.train(frame)
    seconds = time.perf_counter() - started
scorer.save(sys.argv[2])
manifest = json.load(open(os.path.join(sys.argv[2], "manifest.json")))
print(json.dumps({"seconds": seconds, "files": manifest["files"],
                  "data_sha256": manifest["training"]["data_sha256"]}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    data = ROOT / "data" / "statements.csv"
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(args.repeats):
            done = subprocess.run([sys.executable, "-c", RUN, str(data), f"{tmp}/m{k}"],
                                  capture_output=True, text=True, check=True)
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"run {k + 1}: {runs[-1]['seconds']:.1f} s", flush=True)
    seconds = [r["seconds"] for r in runs]
    same = all(r["files"] == runs[0]["files"] for r in runs)
    result = {"rows": sum(1 for _ in data.open(encoding="utf-8")) - 1, "runs": seconds,
              "median_seconds": statistics.median(seconds), "bar_seconds": 120,
              "reproduced_to_the_byte": same, "files": runs[0]["files"]}
    print(f"training on {data.name}, one core: median {result['median_seconds']:.1f} s over "
          f"{len(runs)} runs ({', '.join(f'{s:.1f}' for s in seconds)}); bar 120 s; "
          f"model files identical across runs: {'yes' if same else 'NO'}")
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
