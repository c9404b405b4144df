"""Training: grouped cross-validation for model selection, temperature calibration, final fit.

Everything is deterministic for a seed: the folds (GroupKFold over the corpus ``group``
column, so no child's statements sit on both sides of a split), the solvers (lbfgs) and the
order of the data.
"""

from __future__ import annotations

import hashlib
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import GroupKFold

from ehcp_nlp import labels
from ehcp_nlp.errors import CorpusFormatError
from ehcp_nlp.features import group_of, make_featurizer
from ehcp_nlp.model.heads import HEADS, Head
from ehcp_nlp.model.linear import HeadSlice, StackedLinear
from ehcp_nlp.nlp import make_pipeline
from ehcp_nlp.nlp.tokens import process as process_batch

#: Regularisation strengths tried for every head.
C_GRID = (1.0, 4.0, 16.0)
#: Feature blocks each head reads. Chosen by leave-one-register-out cross-validation on
#: data/statements.csv (train on every way of writing but one, score that one), which rewards
#: features that carry over to writing the model has not seen; no head reads the statement's
#: form (length, sentences, how it opens), which the contrast set showed acting as a shortcut
#: (``python benchmarks/feature_blocks.py`` reproduces both tables in benchmarks/README.md).
#: ``evidence`` is the rule features without the form ones.
NO_FORM = ("evidence", "words", "chars")
HEAD_BLOCKS = {
    "type": ("words", "chars"),
    "specific": ("words", "chars"),
    "measurable": NO_FORM,
    "achievable": ("evidence", "words"),
    "realistic": NO_FORM,
    "time_bound": NO_FORM,
    "specified": NO_FORM,
    "provision_kind": ("words", "chars"),
    "part_what": NO_FORM,
    "part_who": NO_FORM,
    "part_how_often": ("words", "chars"),
    "part_how_long": NO_FORM,
    "part_group": NO_FORM,
    "part_when_where": ("words", "chars"),
    "quantified": NO_FORM,
    "area": ("words", "chars"),
    "pfa": ("words", "chars"),
}
#: Heads whose verdict is reported as "uncertain" below a calibrated confidence, and the
#: accuracy their confident verdicts must reach out of fold.
UNCERTAIN_HEADS = ("area", "pfa")
CONFIDENT_ACCURACY = 0.85
#: Shares of the training groups the learning curve trains on, besides the whole.
LEARNING_CURVE = (0.25, 0.5)


@dataclass
class TrainingConfig:
    """How a model is trained; stored in the model's manifest.

    Attributes
    ----------
    seed
        Fixes fold assignment and solver behaviour.
    folds
        Grouped cross-validation folds used for model selection and the CV report.
    c_grid
        Inverse regularisation strengths tried per head.
    word_ngrams, char_ngrams, min_df
        Lexical feature settings.
    head_blocks
        For a head, the feature blocks (``rules``, ``words``, ``chars``, or the parts of the
        rules: ``evidence`` and ``form``) it reads; a head not named reads all of them.
    learning_curve
        Shares of each fold's training groups to train on for the learning curve (the whole
        fold is the cross-validation itself); empty to skip it.
    type_roles
        Type label -> golden-thread role, for type labels of your own whose role cannot be
        read from their name (see :func:`ehcp_nlp.labels.type_role`).
    """

    seed: int = 0
    folds: int = 5
    c_grid: tuple[float, ...] = C_GRID
    word_ngrams: tuple[int, int] = (1, 2)
    char_ngrams: tuple[int, int] = (2, 5)
    min_df: int = 2
    head_blocks: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(HEAD_BLOCKS))
    learning_curve: tuple[float, ...] = LEARNING_CURVE
    type_roles: dict[str, str | None] = field(default_factory=dict)

    def to_dict(self) -> dict:
        """Return a JSON-ready dictionary."""
        return {"seed": self.seed, "folds": self.folds, "c_grid": list(self.c_grid),
                "word_ngrams": list(self.word_ngrams), "char_ngrams": list(self.char_ngrams),
                "min_df": self.min_df,
                "head_blocks": {k: list(v) for k, v in self.head_blocks.items()},
                "learning_curve": list(self.learning_curve),
                "type_roles": dict(sorted(self.type_roles.items()))}


