"""The Scorer: statements in, :class:`~ehcp_nlp.results.StatementScore` out, explained."""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from itertools import islice
from typing import Any

import numpy as np
import scipy.sparse as sp
from spacy.attrs import IDX, LENGTH
from spacy.language import Language
from spacy.tokens import Doc

from ehcp_nlp import labels
from ehcp_nlp.errors import EhcpError
from ehcp_nlp.findings import findings_for, provision_parts
from ehcp_nlp.model.linear import StackedLinear
from ehcp_nlp.nlp import make_pipeline
from ehcp_nlp.results import Contribution, Criterion, Evidence, StatementScore

#: Statements longer than this are cut (with a warning) before scoring.
MAX_CHARS = 10_000
#: Which evidence families bear on each SMART criterion.
CRITERION_EVIDENCE = {
    "specific": ("vague",),
    "measurable": ("measure",),
    "achievable": ("absolute",),
    "realistic": ("perspective",),
    "time_bound": ("time_frame",),
}


class EmptyStatementError(EhcpError):
    """A statement has no text."""

    code = "E101"


class Scorer:
    """Score EHCP statements: type, SMART criteria, quantified provision, area, PfA.

    A Scorer is made by :func:`ehcp_nlp.train` or :func:`ehcp_nlp.load`; it holds the
    fitted feature union, the stacked heads and the spaCy pipeline that feeds them.

    Parameters
    ----------
    featurizer
        The fitted ``FeatureUnion`` that turns processed Docs into features.
    linear
        The heads, stacked and calibrated.
    estimators
        The fitted scikit-learn estimators the stacked heads were built from, by head.
    info
        Training configuration, data hash, label sets and metrics (the manifest's content).
    nlp
        The spaCy pipeline; built with :func:`ehcp_nlp.nlp.make_pipeline` when omitted.
    """

    def __init__(self, featurizer, linear: StackedLinear, estimators: dict[str, Any],
                 info: dict[str, Any], nlp: Language | None = None) -> None:
        self.featurizer = featurizer
        self.linear = linear
        self._estimators = estimators
        self._estimators_loader = None
        self.info = info
        self._nlp = nlp
        self._feature_names = None

    @property
    def estimators(self) -> dict[str, Any]:
        """The fitted scikit-learn estimators, by head (read from disk on first use).

        Scoring does not need them (the stacked heads hold their coefficients), so a saved
        model keeps them in a file of their own and loading skips them.
        """
        if self._estimators is None and self._estimators_loader is not None:
            self._estimators = self._estimators_loader()
        return self._estimators or {}

    # -- the spaCy side -----------------------------------------------------------------------
    @property
    def nlp(self) -> Language:
        """The spaCy pipeline (built on first use)."""
        if self._nlp is None:
            self._nlp = make_pipeline()
            self._nlp.get_pipe("ehcp_evidence").write_spans = False
        return self._nlp

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_nlp"] = None
        state["_feature_names"] = None
        state["_estimators"] = None  # saved beside the model (see persist.save)
        state["_estimators_loader"] = None
        return state

    @property
    def types(self) -> tuple[str, ...]:
        """The statement types this model tells apart."""
        return self.linear.heads["type"].classes

    def save(self, path, card: str | None = None):
        """Write the model to a directory (model, estimators, manifest with checksums, card).

        The model card is generated from ``info`` when not given.
        """
        from ehcp_nlp.model.card import model_card
        from ehcp_nlp.model.persist import save

        return save(self, path, card=model_card(self.info) if card is None else card)

    def pipeline(self, head: str):
        """A scikit-learn ``Pipeline`` (features, classifier) for one head; input: Docs."""
        from sklearn.pipeline import Pipeline

        return Pipeline([("features", self.featurizer), ("classifier", self.estimators[head])])

    # -- scoring ------------------------------------------------------------------------------
    def score(self, text: str, *, explain: bool = True,
              expected_type: str | None = None) -> StatementScore:
        """Score one statement, explained by default (see :meth:`score_many`)."""
        return next(self.score_many([text], explain=explain,
                                    expected_types=None if expected_type is None
                                    else [expected_type]))

    def score_many(
        self,
        texts: Iterable[str],
        *,
        batch_size: int = 1000,
        n_jobs: int = 1,
        explain: bool = False,
        expected_types: Iterable[str | None] | None = None,
    ) -> Iterator[StatementScore]:
        """Score statements in batches; results stream out in input order.

        Parameters
        ----------
        texts
            The statements (any iterable; read lazily, a batch at a time).
        batch_size
            Statements per batch: spaCy, features and heads each run once per batch.
        n_jobs
            Worker processes (joblib); 1 scores in this process.
        explain
            Split every score into per-component contributions, with each component's top
            features (opt-in: it costs about as much again as scoring).
        expected_types
            For each statement, the type its place in a plan calls for (or ``None``); a
            different predicted type becomes a finding.

        Raises
        ------
        EmptyStatementError
            When a statement is empty or not text (nothing before it is lost: earlier
            results have already been yielded).
        """
        texts = iter(texts)
        expected = iter(expected_types) if expected_types is not None else None
        batches = _batches(texts, expected, batch_size)
        if n_jobs == 1:
            for batch, batch_expected, offset in batches:
                yield from self._score_batch(batch, batch_expected, explain, offset)
            return
        from joblib import Parallel, delayed

        parallel = Parallel(n_jobs=n_jobs, return_as="generator")
        for results in parallel(delayed(_score_in_worker)(self, b, e, explain, o)
                                for b, e, o in batches):
            yield from results

    def score_frame(self, frame, text_column: str = "text", batch_size: int = 1000):
        """Return ``frame`` with score columns added; a row that cannot be scored gets ``error``.

        Columns added: ``type``, ``p_<type>`` for every type, ``smart``,
        ``smart_probability``, one column per SMART criterion, ``quantified``,
        ``quantified_probability``, ``area``, ``pfa``, ``findings`` (codes, ``;``-separated)
        and ``error``.
        """
        if text_column not in frame.columns:
            raise EhcpError(f"no column {text_column!r}; columns are "
                            f"{', '.join(map(str, frame.columns))}; pass text_column=")
        import pandas as pd

        texts = frame[text_column]
        valid = texts.map(lambda t: isinstance(t, str) and bool(t.strip())).to_numpy()
        rows = [score_row(s) for s in self.score_many(texts[valid].tolist(),
                                                       batch_size=batch_size)]
        scored = pd.DataFrame(rows, index=frame.index[valid])
        out = frame.copy()
        for column in scored.columns:
            out[column] = scored[column]
        out["error"] = np.where(valid, "", "empty or missing statement")
        return out

    # -- internals ----------------------------------------------------------------------------
    def _score_batch(self, texts: list[str], expected: list[str | None] | None,
                     explain: bool, offset: int) -> list[StatementScore]:
        prepared, notes = [], []
        for i, text in enumerate(texts):
            if not isinstance(text, str) or not text.strip():
                raise EmptyStatementError(
                    f"statement {offset + i + 1} is empty; give each statement some text"
                )
            note = ()
            if len(text) > MAX_CHARS:
                note = (f"statement of {len(text):,} characters cut to {MAX_CHARS:,}",)
                text = text[:MAX_CHARS]
            prepared.append(text)
            notes.append(note)
        docs = list(self.nlp.pipe(prepared, batch_size=len(prepared)))
        blocks = [transformer.transform(docs)
                  for _, transformer in self.featurizer.transformer_list]
        if explain:
            contributions = self.linear.contributions(blocks)
            logits = contributions.sum(axis=1) + self.linear.intercept
        else:
            contributions, logits = None, self.linear.logits(blocks)
        n = len(docs)
        # one explained output per head: the chosen label, or "yes"
        heads = list(self.linear.heads.values())
        chosen = np.empty((n, len(heads)), dtype=np.int64)
        probabilities: dict[str, list] = {}
        for k, head in enumerate(heads):
            p = self.linear.probabilities(logits, head.name)
            if head.binary:
                chosen[:, k] = head.start
            else:
                chosen[:, k] = head.start + p.argmax(axis=1)
            probabilities[head.name] = p.tolist()
        rows = np.arange(n)[:, None]
        picked_logits = logits[rows, chosen].tolist()
        if explain:
            picked = np.take_along_axis(contributions, chosen[:, None, :], axis=2)
            picked = picked.transpose(0, 2, 1).tolist()  # n x heads x components
            matrix = sp.hstack(blocks).tocsr()
        else:
            picked, matrix = [None] * n, None
        chosen_list = chosen.tolist()
        return [
            self._result(
                prepared[i], docs[i], notes[i], heads, chosen_list[i], picked_logits[i],
                picked[i], {name: p[i] for name, p in probabilities.items()},
                matrix[i] if explain else None,
                expected[i] if expected is not None else None,
            )
            for i in range(n)
        ]

    def _result(self, text: str, doc: Doc, notes: tuple[str, ...], heads, chosen: list[int],
                logits: list[float], contributions: list[list[float]],
                probabilities: dict[str, Any], row, expected_type: str | None
                ) -> StatementScore:
        components = self.linear.component_names
        intercept = self.linear.intercept
        evidence = _evidence(doc, text)
        explained: dict[str, Contribution] = {}
        label_of: dict[str, tuple[str, float]] = {}
        yes: dict[str, float] = dict.fromkeys((*labels.CRITERIA, "quantified"), math.nan)
        head_logits: dict[str, float] = {}
        for k, head in enumerate(heads):
            column = chosen[k]
            label = head.classes[column - head.start]
            head_logits[head.name] = logits[k]
            if contributions is not None:
                top = self._top_features(row, column) if row is not None else None
                explained[head.name] = Contribution(
                    head.name, label, logits[k], float(intercept[column]),
                    dict(zip(components, contributions[k], strict=True)), top,
                )
            if head.binary:
                yes[head.name] = probabilities[head.name]
            else:
                label_of[head.name] = (label, probabilities[head.name][column - head.start])
        type_probs = dict(zip(heads[0].classes, probabilities["type"], strict=True))
        kind = label_of["type"][0]
        said: dict[str, list[str]] = {}
        for e in evidence:
            said.setdefault(e.component, []).append(e.text)
        criteria = {
            name: Criterion(name, yes[name] >= 0.5, yes[name],
                            tuple(t for family in CRITERION_EVIDENCE[name]
                                  for t in said.get(family, ())))
            for name in labels.CRITERIA if not math.isnan(yes[name])
        }
        area, area_p = label_of.get("area", ("", math.nan))
        pfa, pfa_p = label_of.get("pfa", ("", math.nan))
        smart_probability = math.nan
        if len(criteria) == len(labels.CRITERIA):
            weakest = min(criteria, key=head_logits.__getitem__)
            smart_probability = criteria[weakest].probability
            limiting = explained.get(weakest)
            if limiting is not None:
                explained["smart"] = Contribution("smart", f"yes (weakest: {weakest})",
                                                  limiting.logit, limiting.bias,
                                                  limiting.components, limiting.top_features)
        smart = (smart_probability >= 0.5) if kind == "outcome" and not math.isnan(
            smart_probability) else None
        quantified = (yes["quantified"] >= 0.5) if kind == "provision" and not math.isnan(
            yes["quantified"]) else None
        parts = provision_parts(evidence, text)
        found = findings_for(kind, criteria, smart, quantified, parts, evidence, expected_type)
        return StatementScore(
            text=text, type=kind, probabilities=type_probs, smart=smart,
            smart_probability=smart_probability, criteria=criteria, quantified=quantified,
            quantified_probability=yes["quantified"], provision_parts=parts,
            area=area, area_probability=area_p, pfa=pfa, pfa_probability=pfa_p,
            evidence=evidence, contributions=explained, findings=found, warnings=notes,
        )

    def _top_features(self, row, column: int, k: int = 3) -> dict[str, list[tuple[str, float]]]:
        if self._feature_names is None:
            self._feature_names = [_display(n) for n in
                                   self.featurizer.get_feature_names_out()]
        values = row.data * self.linear.coef[row.indices, column]
        components = self.linear.component_of_column[row.indices]
        top: dict[str, list[tuple[str, float]]] = {}
        for k_component, name in enumerate(self.linear.component_names):
            positions = np.flatnonzero(components == k_component)
            if len(positions) == 0:
                continue
            order = positions[np.argsort(-np.abs(values[positions]))[:k]]
            top[name] = [(self._feature_names[row.indices[j]], float(values[j]))
                         for j in order]
        return top


