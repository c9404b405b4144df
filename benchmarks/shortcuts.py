"""Measure the corpus's surface shortcuts: one-line rules that predict a label without reading.

    python benchmarks/shortcuts.py                  # the table of the data card
    python benchmarks/shortcuts.py --model DIR      # the model's column from another model

For each surface cue that is not the definition of a label (a duration, a time frame at the
start, "By ...", "I want", length, tense, "will", a service or the child in the first person
as subject, a number), a one-line rule predicts a label from the cue alone. The table gives
each rule's macro-F1 on the training corpus, the test set and the contrast set, and beside it
the bundled model's macro-F1 on the same yes/no task and rows: a rule that comes near the
model is a shortcut the model may be taking. The second table gives, for each cue, how the
rows that carry it split between the two sides of its label in the training corpus (the
corpus brief asks for at least 20% each way). Last, the train-vs-test classifier: a TF-IDF
logistic regression told to separate test rows from training rows (names masked, 5-fold CV
grouped by plan), whose ROC AUC says how different the test set's writing is (0.5: the same).

The results are written to benchmarks/shortcuts.json.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score, roc_auc_score
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import make_pipeline, make_union

import ehcp_nlp
from ehcp_nlp.data import read_corpus

ROOT = Path(__file__).resolve().parent.parent
FILES = {"train": ROOT / "data" / "statements.csv", "test": ROOT / "data" / "test.csv",
         "contrast": ROOT / "data" / "contrast.csv"}

DURATION = re.compile(r"\b\d+\s*-?\s*(?:min|mins|minutes?|hours?|hrs?)\b|\bhalf an hour\b"
                      r"|\ban hour\b", re.I)
TIME_OPENING = re.compile(
    r"^\W*(?:by|before|within|in|at|over|during|until|this|next|from|eoy|end of)\b.{0,40}?"
    r"\b(?:term|year|yr|y\d+|ks\s?\d|key stage|review|birthday|january|february|march|april"
    r"|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug"
    r"|sept?|oct|nov|dec|christmas|xmas|easter|half|summer|spring|autumn|weeks?|months?"
    r"|20\d\d)\b", re.I)
TIME_ANYWHERE = re.compile(
    r"\b(?:by|before|within|until|end of)\b.{0,30}?\b(?:term|year|yr|y\d+|ks\s?\d|key stage"
    r"|review|birthday|july|june|september|october|december|march|april|christmas|xmas|easter"
    r"|half|summer|spring|autumn|weeks?|months?|20\d\d)\b", re.I)
BY_OPENING = re.compile(r"^\W*by\b", re.I)
I_WANT = re.compile(r"\bI(?:'d| would)? (?:want|like|love|hope|wish)\b|\bI'd (?:like|love)\b",
                    re.I)
WILL = re.compile(r"\b(?:will|shall|'ll)\b", re.I)
SERVICE = re.compile(r"^\W*(?:the )?(?:school|staff|all staff|teachers?|the team|setting|"
                     r"nursery|college|salt|slt|ot|physio\w*|senco|la|local authority|ta|lsa|"
                     r"parents?|adults?|camhs|nurse|provider|service|social worker|"
                     r"the [a-z]+ (?:team|service))\b", re.I)
FIRST_PERSON = re.compile(r"\b(?:I|me|my|I'm|I've|I'll|myself)\b")
DIGIT = re.compile(r"\d")
PRESENT = re.compile(r"\b(?:is|are|has|have|finds|struggles|uses|can|does|demonstrates|"
                     r"needs|shows|responds|reads|writes|takes)\b", re.I)


@dataclass(frozen=True)
class Rule:
    """A one-line rule: rows it applies to, the cue, and the label side the cue predicts."""

    name: str
    rows: Callable[[pd.DataFrame], pd.Series]
    truth: Callable[[pd.DataFrame], pd.Series]
    cue: Callable[[pd.Series], pd.Series]
    model: Callable[[list], np.ndarray]


def words(text: pd.Series) -> pd.Series:
    return text.str.split().str.len()


def _every(frame):
    return pd.Series(True, index=frame.index)


def _outcomes(frame):
    return frame["type"] == "outcome"


def _provision(frame):
    return frame["type"] == "provision"


def _specified_column(frame):
    return frame["specified"] if "specified" in frame.columns else frame["quantified"]


RULES = (
    Rule("a duration -> specified", _provision, lambda f: _specified_column(f) == "yes",
         lambda t: t.str.contains(DURATION),
         lambda s: np.array([bool(r.specified_probability >= 0.5) for r in s])),
    Rule("20+ words -> SMART", _outcomes, lambda f: f["smart"] == "yes",
         lambda t: words(t) >= 20,
         lambda s: np.array([bool(r.smart_probability >= 0.5) for r in s])),
    Rule("12 or fewer words -> not SMART", _outcomes, lambda f: f["smart"] == "no",
         lambda t: words(t) <= 12,
         lambda s: np.array([bool(r.smart_probability < 0.5) for r in s])),
    Rule("opens with a time frame -> outcome", _every, lambda f: f["type"] == "outcome",
         lambda t: t.str.contains(TIME_OPENING),
         lambda s: np.array([r.type == "outcome" for r in s])),
    Rule("opens with 'By' -> outcome", _every, lambda f: f["type"] == "outcome",
         lambda t: t.str.contains(BY_OPENING),
         lambda s: np.array([r.type == "outcome" for r in s])),
    Rule("'will' -> outcome", _every, lambda f: f["type"] == "outcome",
         lambda t: t.str.contains(WILL),
         lambda s: np.array([r.type == "outcome" for r in s])),
    Rule("'I want/like/hope' -> aspiration", _every, lambda f: f["type"] == "aspiration",
         lambda t: t.str.contains(I_WANT),
         lambda s: np.array([r.type == "aspiration" for r in s])),
    Rule("first person -> aspiration", _every, lambda f: f["type"] == "aspiration",
         lambda t: t.str.contains(FIRST_PERSON),
         lambda s: np.array([r.type == "aspiration" for r in s])),
    Rule("present tense, no 'will' -> need", _every, lambda f: f["type"] == "need",
         lambda t: t.str.contains(PRESENT) & ~t.str.contains(WILL),
         lambda s: np.array([r.type == "need" for r in s])),
    Rule("service as subject -> provision", _every, lambda f: f["type"] == "provision",
         lambda t: t.str.contains(SERVICE),
         lambda s: np.array([r.type == "provision" for r in s])),
    Rule("a time frame anywhere -> outcome", _every, lambda f: f["type"] == "outcome",
         lambda t: t.str.contains(TIME_ANYWHERE),
         lambda s: np.array([r.type == "outcome" for r in s])),
    Rule("a number -> specified", _provision, lambda f: _specified_column(f) == "yes",
         lambda t: t.str.contains(DIGIT),
         lambda s: np.array([bool(r.specified_probability >= 0.5) for r in s])),
    Rule("a number -> measurable", _outcomes, lambda f: f["measurable"] == "yes",
         lambda t: t.str.contains(DIGIT),
         lambda s: np.array([bool(r.criteria["measurable"].met) for r in s])),
)


def macro_f1(truth: pd.Series, predicted) -> float:
    return float(f1_score(truth.astype(bool), np.asarray(predicted, dtype=bool),
                          average="macro", labels=[False, True], zero_division=0))


def rule_table(frames: dict[str, pd.DataFrame], scores: dict[str, list]) -> list[dict]:
    out = []
    for rule in RULES:
        entry: dict = {"rule": rule.name}
        for name, frame in frames.items():
            rows = rule.rows(frame).to_numpy()
            if not rows.any():
                continue
            truth = rule.truth(frame)[rows]
            entry[f"{name}_rule"] = macro_f1(truth, rule.cue(frame["text"])[rows])
            if name in scores:
                chosen = [s for s, keep in zip(scores[name], rows, strict=True) if keep]
                entry[f"{name}_model"] = macro_f1(truth, rule.model(chosen))
        out.append(entry)
    return out


def balance(frame: pd.DataFrame) -> list[dict]:
    """For each cue, how the rows that carry it split between the sides of its label."""
    out = []
    for rule in RULES:
        rows = rule.rows(frame) & rule.cue(frame["text"])
        n = int(rows.sum())
        side = int((rows & rule.truth(frame)).sum())
        out.append({"cue": rule.name, "rows": n, "predicted_side": side,
                    "other_side": n - side,
                    "other_share": (n - side) / n if n else float("nan")})
    return out


def mask_names(texts: pd.Series) -> pd.Series:
    """Replace capitalised words never seen in lower case in the corpus (names) by NAME."""
    lower = set(" ".join(texts).split())
    common = {w for w in lower if w.islower()}

    def masked(text: str) -> str:
        return re.sub(r"\b[A-Z][a-z]+(?:-[A-Z][a-z]+)?\b",
                      lambda m: m.group(0) if m.group(0).lower() in common else "NAME", text)

    return texts.map(masked)


def train_vs_test_auc(train: pd.DataFrame, test: pd.DataFrame, seed: int = 0) -> float:
    both = pd.concat([train.assign(is_test=0), test.assign(is_test=1)], ignore_index=True)
    texts = mask_names(both["text"])
    y = both["is_test"].to_numpy()
    groups = both["group"].to_numpy()
    probability = np.zeros(len(both))
    for fit, held in GroupKFold(n_splits=5).split(texts, y, groups):
        model = make_pipeline(
            make_union(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
                       TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4),
                                       sublinear_tf=True, min_df=3)),
            LogisticRegression(C=4, max_iter=3000, class_weight="balanced", random_state=seed))
        model.fit(texts.iloc[fit], y[fit])
        probability[held] = model.predict_proba(texts.iloc[held])[:, 1]
    return float(roc_auc_score(y, probability))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=None, help="model directory (default: bundled)")
    args = parser.parse_args()
    frames = {name: read_corpus(path) for name, path in FILES.items() if path.exists()}
    scorer = ehcp_nlp.load(args.model)
    scores = {name: list(scorer.score_many(frame["text"].tolist()))
              for name, frame in frames.items() if name != "train"}
    table = rule_table(frames, scores)
    names = [n for n in frames if n != "train"]
    header = "| rule | train | " + " | ".join(f"{n} rule | {n} model" for n in names) + " |"
    lines = [header, "|---" * (2 + 2 * len(names)) + "|"]
    for entry in table:
        cells = [f"{entry.get('train_rule', float('nan')):.3f}"]
        for n in names:
            cells += [f"{entry.get(f'{n}_rule', float('nan')):.3f}",
                      f"{entry.get(f'{n}_model', float('nan')):.3f}"]
        lines.append(f"| {entry['rule']} | " + " | ".join(cells) + " |")
    split = balance(frames["train"])
    lines += ["", "| cue (training corpus) | rows with the cue | the rule's side | other side "
              "| other side's share |", "|---|---|---|---|---|"]
    for entry in split:
        lines.append(f"| {entry['cue']} | {entry['rows']} | {entry['predicted_side']} | "
                     f"{entry['other_side']} | {entry['other_share']:.0%} |")
    auc = train_vs_test_auc(frames["train"], frames["test"])
    lines += ["", f"Train-vs-test classifier (names masked, grouped 5-fold CV): ROC AUC "
              f"{auc:.3f}"]
    print("\n".join(lines))
    (ROOT / "benchmarks" / "shortcuts.json").write_text(json.dumps(
        {"rules": table, "balance": split, "train_vs_test_auc": auc}, indent=2) + "\n")


if __name__ == "__main__":
    main()
