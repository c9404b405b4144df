"""Check one corpus batch file: schema, label consistency, near duplicates, cue balance.

    python data/tools/check_batch.py FILE.csv

The writers of corpus version 2 checked each batch with this before it was merged
(data/tools/WRITERS_BRIEF.md). The labels are checked by the project's validator
(:func:`ehcp_nlp.data.validate`), plus what a batch owes the brief: every column of
:data:`ehcp_nlp.labels.COLUMNS` in order (``cue`` may follow, in a contrast set) and a voice
and register on every row. The cue balance is the one ``data/tools/rebalance.py`` and
``benchmarks/shortcuts.py`` measure on the whole corpus.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rebalance import checks  # data/tools/, beside this script

from ehcp_nlp import labels
from ehcp_nlp.data import near_duplicates, read_corpus, validate


def main() -> None:
    """Print the batch's problems, near duplicates and cue balance; OK when it has no error."""
    path = Path(sys.argv[1])
    frame = read_corpus(path)
    header = list(labels.COLUMNS)
    if list(frame.columns) not in (header, [*header, *labels.EXTRA_COLUMNS]):
        sys.exit(f"header must be exactly:\n{','.join(header)}\nfound:\n"
                 f"{','.join(frame.columns)}")
    report = validate(path)
    errors = [str(p) for p in report.errors]
    for column in labels.OPTIONAL_COLUMNS:  # optional in a corpus, owed by a batch
        empty = frame.index[frame[column].str.strip() == ""]
        errors += [f"{path}:{i + 2}: {column} is empty" for i in empty]
    print(f"{path}: {len(frame)} rows, {frame['group'].nunique()} groups")
    print(frame["type"].value_counts().to_dict(), frame["register"].value_counts().to_dict())
    for error in errors[:60]:
        print("ERROR", error)
    if len(errors) > 60:
        print(f"... and {len(errors) - 60} more errors")
    for warning in report.warnings[:10]:
        print("warning", warning)
    duplicates = near_duplicates(frame["text"].tolist())
    print(f"near duplicates (char 5-gram cosine >= {duplicates.threshold}): "
          f"{int(duplicates.flagged.sum())} rows ({duplicates.rate:.1%}; bar 3%)")
    print("cue balance (rows on the side the cue does not predict; the brief asks 25%):")
    for name, minority, majority in checks(frame):
        n = int(minority.sum() + majority.sum())
        if n:
            print(f"  {name}: {int(minority.sum())} of {n} ({minority.sum() / n:.0%})")
    print("OK" if not errors else f"{len(errors)} errors")


if __name__ == "__main__":
    main()
