"""Set aside rows that carry a surface cue on its majority side until every cue is balanced.

    python data/tools/rebalance.py CORPUS.csv KEPT.csv SET_ASIDE.csv [--eligible PREFIX ...]

Corpus version 2 was assembled this way (data/README.md, "Rebalancing"): after the new batches
were added, rows of the version-1 batches (``--eligible``: id prefixes) on a cue's majority side
were set aside at random (seed 0, ten at a time, from the cue furthest below its bar) until
every cue of ``benchmarks/shortcuts.py`` but the near-definitional "a number -> measurable" had
at least ``TARGET`` of its rows on the other side, and the SMART length bars held.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from shortcuts import RULES  # noqa: E402

TARGET = 0.215
V1 = ("snc", "slt", "otp", "hsc", "cwk", "p16", "trb", "inf", "spc", "tsa", "tsb")
#: A count is one of the definition's ways to be measurable: not a shortcut to break.
SKIP = {"a number -> measurable"}


def checks(frame: pd.DataFrame):
    """Yield each bar as (name, rows on the minority side, rows on the majority side)."""
    words = frame["text"].str.split().str.len()
    outcome = frame["type"] == "outcome"
    smart, not_smart = outcome & (frame["smart"] == "yes"), outcome & (frame["smart"] == "no")
    yield ("SMART outcomes of 12 words or fewer", smart & (words <= 12), smart & (words > 12))
    yield ("non-SMART outcomes of 25 words or more", not_smart & (words >= 25),
           not_smart & (words < 25))
    for rule in RULES:
        if rule.name in SKIP:
            continue
        cue = rule.rows(frame) & rule.cue(frame["text"])
        side = rule.truth(frame)
        yield (rule.name, cue & ~side, cue & side)


def rebalance(frame: pd.DataFrame, eligible=V1, seed: int = 0):
    """Return the rows kept and the rows set aside."""
    rng = np.random.default_rng(seed)
    movable = frame["id"].str.rsplit("-", n=1).str[0].isin(eligible)
    keep = pd.Series(True, index=frame.index)
    while True:
        worst = None
        for name, minority, majority in checks(frame[keep]):
            n = minority.sum() + majority.sum()
            share = minority.sum() / n if n else 1.0
            if share < TARGET and (worst is None or share < worst[1]):
                worst = (name, share, majority)
        if worst is None:
            break
        name, share, majority = worst
        candidates = majority[majority & movable[keep]].index.to_numpy()
        if not len(candidates):
            print(f"cannot rebalance {name!r} ({share:.1%})")
            break
        keep[rng.choice(candidates, size=min(10, len(candidates)), replace=False)] = False
    return frame[keep], frame[~keep]


def main() -> None:
    """Read a corpus, rebalance it, write the kept and set-aside rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus")
    parser.add_argument("kept")
    parser.add_argument("set_aside")
    parser.add_argument("--eligible", nargs="*", default=list(V1))
    args = parser.parse_args()
    frame = pd.read_csv(args.corpus, dtype=str, keep_default_na=False)
    kept, aside = rebalance(frame, tuple(args.eligible))
    for name, minority, majority in checks(kept):
        n = int(minority.sum() + majority.sum())
        print(f"{name}: {int(minority.sum())}/{n} = {minority.sum() / max(n, 1):.1%}")
    kept.to_csv(args.kept, index=False)
    aside.to_csv(args.set_aside, index=False)
    print(f"kept {len(kept)}, set aside {len(aside)}")


if __name__ == "__main__":
    main()
