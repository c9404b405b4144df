"""Check one corpus-v2 batch file: schema, label consistency, cue balance, near duplicates.

Usage: python data/tools/check_batch.py FILE.csv

The writers of corpus version 2 checked each batch with this before it was merged
(data/tools/WRITERS_BRIEF.md).
"""
import re
import sys

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from ehcp_nlp import labels

HEADER = ["id", "text", "type", "smart", "specific", "measurable", "achievable", "realistic",
          "time_bound", "specified", "provision_kind", "part_what", "part_who",
          "part_how_often", "part_how_long", "part_group", "part_when_where", "quantified",
          "area", "pfa", "stage", "group", "voice", "register"]
CRIT = ["specific", "measurable", "achievable", "realistic", "time_bound"]
PARTS = ["part_what", "part_who", "part_how_often", "part_how_long", "part_group",
         "part_when_where", "quantified"]
ALLOWED = {
    "type": {"aspiration", "need", "outcome", "provision"},
    "provision_kind": {"therapy", "teaching", "staffing", "equipment", "arrangement",
                       "training", "care"},
    "area": {"communication_interaction", "cognition_learning", "semh", "sensory_physical",
             "health", "social_care"},
    "pfa": {"employment", "independent_living", "community", "health", "none"},
    "stage": {"early_years", "primary", "secondary", "post16", "post19"},
    "voice": {"senco", "teacher", "specialist_teacher", "slt", "ot", "physio", "ep", "health",
              "social_worker", "parent", "child", "caseworker_notes", "la_formal", "college",
              "other"},
    "register": {"prose", "outcome_bank", "infinitive", "fragment", "hope", "service_voice",
                 "table", "long", "placeholder", "odd_time", "informal", "adult"},
}

path = sys.argv[1]
d = pd.read_csv(path, dtype=str, keep_default_na=False)
errors = []
if list(d.columns) not in (HEADER, HEADER + ["cue"]):
    sys.exit(f"header must be exactly:\n{','.join(HEADER)}\nfound:\n{','.join(d.columns)}")
if d["id"].duplicated().any():
    errors.append(f"duplicate ids: {d.loc[d['id'].duplicated(), 'id'].tolist()[:5]}")
for i, r in d.iterrows():
    where = f"row {i + 2} ({r['id']})"
    if not r["text"].strip() or "\n" in r["text"]:
        errors.append(f"{where}: empty text or line break")
    for col, allowed in ALLOWED.items():
        if col == "provision_kind" and r["type"] != "provision":
            continue  # checked below: empty unless provision
        if r[col] not in allowed:
            errors.append(f"{where}: {col}={r[col]!r} not in {sorted(allowed)}")
    if r["type"] == "outcome":
        vals = [r[c] for c in CRIT]
        if any(v not in ("yes", "no") for v in vals + [r["smart"]]):
            errors.append(f"{where}: outcome needs smart and the five criteria yes/no")
        elif (r["smart"] == "yes") != all(v == "yes" for v in vals):
            errors.append(f"{where}: smart must be yes exactly when all five criteria are yes")
    elif any(r[c] for c in CRIT + ["smart"]):
        errors.append(f"{where}: smart/criteria only for outcomes")
    if r["type"] == "provision":
        if any(r[c] not in ("yes", "no") for c in PARTS + ["specified"]):
            errors.append(f"{where}: provision needs specified and every part yes/no")
        elif r["specified"] == "yes":
            stated = {part: r[column] == "yes" for column, part in
                      zip(labels.PART_COLUMNS, labels.PROVISION_PARTS, strict=True)}
            if not labels.specified_from_parts(r["provision_kind"], stated):
                errors.append(f"{where}: specified=yes but a {r['provision_kind']} provision "
                              f"needs {labels.KIND_NEEDS.get(r['provision_kind'])} and one of "
                              f"each of {labels.KIND_EITHER.get(r['provision_kind'], ())}")
    elif any(r[c] for c in PARTS + ["specified", "provision_kind"]):
        errors.append(f"{where}: specified/parts/kind only for provision")
    if r["type"] != "provision" and r["provision_kind"]:
        errors.append(f"{where}: provision_kind only for provision")
    if r["type"] == "provision" and not r["provision_kind"]:
        errors.append(f"{where}: provision needs provision_kind")
for g, rows in d.groupby("group"):
    if rows["stage"].nunique() > 1:
        errors.append(f"group {g} has more than one stage")

print(f"{path}: {len(d)} rows, {d['group'].nunique()} groups")
print(d["type"].value_counts().to_dict(), d["register"].value_counts().to_dict())
for e in errors[:60]:
    print("ERROR", e)
if len(errors) > 60:
    print(f"... and {len(errors) - 60} more errors")

# near duplicates inside the batch
v = TfidfVectorizer(analyzer="char", ngram_range=(5, 5), lowercase=True)
m = v.fit_transform(d["text"])
s = (m @ m.T).toarray()
np.fill_diagonal(s, 0)
dup = (s >= 0.9).any(axis=1)
print(f"near duplicates (char 5-gram cosine >= 0.9): {dup.sum()} rows ({dup.mean():.1%}; bar 3%)")
for i in np.flatnonzero(dup)[:10]:
    j = s[i].argmax()
    print("  ", d["id"][i], "~", d["id"][j])

# cue balance inside the batch (both sides should be at least ~20-25%)
words = d["text"].str.split().str.len()
TIME = re.compile(
    r"^\s*(?:by|before|within|in|at|over|during|until|end of|at the end of|this|next)\b.{0,40}?"
    r"(?:term|year|y\d|ks\d|key stage|review|july|june|september|october|december|march|april"
    r"|may|christmas|easter|half|summer|spring|autumn|weeks?|months?|\d{4})", re.I)
DUR = re.compile(r"\b\d+\s*-?\s*(?:min|mins|minutes?|hours?|hrs?)\b|half an hour|an hour", re.I)
out = d["type"] == "outcome"
prov = d["type"] == "provision"
def share(mask, pos, label):
    """Print how the rows carrying a cue split between the two sides of its label."""
    n = int(mask.sum())
    if n:
        yes = int((mask & pos).sum())
        print(f"  {label}: {n} rows, {yes} yes-side ({yes / n:.0%})")
print("cue balance:")
share(prov & d["text"].str.contains(DUR), d["specified"] == "yes",
      "provision with a duration -> specified")
share(d["text"].str.contains(TIME), out, "opens with a time frame -> outcome")
share(d["text"].str.match(r"\s*by\b", case=False), out, "opens with 'By' -> outcome")
share(d["text"].str.contains(r"\bI (?:want|'d like|would like|wish|hope)", case=False),
      d["type"] == "aspiration", "'I want/like/hope' -> aspiration")
share(out & (d["smart"] == "yes"), words <= 12, "SMART outcomes of <= 12 words")
share(out & (d["smart"] == "no"), words >= 25, "non-SMART outcomes of >= 25 words")
share(d["text"].str.contains(r"\bwill\b", case=False), out, "'will' -> outcome")
share(d["text"].str.contains(r"\d"),
      (out & (d["measurable"] == "yes")) | (prov & (d["specified"] == "yes")),
      "has a digit -> measurable outcome / specified provision")
print("OK" if not errors else f"{len(errors)} errors")