@dataclass
class HeadFit:
    """The outcome of model selection for one head."""

    head: Head
    classes: tuple[str, ...]
    c: float
    temperature: float
    cv_macro_f1: float
    oof_predictions: np.ndarray = field(repr=False)
    oof_truth: np.ndarray = field(repr=False)
    #: Positions (into the training frame) of the out-of-fold rows, in the order above.
    oof_rows: np.ndarray = field(default=None, repr=False)
    #: Calibrated out-of-fold probabilities, one column per class (in ``classes`` order).
    oof_probabilities: np.ndarray = field(default=None, repr=False)


def frame_hash(frame: pd.DataFrame) -> str:
    """sha256 of the training data as CSV (the identity recorded in the manifest)."""
    return hashlib.sha256(frame.to_csv(index=False).encode("utf-8")).hexdigest()


def roles_of(frame: pd.DataFrame, explicit: dict[str, str | None] | None = None
             ) -> dict[str, str | None]:
    """Every type label in the data and its golden-thread role."""
    return {label: labels.type_role(label, explicit)
            for label in sorted(set(frame["type"].astype(str)))}


def check_training_frame(frame: pd.DataFrame,
                         roles: dict[str, str | None] | None = None) -> list[Head]:
    """Check the columns training needs and return the heads the data can train."""
    for column in ("text", "type"):
        if column not in frame.columns:
            raise CorpusFormatError(
                f"training data has no {column!r} column; columns are text, type, group and "
                "the labels of data/ANNOTATION.md (see `ehcp data validate`)"
            )
    empty = frame["text"].astype(str).str.strip().eq("")
    if empty.any():
        first = int(np.flatnonzero(empty.to_numpy())[0]) + 2
        raise CorpusFormatError(
            f"training data has {int(empty.sum())} empty statements (first on row {first}); "
            "remove them or fill in the text"
        )
    heads = []
    for head in HEADS:
        if head.name not in frame.columns:
            continue
        values = frame.loc[head.rows(frame, roles), head.name]
        if values.nunique() >= 2:
            heads.append(head)
    if not any(h.name == "type" for h in heads):
        raise CorpusFormatError("training data needs at least two statement types in 'type'")
    return heads


def block_mask(featurizer, blocks: tuple[str, ...] | None) -> sp.dia_matrix | None:
    """A diagonal 0/1 matrix keeping only the columns of the named feature blocks.

    A block is a transformer of the union (``rules``, ``words``, ``chars``), or a part of the
    rules: ``evidence`` (every rule family but the statement's form) or ``form`` (length,
    sentences, how it opens: :data:`~ehcp_nlp.features.FORM_FEATURES`).
    """
    if blocks is None:
        return None
    keep = []
    for name, transformer in featurizer.transformer_list:
        names = transformer.get_feature_names_out()
        if name == "rules" and name not in blocks:
            form = np.array([str(n).startswith("form.") for n in names])
            keep.append((("evidence" in blocks) & ~form | ("form" in blocks) & form)
                        .astype(float))
        else:
            keep.append(np.full(len(names), name in blocks, dtype=float))
    return sp.diags(np.concatenate(keep))


def _masked(X: sp.csr_matrix, mask) -> sp.csr_matrix:
    """Zero the columns a head does not read: their coefficients then stay exactly 0."""
    return X if mask is None else (X @ mask).tocsr()


def _fit_logistic(X: sp.csr_matrix, y: np.ndarray, c: float, seed: int) -> LogisticRegression:
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=3000, tol=1e-3,
                               random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return model


