"""Render report.html from synthetic or real analysis tables, and screenshot it in Chromium.

    python tests/render_report.py --plans 1000 --out /tmp/report.html --png /tmp/report.png
    python tests/render_report.py --from out/ --out /tmp/report.html --png /tmp/report.png

``--from`` reads the CSV tables of an ``ehcp analyse --out`` folder. The functions here are
also used by ``tests/test_bulk_report.py``: ``screenshot`` and ``png_summary``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import pandas as pd

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync")
AREAS = ("communication_interaction", "cognition_learning", "semh", "sensory_physical",
         "health", "social_care")
CODES = ("outcome_not_smart", "provision_not_specific", "statement_misplaced",
         "need_without_outcome", "outcome_without_provision", "outcome_not_person_centred")


def chromium() -> str | None:
    """The Chromium binary, if one is installed."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


def screenshot(html: Path, png: Path, *, width: int = 1280, height: int = 2000,
               timeout: float = 180) -> Path:
    """Screenshot a page with headless Chromium (a fresh profile, no network services)."""
    binary = chromium()
    if binary is None:
        raise FileNotFoundError("no chromium binary on PATH")
    with tempfile.TemporaryDirectory(prefix="ehcp-chromium-") as profile:
        subprocess.run([binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                        f"--window-size={width},{height}", f"--screenshot={png}",
                        Path(html).resolve().as_uri()],
                       check=True, capture_output=True, timeout=timeout)
    return png


def png_summary(png: Path, rows: int = 120) -> dict:
    """Size of a PNG, its distinct byte values, and the colours of its first ``rows`` rows."""
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = header[:4]
    channels = {2: 3, 6: 4}.get(colour)
    raw = zlib.decompress(idat)
    colours: set[tuple[int, ...]] = set()
    if depth == 8 and channels:
        stride, previous = width * channels, bytearray(width * channels)
        for y in range(min(rows, height)):
            start = y * (stride + 1)
            line = _unfilter(raw[start], bytearray(raw[start + 1:start + 1 + stride]),
                             previous, channels)
            colours.update(tuple(line[i:i + 3]) for i in range(0, stride, channels))
            previous = line
    return {"width": width, "height": height, "bytes": len(data),
            "distinct_bytes": len(set(raw)), "top_colours": colours}


def _unfilter(kind: int, line: bytearray, previous: bytearray, bpp: int) -> bytearray:
    for i in range(len(line)):
        a = line[i - bpp] if i >= bpp else 0
        b = previous[i]
        c = previous[i - bpp] if i >= bpp else 0
        if kind == 1:
            line[i] = (line[i] + a) & 255
        elif kind == 2:
            line[i] = (line[i] + b) & 255
        elif kind == 3:
            line[i] = (line[i] + (a + b) // 2) & 255
        elif kind == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    return line


def synthetic_tables(plans: int = 1000, per_plan: int = 40, seed: int = 0) -> dict:
    """Tables shaped like the analysis output, with random content, for scale checks."""
    rng = random.Random(seed)
    statements, findings, links, plan_rows = [], [], [], []
    kinds = ("aspiration", "need", "outcome", "provision")
    sections = {"aspiration": "A", "need": "B", "outcome": "E", "provision": "F"}
    for p in range(plans):
        plan_id = f"plan-{p:05d}"
        year = rng.choice([None, 0, 2, 5, 8, 10, 12])
        rows = []
        for order in range(per_plan):
            kind = kinds[min(3, order * 4 // per_plan)]
            sid = f"{plan_id}-{order:04d}"
            row = {"plan_id": plan_id, "statement_id": sid, "order": order,
                   "section": sections[kind], "heading": sections[kind],
                   "location": f"{plan_id}.docx, paragraph {order + 1}", "type": kind,
                   "text": f"Statement {order} of {plan_id}: " + " ".join(
                       rng.choice(["reads", "writes", "with", "support", "weekly", "by July",
                                   "the teaching assistant", "<b>", "&", "30 minutes"])
                       for _ in range(rng.randint(8, 30))),
                   "area": rng.choice(AREAS), "pfa": "none", "smart": None,
                   "specified": None, "findings": ""}
            if kind == "outcome":
                row["smart"] = rng.random() < 0.55
                for criterion in ("specific", "measurable", "achievable", "realistic",
                                  "time_bound"):
                    row[criterion] = row["smart"] or rng.random() < 0.6
            if kind == "provision":
                row["specified"] = rng.random() < 0.6
            rows.append(row)
        statements += rows
        needs = [r for r in rows if r["type"] == "need"]
        outcomes = [r for r in rows if r["type"] == "outcome"]
        provision = [r for r in rows if r["type"] == "provision"]
        for need, outcome in zip(needs, outcomes, strict=False):
            if rng.random() < 0.7:
                links.append({"plan_id": plan_id, "need_id": need["statement_id"],
                              "outcome_id": outcome["statement_id"],
                              "provision_id": rng.choice(provision)["statement_id"],
                              "need_link": "similarity (heuristic)",
                              "need_similarity": rng.random(),
                              "provision_link": "table row", "provision_similarity": None})
        mine = [{"plan_id": plan_id, "statement_id": r["statement_id"],
                 "code": rng.choice(CODES), "section": r["section"], "statement": r["text"],
                 "location": r["location"], "message": "Synthetic finding."}
                for r in rng.sample(rows, rng.randint(0, 12))]
        findings += mine
        parts = {f"part_{n}": rng.random() for n in ("smart", "specified", "thread",
                                                        "placement", "sections")}
        parts["part_pfa"] = float("nan") if year is None or year < 9 else rng.choice([0., 1.])
        plan_rows.append({"plan_id": plan_id, "file": f"{plan_id}.docx", "year_group": year,
                          "age": None, "statements": len(rows), "findings": len(mine),
                          "score": round(100 * sum(v for v in parts.values() if v == v)
                                         / sum(v == v for v in parts.values()), 1), **parts})
    return {"statements": pd.DataFrame(statements), "findings": pd.DataFrame(findings),
            "links": pd.DataFrame(links), "plans": pd.DataFrame(plan_rows),
            "errors": pd.DataFrame([{"file": "broken.docx", "location": "",
                                     "reason": "not a DOCX file (zip header missing)"}])}


def read_output(folder: Path) -> dict:
    """The tables of an ``ehcp analyse --out`` folder."""
    def read(name: str) -> pd.DataFrame:
        return pd.read_csv(folder / f"{name}.csv", keep_default_na=False, na_values=[""],
                           dtype={"section": str, "plan_id": str})
    return {name: read(name) for name in ("statements", "findings", "links", "plans", "errors")}


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from ehcp_nlp.bulk.report import render_report

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="folder", type=Path, help="an analysis output folder")
    parser.add_argument("--plans", type=int, default=1000, help="synthetic plans")
    parser.add_argument("--out", type=Path, default=Path("/tmp/report.html"))
    parser.add_argument("--png", type=Path, help="screenshot to this file")
    parser.add_argument("--height", type=int, default=2000)
    args = parser.parse_args(argv)
    tables = read_output(args.folder) if args.folder else synthetic_tables(args.plans)
    started = time.perf_counter()
    page = render_report(**tables)
    print(f"rendered {len(tables['plans'])} plans in {time.perf_counter() - started:.2f} s: "
          f"{len(page) / 1e6:.1f} MB")
    args.out.write_text(page, encoding="utf-8")
    if args.png:
        screenshot(args.out, args.png, height=args.height)
        print(f"screenshot: {args.png}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
