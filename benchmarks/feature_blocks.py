"""Which feature blocks should each head read? Leave-one-batch-out cross-validation.

    python benchmarks/feature_blocks.py        # about 15 minutes on one core

The training corpus was written in batches, each by a different writer in different voices
(the id prefix names the batch). Training on all batches but one and scoring the one left out
measures how well a head carries over to a writer it has not seen, which is what the held-out
test set measures too, without touching it. For every head and every choice of feature blocks
(all; words and characters; words only; rules and words) this prints the mean macro-F1 over
the held-out batches at C=4 and C=16. ``HEAD_BLOCKS`` in ehcp_nlp/model/train.py records
the choices made from this table.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from threadpoolctl import threadpool_limits

from ehcp_nlp.data import read_corpus
from ehcp_nlp.features import make_featurizer
from ehcp_nlp.model.heads import HEADS
from ehcp_nlp.model.train import process

ROOT = Path(__file__).resolve().parent.parent
VARIANTS = {"all": ("rules", "words", "chars"), "words+chars": ("words", "chars"),
            "words": ("words",), "rules+words": ("rules", "words")}


def main() -> None:
    warnings.simplefilter("ignore")
    frame = read_corpus(ROOT / "data" / "statements.csv")
    batch = frame["id"].str.split("-").str[0].to_numpy()
    _, docs = process(frame["text"].tolist())
    scores: dict[tuple[str, str, float], list[float]] = {}
    with threadpool_limits(1):
        for held_out in sorted(set(batch)):
            train, valid = np.flatnonzero(batch != held_out), np.flatnonzero(batch == held_out)
            featurizer = make_featurizer().fit([docs[i] for i in train])
            names = [name for name, _ in featurizer.transformer_list]
            blocks_train = [t.transform([docs[i] for i in train])
                            for _, t in featurizer.transformer_list]
            blocks_valid = [t.transform([docs[i] for i in valid])
                            for _, t in featurizer.transformer_list]
            for variant, keep in VARIANTS.items():
                X_train = sp.hstack([b for n, b in zip(names, blocks_train, strict=True)
                                     if n in keep]).tocsr()
                X_valid = sp.hstack([b for n, b in zip(names, blocks_valid, strict=True)
                                     if n in keep]).tocsr()
                for head in HEADS:
                    rows_train = head.rows(frame.iloc[train])
                    rows_valid = head.rows(frame.iloc[valid])
                    if not rows_valid.any():
                        continue
                    y = frame[head.name].to_numpy()
                    for c in (4.0, 16.0):
                        model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000,
                                                   tol=1e-3)
                        model.fit(X_train[rows_train], y[train][rows_train])
                        predicted = model.predict(X_valid[rows_valid])
                        scores.setdefault((head.name, variant, c), []).append(
                            f1_score(y[valid][rows_valid], predicted, average="macro"))
    print("| head | " + " | ".join(f"{v} C={c:g}" for v in VARIANTS for c in (4.0, 16.0)) + " |")
    print("|---" * (1 + 2 * len(VARIANTS)) + "|")
    for head in HEADS:
        cells = [f"{np.mean(scores[(head.name, v, c)]):.3f}" for v in VARIANTS for c in (4.0, 16.0)]
        print(f"| {head.name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