def _logits(model: LogisticRegression, X: sp.csr_matrix) -> np.ndarray:
    """Logits in the stacked layout: yes/no heads one column, label heads one per label."""
    raw = model.decision_function(X)
    if raw.ndim == 1:
        return raw[:, None]
    return raw


def _as_outputs(logits: np.ndarray, binary: bool) -> np.ndarray:
    """Turn a two-label head's single logit into two outputs when it is a label choice."""
    if not binary and logits.shape[1] == 1:
        return np.hstack([np.zeros_like(logits), logits])
    return logits


def _nll(logits: np.ndarray, truth_index: np.ndarray, binary: bool, temperature: float) -> float:
    z = logits / temperature
    if binary:
        p = 1 / (1 + np.exp(-z[:, 0]))
        p = np.clip(np.where(truth_index == 1, p, 1 - p), 1e-12, 1)
        return float(-np.log(p).mean())
    z = z - z.max(axis=1, keepdims=True)
    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-log_p[np.arange(len(z)), truth_index].mean())


def fit_temperature(logits: np.ndarray, truth_index: np.ndarray, binary: bool) -> float:
    """The temperature that minimises the negative log-likelihood of out-of-fold logits."""
    result = minimize_scalar(lambda t: _nll(logits, truth_index, binary, t),
                             bounds=(0.05, 20.0), method="bounded")
    return float(result.x)


def select_models(
    docs: Sequence,
    frame: pd.DataFrame,
    heads: list[Head],
    config: TrainingConfig,
    progress: Callable[[str], None] | None = None,
    roles: dict[str, str | None] | None = None,
    curve: dict | None = None,
) -> dict[str, HeadFit]:
    """Grouped cross-validation: pick C per head, collect out-of-fold predictions, calibrate.

    With ``curve`` (a dict) and ``config.learning_curve``, the learning curve is computed on
    the same folds and stored in ``curve`` (see :func:`learning_curve`).
    """
    groups = frame["group"].astype(str).to_numpy()
    n_folds = min(config.folds, len(set(groups)))
    if n_folds < 2:
        raise CorpusFormatError("training data needs statements from at least two groups")
    folds = list(GroupKFold(n_splits=n_folds).split(np.zeros(len(frame)), groups=groups))
    masks = {h.name: h.rows(frame, roles) for h in heads}
    targets = {h.name: frame[h.name].astype(str).to_numpy() for h in heads}
    classes = {h.name: tuple(sorted(set(targets[h.name][masks[h.name]]))) for h in heads}
    oof: dict[tuple[str, float], np.ndarray] = {}
    kept_folds: list = []
    for k, (train_idx, valid_idx) in enumerate(folds, start=1):
        if progress:
            progress(f"cross-validation fold {k}/{n_folds}")
        featurizer = make_featurizer(config.word_ngrams, config.char_ngrams, config.min_df)
        X_all_train = featurizer.fit_transform([docs[i] for i in train_idx])
        X_all_valid = featurizer.transform([docs[i] for i in valid_idx])
        if curve is not None and config.learning_curve:
            kept_folds.append((train_idx, valid_idx, featurizer, X_all_train, X_all_valid))
        for head in heads:
            mask, y = masks[head.name], targets[head.name]
            tr = train_idx[mask[train_idx]]
            va_pos = np.flatnonzero(mask[valid_idx])
            if len(va_pos) == 0 or len(set(y[tr])) < 2:
                continue
            rows_train = np.flatnonzero(mask[train_idx])
            columns = block_mask(featurizer, config.head_blocks.get(head.name))
            X_train, X_valid = _masked(X_all_train, columns), _masked(X_all_valid, columns)
            X_fit = X_train[rows_train]
            for c in config.c_grid:
                model = _fit_logistic(X_fit, y[tr], c, config.seed)
                store = oof.setdefault(
                    (head.name, c), np.full((len(frame), len(classes[head.name])), np.nan)
                )
                logits = _as_outputs(_logits(model, X_valid[va_pos]), head.binary)
                columns = [classes[head.name].index(label) for label in model.classes_]
                if head.binary:
                    store[valid_idx[va_pos], :1] = logits
                else:
                    block = np.full((len(va_pos), len(classes[head.name])), -1e9)
                    block[:, columns] = logits
                    store[valid_idx[va_pos]] = block
    fits = {}
    for head in heads:
        mask, y = masks[head.name], targets[head.name]
        head_classes = classes[head.name]
        best = None
        for c in config.c_grid:
            logits = oof.get((head.name, c))
            if logits is None:
                continue
            rows = mask & ~np.isnan(logits[:, 0])
            z = logits[rows][:, :1] if head.binary else logits[rows]
            predicted = (np.where(z[:, 0] > 0, head_classes[-1], head_classes[0])
                         if head.binary else np.array(head_classes)[z.argmax(axis=1)])
            score = f1_score(y[rows], predicted, average="macro")
            if best is None or score > best[0] + 1e-9:
                best = (score, c, z, y[rows], predicted, np.flatnonzero(rows))
        if best is None:
            continue
        score, c, z, truth, predicted, positions = best
        truth_index = np.array([head_classes.index(t) for t in truth])
        temperature = fit_temperature(z, truth_index, head.binary)
        fits[head.name] = HeadFit(head, head_classes, c, temperature, float(score),
                                  predicted, truth, positions,
                                  probabilities_of(z, temperature, head.binary))
    if kept_folds:
        if progress:
            progress("learning curve")
        curve.update(learning_curve(kept_folds, frame, fits, masks, targets, config))
    return fits


