"""Which feature blocks should each head read? Leave-one-register-out, and the contrast set.

    python benchmarks/feature_blocks.py                 # held out by register
    python benchmarks/feature_blocks.py --by batch      # held out by writer's batch

The training corpus holds many ways of writing (the ``register`` column) and many writers'
batches (the id prefix). Training on all registers but one and scoring the one left out
measures how well a head carries over to writing it has not seen, which is what the held-out
test set measures too, without touching it. For every head and every choice of feature blocks
this prints the mean macro-F1 over the held-out registers at C=4 and C=16; ``HEAD_BLOCKS`` in
ehcp_nlp/model/train.py records the choices made from it. A second table trains on the whole
corpus and scores data/contrast.csv: the ablation that shows whether the statement's *form*
(its length, how it opens: ``form.*`` features) acts as a shortcut, which the contrast set is
written to expose.
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from threadpoolctl import threadpool_limits

from ehcp_nlp.data import read_corpus
from ehcp_nlp.features import make_featurizer
from ehcp_nlp.model.heads import HEADS
from ehcp_nlp.model.train import block_mask, process

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = {"all": ("rules", "words", "chars"),
            "no form": ("evidence", "words", "chars"),
            "words+chars": ("words", "chars"), "words": ("words",),
            "evidence+words": ("evidence", "words")}
C_VALUES = (4.0, 16.0)


def _columns(featurizer, keep: tuple[str, ...]) -> np.ndarray:
    diagonal = block_mask(featurizer, keep).diagonal()
    return np.flatnonzero(diagonal)


def _fit_score(X_train, y_train, X_valid, y_valid, c: float) -> float:
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, tol=1e-3)
    model.fit(X_train, y_train)
    return f1_score(y_valid, model.predict(X_valid), average="macro")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--by", choices=("register", "batch"), default="register")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    frame = read_corpus(ROOT / "data" / "statements.csv")
    contrast = read_corpus(ROOT / "data" / "contrast.csv")
    unit = (frame["register"] if args.by == "register"
            else frame["id"].str.rsplit("-", n=1).str[0]).to_numpy()
    _, docs = process(frame["text"].tolist())
    _, contrast_docs = process(contrast["text"].tolist())
    scores: dict[tuple[str, str, float], list[float]] = {}
    on_contrast: dict[tuple[str, str, float], float] = {}
    splits = [(held_out, np.flatnonzero(unit != held_out), np.flatnonzero(unit == held_out))
              for held_out in sorted(set(unit)) if (unit == held_out).sum() >= 30]
    splits.append(("contrast", np.arange(len(frame)), None))
    with threadpool_limits(1):
        for _held_out, train, valid in splits:
            featurizer = make_featurizer().fit([docs[i] for i in train])
            X_all = featurizer.transform([docs[i] for i in train]).tocsr()
            valid_frame = contrast if valid is None else frame.iloc[valid]
            X_all_valid = featurizer.transform(
                contrast_docs if valid is None else [docs[i] for i in valid]).tocsr()
            for variant, keep in VARIANTS.items():
                columns = _columns(featurizer, keep)
                X_train, X_valid = X_all[:, columns], X_all_valid[:, columns]
                for head in HEADS:
                    if head.name not in frame.columns or head.name not in valid_frame.columns:
                        continue
                    rows_train = head.rows(frame.iloc[train])
                    rows_valid = head.rows(valid_frame)
                    y_valid = valid_frame[head.name].to_numpy()[rows_valid]
                    if len(set(y_valid)) < 2:
                        continue
                    y = frame[head.name].to_numpy()[train][rows_train]
                    for c in C_VALUES:
                        f1 = _fit_score(X_train[rows_train], y, X_valid[rows_valid], y_valid, c)
                        if valid is None:
                            on_contrast[(head.name, variant, c)] = f1
                        else:
                            scores.setdefault((head.name, variant, c), []).append(f1)
    for title, table in ((f"Mean macro-F1, leave one {args.by} out", scores),
                         ("Macro-F1 on data/contrast.csv, trained on all of "
                          "data/statements.csv", on_contrast)):
        print(f"\n{title}\n")
        print("| head | " + " | ".join(f"{v} C={c:g}" for v in VARIANTS for c in C_VALUES)
              + " |")
        print("|---" * (1 + len(C_VALUES) * len(VARIANTS)) + "|")
        for head in HEADS:
            cells = [table.get((head.name, v, c)) for v in VARIANTS for c in C_VALUES]
            if all(x is None for x in cells):
                continue
            cells = [f"{np.mean(x):.3f}" if x is not None else "" for x in cells]
            print(f"| {head.name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
