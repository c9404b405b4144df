"""Does scikit-learn's temperature scaling fit the temperature ehcp-nlp fits by hand?

    python benchmarks/calibration_check.py

Grouped cross-validation on a 50-group sample of data/statements.csv (as the tests' small
model) gives each head's out-of-fold logits; the temperature is then fitted twice: by
``ehcp_nlp.model.train.fit_temperature`` (the negative log-likelihood minimised over T with
scipy's bounded scalar search) and by scikit-learn's ``CalibratedClassifierCV(method=
"temperature")`` around a frozen estimator whose decision function is those logits. Writes
both temperatures, their ratio and each one's log-loss to benchmarks/calibration_check.json.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.frozen import FrozenEstimator

from ehcp_nlp.data import read_corpus
from ehcp_nlp.model.heads import HEADS
from ehcp_nlp.model.train import TrainingConfig, _nll, fit_temperature, process, select_models

ROOT = Path(__file__).resolve().parent.parent


class _Logits(ClassifierMixin, BaseEstimator):
    """A fitted "classifier" whose decision function is its input: the logits themselves."""

    def __init__(self, classes):
        self.classes = classes

    def fit(self, X, y=None):
        self.classes_ = np.asarray(self.classes)
        return self

    def decision_function(self, X):
        return np.asarray(X)

    def predict(self, X):
        z = np.asarray(X)
        return (z > 0).astype(int) if z.ndim == 1 else z.argmax(axis=1)


def main() -> None:
    frame = read_corpus(ROOT / "data" / "statements.csv")
    groups = sorted(frame["group"].unique())[::max(1, frame["group"].nunique() // 50)]
    frame = frame[frame["group"].isin(groups)].reset_index(drop=True)
    _, docs = process(frame["text"].tolist())
    fits = select_models(docs, frame, [h for h in HEADS if h.name in frame.columns],
                         TrainingConfig(folds=3, c_grid=(4.0,), learning_curve=()))
    rows = {}
    for name, fit in fits.items():
        p = np.clip(fit.oof_probabilities, 1e-12, 1 - 1e-12)
        truth = np.searchsorted(fit.classes, fit.oof_truth)
        if fit.head.binary:  # ehcp-nlp keeps a binary head's logit as one column
            z = fit.temperature * np.log(p[:, 1] / p[:, 0])[:, None]
        else:
            z = fit.temperature * np.log(p)
        started = time.perf_counter()
        ours = fit_temperature(z, truth, fit.head.binary)
        ours_s = time.perf_counter() - started
        model = _Logits(list(range(len(fit.classes)))).fit(None)
        started = time.perf_counter()
        calibrated = CalibratedClassifierCV(FrozenEstimator(model), method="temperature")
        calibrated.fit(z[:, 0] if fit.head.binary else z, truth)
        theirs_s = time.perf_counter() - started
        beta = float(calibrated.calibrated_classifiers_[0].calibrators[0].beta_)
        # a binary decision function x is read by scikit-learn as the two logits (-x, x):
        # softmax of those scaled by beta is sigmoid(2 beta x), so T = 1 / (2 beta)
        theirs = (0.5 if fit.head.binary else 1.0) / beta
        rows[name] = {"ehcp_nlp": ours, "sklearn": theirs, "ratio": theirs / ours,
                      "nll_ehcp_nlp": _nll(z, truth, fit.head.binary, ours),
                      "nll_sklearn": _nll(z, truth, fit.head.binary, theirs),
                      "seconds_ehcp_nlp": ours_s, "seconds_sklearn": theirs_s}
        print(f"{name:16} T ours {ours:.4f}  sklearn {theirs:.4f}  ratio {theirs / ours:.4f}")
    (ROOT / "benchmarks" / "calibration_check.json").write_text(json.dumps(rows, indent=2)
                                                                 + "\n")


if __name__ == "__main__":
    main()