def learning_curve(folds, frame: pd.DataFrame, fits: dict[str, HeadFit],
                   masks: dict[str, np.ndarray], targets: dict[str, np.ndarray],
                   config: TrainingConfig) -> dict[str, list[dict]]:
    """Out-of-fold macro-F1 of each head trained on a share of each fold's training groups.

    For every share in ``config.learning_curve``, each fold trains on that share of its
    training groups (a seeded random subset; the subsets grow, each holding the last) with the
    C chosen by cross-validation, and predicts its held-out fold, which stays whole; the
    macro-F1 is over all held-out rows, like the cross-validation's, which gives the last
    point (share 1.0). The features' vocabulary is the one fitted on the whole training fold:
    only the classifiers see the smaller shares, so the curve shows what more *labelled*
    data buys.

    Returns
    -------
    dict
        Head -> ``[{"share", "train_rows", "macro_f1"}, ...]`` in growing shares.
    """
    groups = frame["group"].astype(str).to_numpy()
    rng = np.random.default_rng(config.seed)
    orders = []
    for train_idx, *_ in folds:
        names = np.unique(groups[train_idx])
        orders.append((names[rng.permutation(len(names))], groups[train_idx]))
    shares = sorted(config.learning_curve)
    predicted = {(share, name): [] for share in shares for name in fits}
    truth = {(share, name): [] for share in shares for name in fits}
    sizes = {(share, name): [] for share in shares for name in fits}
    for (train_idx, valid_idx, featurizer, X_train, X_valid), (order, fold_groups) in zip(
            folds, orders, strict=True):
        taken = {}
        for share in shares:
            chosen = set(order[: max(1, round(share * len(order)))].tolist())
            taken[share] = np.fromiter((g in chosen for g in fold_groups), dtype=bool,
                                       count=len(fold_groups))
        for name, fit in fits.items():
            mask, y = masks[name], targets[name]
            va = np.flatnonzero(mask[valid_idx])
            if len(va) == 0:
                continue
            columns = block_mask(featurizer, config.head_blocks.get(name))
            X_head, X_head_valid = _masked(X_train, columns), _masked(X_valid, columns)[va]
            for share in shares:
                rows = np.flatnonzero(taken[share] & mask[train_idx])
                if len(set(y[train_idx[rows]])) < 2:
                    continue
                model = _fit_logistic(X_head[rows], y[train_idx[rows]], fit.c, config.seed)
                predicted[share, name].extend(model.predict(X_head_valid).tolist())
                truth[share, name].extend(y[valid_idx[va]].tolist())
                sizes[share, name].append(len(rows))
    out: dict[str, list[dict]] = {name: [] for name in fits}
    for share in shares:
        for name in fits:
            if truth[share, name]:
                out[name].append({
                    "share": share, "train_rows": round(float(np.mean(sizes[share, name]))),
                    "macro_f1": float(f1_score(truth[share, name], predicted[share, name],
                                               average="macro"))})
    n_folds = len(folds)
    for name, fit in fits.items():
        rows = int(masks[name].sum())
        out[name].append({"share": 1.0, "train_rows": round(rows * (n_folds - 1) / n_folds),
                          "macro_f1": fit.cv_macro_f1})
    return out


