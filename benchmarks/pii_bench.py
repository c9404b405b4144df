"""How much personal data does the scan find, and how much of what it finds is personal?

    python benchmarks/pii_bench.py                  # the default scan
    python benchmarks/pii_bench.py --names          # with person names (the [names] extra)

data/pii/planted.jsonl holds lines of plan text and table cells with the personal data
planted in each (kind and text), and lines with none but with look-alikes (reading ages,
scores, year groups, deadlines). For every kind: recall (planted items found with their kind
and exact text) and precision (findings that are a planted item of that kind). Written to
benchmarks/pii_bench.json (or pii_bench_names.json).

With ``--names``, also data/pii/file_names.jsonl: file names with the person each names (a
file is often named after the child when the text never gives the surname) and file names
with none (schools, templates, versions). A name is found when ``--redact --names`` leaves
none of its words in the file name; a false one is a ``[NAME n]`` where no name was planted.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", action="store_true",
                        help="also find person names (needs the [names] extra)")
    args = parser.parse_args()
    from ehcp_nlp.bulk.pii import find_personal_data

    find = find_personal_data
    if args.names:
        from ehcp_nlp.bulk.names import find_names

        def find(text):  # noqa: F811 - the scan and the names, as --redact --names runs them
            return sorted([*find_personal_data(text), *find_names(text)],
                          key=lambda f: f.start)
    lines = [json.loads(line) for line in
             (ROOT / "data" / "pii" / "planted.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    planted, found, right = Counter(), Counter(), Counter()
    misses: list[list[str]] = []
    wrong: list[list[str]] = []
    for line in lines:
        truth = {(p["kind"], p["text"]) for p in line["planted"]}
        got = {(f.kind, f.text) for f in find(line["text"])}
        for kind, _ in truth:
            planted[kind] += 1
        for kind, _ in got:
            found[kind] += 1
        for item in truth & got:
            right[item[0]] += 1
        misses += [[line["id"], *item] for item in sorted(truth - got)]
        wrong += [[line["id"], *item] for item in sorted(got - truth)]
    table = {}
    print(f"{'kind':16} {'planted':>7} {'found':>6} {'right':>6} {'recall':>7} {'precision':>9}")
    for kind in sorted(set(planted) | set(found)):
        recall = right[kind] / planted[kind] if planted[kind] else float("nan")
        precision = right[kind] / found[kind] if found[kind] else float("nan")
        table[kind] = {"planted": planted[kind], "found": found[kind], "right": right[kind],
                       "recall": recall, "precision": precision}
        print(f"{kind:16} {planted[kind]:7d} {found[kind]:6d} {right[kind]:6d} {recall:7.2f} "
              f"{precision:9.2f}")
    total = sum(planted.values())
    print(f"{'all':16} {total:7d} {sum(found.values()):6d} {sum(right.values()):6d} "
          f"{sum(right.values()) / total:7.2f} "
          f"{sum(right.values()) / max(1, sum(found.values())):9.2f}")
    report = {"lines": len(lines), "kinds": table, "misses": misses, "wrong": wrong}
    if args.names:
        report["file_names"] = file_names()
    out = ROOT / "benchmarks" / ("pii_bench_names.json" if args.names else "pii_bench.json")
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")


def file_names() -> dict:
    """Names in file names, as ``--redact --names`` replaces them in every output."""
    import re

    from ehcp_nlp.bulk.names import note_file_name, redact_known

    items = [json.loads(line) for line in (ROOT / "data" / "pii" / "file_names.jsonl")
             .read_text(encoding="utf-8").splitlines() if line.strip()]
    planted = right = found = false = 0
    misses, wrong = [], []
    for item in items:
        numbers: dict[str, int] = {}
        note_file_name(item["file"], numbers)
        shown = redact_known(item["file"], numbers)
        placeholders = len(re.findall(r"\[NAME \d+\]", shown))
        found += placeholders
        for name in item["names"]:
            planted += 1
            if any(word.lower() in shown.lower() for word in name.split()):
                misses.append([item["id"], item["file"], shown])
            else:
                right += 1
        if placeholders > len(item["names"]):
            false += placeholders - len(item["names"])
            wrong.append([item["id"], item["file"], shown])
    recall, precision = right / planted, (found - false) / found if found else float("nan")
    print(f"names in file names: {planted} planted in {len(items)} file names, recall "
          f"{recall:.2f}, precision {precision:.2f}")
    return {"files": len(items), "planted": planted, "found": found, "recall": recall,
            "precision": precision, "misses": misses, "wrong": wrong}


if __name__ == "__main__":
    main()