def _display(feature: str) -> str:
    transformer, _, name = feature.partition("__")
    return repr(name) if transformer == "chars" else name


def _evidence(doc: Doc, text: str) -> tuple[Evidence, ...]:
    found = doc._.ehcp_evidence or []
    if not found:
        return ()
    offsets = doc.to_array([IDX, LENGTH]).tolist()
    out = []
    for start, end, family, label in found:
        begin = offsets[start][0]
        stop = offsets[end - 1][0] + offsets[end - 1][1]
        out.append(Evidence(family, label, text[begin:stop], begin, stop))
    return tuple(out)


def score_row(score: StatementScore) -> dict[str, Any]:
    """Flatten a score into one table row (the columns of ``score_frame``)."""
    row: dict[str, Any] = {"type": score.type}
    for label, p in score.probabilities.items():
        row[f"p_{label}"] = p
    row["smart"] = score.smart
    row["smart_probability"] = score.smart_probability
    for name, criterion in score.criteria.items():
        row[name] = criterion.met
    row["quantified"] = score.quantified
    row["quantified_probability"] = score.quantified_probability
    row["area"] = score.area
    row["pfa"] = score.pfa
    row["findings"] = ";".join(f.code for f in score.findings)
    return row


def _batches(texts: Iterator[str], expected: Iterator[str | None] | None, size: int):
    offset = 0
    while True:
        batch = list(islice(texts, size))
        if not batch:
            return
        batch_expected = list(islice(expected, len(batch))) if expected is not None else None
        yield batch, batch_expected, offset
        offset += len(batch)


def _score_in_worker(scorer: Scorer, texts: list[str], expected, explain: bool,
                     offset: int) -> list[StatementScore]:
    return scorer._score_batch(texts, expected, explain, offset)


__all__ = ["EmptyStatementError", "MAX_CHARS", "Scorer", "score_row"]