def confidence_threshold(fit: HeadFit, accuracy: float = CONFIDENT_ACCURACY) -> float:
    """The lowest confidence at which a head's verdicts are right ``accuracy`` of the time.

    Read from the calibrated out-of-fold probabilities of grouped cross-validation: the
    verdicts whose probability is at least the threshold are right at least ``accuracy`` of
    the time (the smallest such threshold, so as many verdicts as possible are given; 1.0
    when no threshold reaches it). Below it the scorer reports the head as uncertain.
    """
    if fit.oof_probabilities is None or not len(fit.oof_truth):
        return 0.0
    confidence = fit.oof_probabilities.max(axis=1)
    right = np.asarray(fit.oof_truth) == np.asarray(fit.oof_predictions)
    order = np.argsort(-confidence, kind="stable")
    running = np.cumsum(right[order]) / np.arange(1, len(order) + 1)
    reached = np.flatnonzero(running >= accuracy)
    if not len(reached):
        return 1.0
    return float(confidence[order][reached[-1]])


def probabilities_of(logits: np.ndarray, temperature: float, binary: bool) -> np.ndarray:
    """Calibrated probabilities from stacked logits: one column per class.

    A yes/no head's single logit gives the columns (no, yes); a label head's logits go through
    a softmax.
    """
    z = logits / temperature
    if binary:
        p = 1 / (1 + np.exp(-z[:, 0]))
        return np.column_stack([1 - p, p])
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def fit_final(
    docs: Sequence,
    frame: pd.DataFrame,
    fits: dict[str, HeadFit],
    config: TrainingConfig,
    roles: dict[str, str | None] | None = None,
):
    """Fit the featurizer and every head on all the data; return them stacked."""
    featurizer = make_featurizer(config.word_ngrams, config.char_ngrams, config.min_df)
    X = featurizer.fit_transform(docs)
    names = featurizer.get_feature_names_out()
    components = np.array([group_of(n) for n in names], dtype=object)
    coefs, intercepts, slices, estimators = [], [], [], {}
    start = 0
    for name, fit in fits.items():
        mask = fit.head.rows(frame, roles)
        y = frame[name].astype(str).to_numpy()[mask]
        X_head = _masked(X, block_mask(featurizer, config.head_blocks.get(name)))
        model = _fit_logistic(X_head[np.flatnonzero(mask)], y, fit.c, config.seed)
        estimators[name] = model
        if fit.head.binary:
            coef, intercept = model.coef_[0][:, None], model.intercept_[:1]
        elif len(model.classes_) == 2:
            coef = np.hstack([np.zeros((X.shape[1], 1)), model.coef_[0][:, None]])
            intercept = np.array([0.0, model.intercept_[0]])
        else:
            coef, intercept = model.coef_.T, model.intercept_
        coefs.append(coef / fit.temperature)
        intercepts.append(intercept / fit.temperature)
        stop = start + coef.shape[1]
        slices.append(HeadSlice(name, tuple(model.classes_), fit.head.binary, start, stop,
                                fit.temperature))
        start = stop
    linear = StackedLinear(np.hstack(coefs), np.concatenate(intercepts), slices, components)
    return featurizer, linear, estimators


