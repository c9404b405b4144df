"""Print the figures of the data card (data/README.md) for the shipped corpus.

    python benchmarks/corpus_card.py            # Markdown tables on standard output
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

from ehcp_nlp.data import label_counts, near_duplicates, read_corpus, validate

ROOT = Path(__file__).resolve().parent.parent
FILES = {"train": ROOT / "data" / "statements.csv", "test": ROOT / "data" / "test.csv",
         "contrast": ROOT / "data" / "contrast.csv"}


def table(counts: dict[str, dict[str, int]], column: str) -> list[str]:
    names = list(counts)
    lines = [f"| {column} | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    for value in counts[names[0]][column]:
        cells = [str(counts[n][column][value]) for n in names]
        lines.append(f"| {value} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    report = validate(*FILES.values())
    frames = {name: read_corpus(path) for name, path in FILES.items()}
    counts = {name: label_counts(frame) for name, frame in frames.items()}
    summary = report.summary().replace(f"{ROOT}/", "")
    out = [f"Validator: {summary}", ""]
    out.append("| file | rows | groups |")
    out.append("|---|---|---|")
    for name, frame in frames.items():
        out.append(f"| {name} | {len(frame)} | {frame['group'].nunique()} |")
    for column in counts["train"]:
        out += ["", *table(counts, column)]
    for name, frame in frames.items():
        outcomes = frame[frame["type"] == "outcome"]
        provision = frame[frame["type"] == "provision"]
        out.append(
            f"\n{name}: SMART outcomes {(outcomes['smart'] == 'yes').mean():.1%}, "
            f"provision not specified {(provision['specified'] == 'no').mean():.1%}"
        )
    both = pd.concat([frame.assign(file=name) for name, frame in frames.items()])
    dup = near_duplicates(both["text"].tolist())
    flagged = both[dup.flagged]
    out.append(
        f"\nNear duplicates (character 5-gram TF-IDF cosine >= {dup.threshold} to another row "
        f"in any file): {int(dup.flagged.sum())} of {len(both)} rows = {dup.rate:.2%} "
        + "(" + ", ".join(f"{name} {int((flagged['file'] == name).sum())}" for name in frames)
        + ")"
    )
    cross = sum(
        1 for i, j in enumerate(dup.nearest)
        if dup.flagged[i] and both["file"].iloc[i] != both["file"].iloc[j]
    )
    out.append(f"Rows whose near duplicate is in the other file: {cross}")
    sys.stdout.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