def process(texts: Sequence[str], nlp=None, batch_size: int = 1000):
    """Run the statements through the spaCy pipeline, as the scorer does; return both.

    Returns the pipeline and one :class:`~ehcp_nlp.nlp.tokens.Statement` per text.
    """
    nlp = nlp or make_pipeline()
    texts = list(texts)
    out = []
    for begin in range(0, len(texts), batch_size):
        out.extend(process_batch(nlp, texts[begin : begin + batch_size]))
    return nlp, out


def train(
    frame: pd.DataFrame,
    *,
    config: TrainingConfig | None = None,
    progress: Callable[[str], None] | None = None,
):
    """Train a scorer on a labelled corpus (the columns of ``data/statements.csv``).

    Parameters
    ----------
    frame
        Labelled statements; ``text``, ``type`` and ``group`` are required, and every other
        label column present (``smart``, the criteria, ``quantified``, ``area``, ``pfa``)
        trains its head. Label values come from the data, so extra or renamed types work:
        each type's role (which decides where SMART and quantification apply) is read from
        its name or given in ``config.type_roles``.
    config
        Seed, folds and feature settings (defaults: :class:`TrainingConfig`).
    progress
        Called with a short message at each stage.

    Returns
    -------
    Scorer
        With ``info["cross_validation"]``: each head's grouped cross-validation report, with
        confidence intervals from a bootstrap over groups; ``info["learning_curve"]``; and
        ``info["type_roles"]``.
    """
    from ehcp_nlp.model.evaluate import head_report
    from ehcp_nlp.model.intervals import bootstrap_report
    from ehcp_nlp.model.scorer import Scorer

    config = config or TrainingConfig()
    roles = roles_of(frame, config.type_roles) if "type" in frame.columns else {}
    heads = check_training_frame(frame, roles)
    if "group" not in frame.columns:  # no plan or child ids: each row is a group of its own
        frame = frame.assign(group=[f"row{i + 2}" for i in range(len(frame))])
        if progress is not None:
            progress("no group column: each statement is a group of its own in "
                     "cross-validation (statements of one child may sit on both sides)")
    frame = frame.reset_index(drop=True).astype({"text": str, "group": str})
    if progress:
        progress(f"processing {len(frame):,} statements with spaCy")
    nlp, docs = process(frame["text"].tolist())
    curve: dict = {}
    fits = select_models(docs, frame, heads, config, progress, roles, curve)
    if progress:
        progress("fitting on all the data")
    featurizer, linear, estimators = fit_final(docs, frame, fits, config, roles)
    cross_validation = {}
    for name, fit in fits.items():
        report = head_report(fit.oof_truth, fit.oof_predictions, fit.classes)
        groups = frame["group"].to_numpy()[fit.oof_rows]
        report["intervals"] = bootstrap_report(fit.oof_truth, fit.oof_predictions,
                                               fit.classes, groups=groups, seed=config.seed)
        cross_validation[name] = {"c": fit.c, "temperature": fit.temperature, **report}
    uncertain_below = {name: confidence_threshold(fits[name]) for name in UNCERTAIN_HEADS
                       if name in fits}
    info = {
        "training": {
            "rows": len(frame),
            "groups": int(frame["group"].nunique()),
            "data_sha256": frame_hash(frame),
            "config": config.to_dict(),
            "label_counts": {name: frame.loc[fit.head.rows(frame, roles), name].value_counts()
                             .sort_index().to_dict() for name, fit in fits.items()},
        },
        "labels": {name: list(fit.classes) for name, fit in fits.items()},
        "type_roles": {label: roles.get(label) for label in fits["type"].classes},
        "cross_validation": cross_validation,
        "learning_curve": curve,
        "uncertain_below": uncertain_below,
    }
    nlp.get_pipe("ehcp_evidence").write_spans = False
    return Scorer(featurizer, linear, estimators, info, nlp=nlp)
