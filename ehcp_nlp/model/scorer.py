"""The Scorer: statements in, :class:`~ehcp_nlp.results.StatementScore` out, explained."""

from __future__ import annotations

import dataclasses
import gc
import math
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from itertools import islice
from typing import Any

import numpy as np
import scipy.sparse as sp
from spacy.language import Language

from ehcp_nlp import labels
from ehcp_nlp.errors import EhcpError
from ehcp_nlp.findings import findings_for, provision_parts
from ehcp_nlp.model.heads import PART_HEADS
from ehcp_nlp.model.linear import StackedLinear
from ehcp_nlp.nlp import make_pipeline
from ehcp_nlp.nlp.tokens import Statement, process
from ehcp_nlp.results import Contribution, Criterion, Evidence, StatementScore
from ehcp_nlp.safe import SURROGATE, ZERO_WIDTH

#: Statements longer than this are cut (with a warning) before scoring.
MAX_CHARS = 10_000
#: Part name -> its head (corpus column).
PART_COLUMN = {part: column for column, part in PART_HEADS.items()}
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
    """Score EHCP statements: type, SMART criteria, specified provision and its parts, area, PfA.

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

    @property
    def roles(self) -> dict[str, str | None]:
        """Each type's golden-thread role (``outcome``, ``provision``, ...; ``None``: none).

        A model trained on the schema's types gives each type itself; a model trained with
        types of its own records their roles in its manifest (``type_roles``).
        """
        given = self.info.get("type_roles") or {}
        return {t: labels.type_role(t, given) for t in self.types}

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
            When a statement is empty, only invisible characters, or not text; every result
            before it has been yielded first.
        EhcpError
            When ``batch_size`` or ``n_jobs`` is below 1, or ``expected_types`` does not have
            one item a statement.
        """
        if not isinstance(batch_size, int) or batch_size < 1:
            raise EhcpError(f"batch_size={batch_size!r}: give a whole number of at least 1")
        if not isinstance(n_jobs, int) or n_jobs < 1:
            raise EhcpError(f"n_jobs={n_jobs!r}: give a whole number of at least 1")
        texts = iter(texts)
        expected = iter(expected_types) if expected_types is not None else None
        batches = _batches(texts, expected, batch_size)
        if n_jobs == 1:
            for batch, batch_expected, offset in batches:
                bad = _first_unscorable(batch)
                if bad is None:
                    yield from self._score_batch(batch, batch_expected, explain, offset)
                    continue
                if bad:  # the statements before it are scored and yielded first
                    yield from self._score_batch(
                        batch[:bad], batch_expected[:bad] if batch_expected else None,
                        explain, offset)
                raise EmptyStatementError(_unscorable(batch[bad], offset + bad))
            return
        from joblib import Parallel, delayed

        stopped: list[EmptyStatementError] = []

        def checked():
            for batch, batch_expected, offset in batches:
                bad = _first_unscorable(batch)
                if bad is None:
                    yield batch, batch_expected, offset
                    continue
                if bad:
                    yield (batch[:bad], batch_expected[:bad] if batch_expected else None,
                           offset)
                stopped.append(EmptyStatementError(_unscorable(batch[bad], offset + bad)))
                return

        parallel = Parallel(n_jobs=n_jobs, return_as="generator")
        for results in parallel(delayed(_score_in_worker)(self, b, e, explain, o)
                                for b, e, o in checked()):
            yield from results
        if stopped:
            raise stopped[0]

    def score_frame(self, frame, text_column: str = "text", batch_size: int = 1000):
        """Return ``frame`` with score columns added; a row that cannot be scored gets ``error``.

        Columns added: ``type``, ``p_<type>`` for every type, ``smart``,
        ``smart_probability``, each SMART criterion and ``<criterion>_probability``,
        ``specified``, ``specified_probability``, ``provision_kind``, ``quantified``,
        ``quantified_probability``, ``provision_what`` / ``_who`` / ``_how_often`` /
        ``_how_long`` / ``_group`` / ``_when_where``, ``area``, ``area_probability``, ``pfa``,
        ``pfa_probability``, ``subject`` (``child``, ``first_person``, ``service`` or empty),
        ``findings`` (codes, ``;``-separated) and ``error``.
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
        with _collection_paused():
            return self._score_batch_unpaused(texts, expected, explain, offset)

    def _score_batch_unpaused(self, texts: list[str], expected: list[str | None] | None,
                              explain: bool, offset: int) -> list[StatementScore]:
        prepared, notes = [], []
        for i, text in enumerate(texts):
            if not _scorable(text):
                raise EmptyStatementError(_unscorable(text, offset + i))
            note: tuple[str, ...] = ()
            if SURROGATE.search(text):  # unpaired halves of UTF-16 pairs cannot be encoded
                text = SURROGATE.sub("\ufffd", text)
                note += ("unpaired surrogate characters replaced with U+FFFD",)
            if len(text) > MAX_CHARS:
                note += (f"statement of {len(text):,} characters cut to {MAX_CHARS:,}",)
                text = text[:MAX_CHARS]
            prepared.append(text)
            notes.append(note)
        docs = process(self.nlp, prepared)
        # transform_raw: the same rows, with repeated terms left unmerged (see lexical.py)
        blocks = [getattr(transformer, "transform_raw", transformer.transform)(docs)
                  for _, transformer in self.featurizer.transformer_list]
        if explain:
            contributions = self.linear.contributions(blocks)
            logits = contributions.sum(axis=1) + self.linear.intercept
        else:
            contributions, logits = None, self.linear.logits(blocks)
        n = len(docs)
        linear = self.linear
        heads = list(linear.heads.values())
        # the output each head reports and explains: the chosen label, or "yes"
        chosen = np.empty((n, len(heads)), dtype=np.int64)
        probability: dict[str, np.ndarray] = {}
        for k, head in enumerate(heads):
            p = probability[head.name] = linear.probabilities(logits, head.name)
            chosen[:, k] = head.start if head.binary else head.start + p.argmax(axis=1)
        picked_logits = np.take_along_axis(logits, chosen, axis=1)
        column = {head.name: k for k, head in enumerate(heads)}
        # per-statement values, as Python lists, computed for the whole batch
        labels_of = {h.name: np.asarray(h.classes, dtype=object)[chosen[:, column[h.name]]
                                                                  - h.start].tolist()
                     for h in heads if not h.binary}
        chosen_p = {h.name: np.take_along_axis(
                        probability[h.name], chosen[:, [column[h.name]]] - h.start, axis=1
                    )[:, 0].tolist() for h in heads if not h.binary}
        yes = {h.name: probability[h.name].tolist() for h in heads if h.binary}
        criteria_names = [c for c in labels.CRITERIA if c in yes]
        weakest = smart_p = None
        if len(criteria_names) == len(labels.CRITERIA):
            # the weakest criterion by probability (each head has its own temperature, so
            # the smallest logit need not be the least probable criterion)
            criteria_p = np.column_stack([probability[c] for c in criteria_names])
            weakest_k = criteria_p.argmin(axis=1)
            weakest = [criteria_names[k] for k in weakest_k.tolist()]
            smart_p = np.take_along_axis(criteria_p, weakest_k[:, None], axis=1)[:, 0].tolist()
        type_p = probability["type"].tolist()
        explained = None
        if explain:
            picked = np.take_along_axis(contributions, chosen[:, None, :], axis=2)
            picked = picked.transpose(0, 2, 1).tolist()  # n x heads x components
            matrix = sp.hstack(blocks).tocsr()
            matrix.sum_duplicates()
            logit_list = picked_logits.tolist()
            chosen_list = chosen.tolist()
            explained = [self._explained(heads, chosen_list[i], logit_list[i], picked[i],
                                         matrix[i], weakest[i] if weakest else None)
                         for i in range(n)]
        nan = math.nan
        area, area_p = labels_of.get("area"), chosen_p.get("area")
        pfa, pfa_p = labels_of.get("pfa"), chosen_p.get("pfa")
        kind_of, kind_p = labels_of.get("provision_kind"), chosen_p.get("provision_kind")
        quantified_p = yes.get("quantified")
        specified_p = yes.get("specified")
        part_heads = [(c, PART_HEADS[c]) for c in labels.PART_COLUMNS if c in yes]
        roles = self.roles
        below = self.info.get("uncertain_below") or {}
        area_below, pfa_below = below.get("area", 0.0), below.get("pfa", 0.0)
        out = []
        for i in range(n):
            text = prepared[i]
            kind = labels_of["type"][i]
            role = roles[kind]
            evidence, said = _evidence(docs[i])
            criteria = {}
            for name in criteria_names:
                p = yes[name][i]
                families = CRITERION_EVIDENCE[name]
                found = said.get(families[0], ()) if len(families) == 1 else [
                    t for family in families for t in said.get(family, ())]
                criteria[name] = Criterion(name, p >= 0.5, p, tuple(found))
            smart_probability = smart_p[i] if smart_p is not None else nan
            q = quantified_p[i] if quantified_p is not None else nan
            smart = smart_probability >= 0.5 if role == "outcome" and smart_p else None
            provision_kind = kind_of[i] if kind_of else ""
            if specified_p is not None:
                part_p = {part: yes[column][i] for column, part in part_heads}
                parts = {part: p >= 0.5 for part, p in part_p.items()}
                spec_probability, limiting = specified_probability(
                    specified_p[i], provision_kind, part_p)
            else:  # a model trained on v1 labels: the rules' parts; quantified the verdict
                parts = provision_parts(evidence, text)
                part_p = {part: float(present) for part, present in parts.items()}
                spec_probability, limiting = q, "quantified"
            specified = (spec_probability >= 0.5 if role == "provision"
                         and not math.isnan(spec_probability) else None)
            quantified = q >= 0.5 if role == "provision" and quantified_p else None
            if explained:
                _add_specified(explained[i], limiting, spec_probability)
                for name, shown in (("area", _hedged(area, area_p, i, area_below)),
                                    ("pfa", _hedged(pfa, pfa_p, i, pfa_below))):
                    if shown == labels.UNCERTAIN and name in explained[i]:
                        leaning = explained[i][name]
                        explained[i][name] = dataclasses.replace(
                            leaning, label=f"{labels.UNCERTAIN} (leaning {leaning.label})")
            out.append(StatementScore(
                text=text, type=kind, role=role or "",
                probabilities=dict(zip(heads[0].classes, type_p[i], strict=True)),
                smart=smart, smart_probability=smart_probability, criteria=criteria,
                specified=specified, specified_probability=spec_probability,
                provision_kind=provision_kind,
                provision_kind_probability=kind_p[i] if kind_p else nan,
                quantified=quantified, quantified_probability=q, provision_parts=parts,
                part_probabilities=part_p,
                area=_hedged(area, area_p, i, area_below),
                area_probability=area_p[i] if area else nan,
                pfa=_hedged(pfa, pfa_p, i, pfa_below),
                pfa_probability=pfa_p[i] if pfa else nan,
                area_guess=area[i] if area else "", pfa_guess=pfa[i] if pfa else "",
                evidence=evidence, contributions=explained[i] if explained else {},
                findings=findings_for(role, criteria, smart, specified, parts, evidence,
                                      expected[i] if expected is not None else None,
                                      provision_kind=provision_kind, text=text),
                warnings=notes[i],
            ))
        return out

    def _explained(self, heads, chosen: list[int], logits: list[float],
                   contributions: list[list[float]], row, weakest: str | None
                   ) -> dict[str, Contribution]:
        """Every head's logit split into components, with each component's top features."""
        components = self.linear.component_names
        intercept = self.linear.intercept
        explained: dict[str, Contribution] = {}
        for k, head in enumerate(heads):
            column = chosen[k]
            # a yes/no head explains the log-odds of "yes": its verdict is the logit's sign
            label = (("yes" if logits[k] >= 0 else "no") if head.binary
                     else head.classes[column - head.start])
            explained[head.name] = Contribution(
                head.name, label, logits[k],
                float(intercept[column]), dict(zip(components, contributions[k], strict=True)),
                self._top_features(row, column),
            )
        if weakest is not None:
            limiting = explained[weakest]
            explained["smart"] = Contribution("smart", f"{limiting.label} (weakest: {weakest})",
                                              limiting.logit, limiting.bias,
                                              limiting.components, limiting.top_features)
        return explained

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


@contextmanager
def _collection_paused():
    """Pause Python's cyclic garbage collector while a batch is scored.

    A batch allocates a few hundred thousand small objects, none of them in reference cycles
    (reference counting frees them all); each allocation burst triggers collections that
    walk every object alive, the model's vocabularies included. Pausing them saves about a
    fifth of the scoring time. The collector's previous state is restored on exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _hedged(labels_: list | None, probability: list | None, i: int, below: float) -> str:
    """The head's label, or ``"uncertain"`` when its confidence is under the calibrated bar."""
    if not labels_:
        return ""
    return labels.UNCERTAIN if probability[i] < below else labels_[i]


def specified_probability(p_head: float, kind: str,
                          part_p: dict[str, float]) -> tuple[float, str]:
    """The provision verdict's probability, and the score that limits it.

    Provision is specified when the learned verdict says so *and* every part its kind needs
    (:func:`ehcp_nlp.labels.parts_needed`) is stated, so the verdict can never contradict the
    parts shown beside it: its probability is the smallest of the verdict head's and the
    needed parts' (for a choice such as staffing's hours or ratio, the larger of the two).

    Returns
    -------
    tuple
        The probability and the name of the limiting score (``specified`` or a part column).
    """
    needs, groups = labels.parts_needed(kind)
    candidates = [(p_head, "specified")]
    for part in needs:
        if part in part_p:
            candidates.append((part_p[part], PART_COLUMN[part]))
    for group in groups:
        either = [(part_p[p], PART_COLUMN[p]) for p in group if p in part_p]
        if either:
            candidates.append(max(either))
    return min(candidates)


def _add_specified(explained: dict[str, Contribution], limiting: str, p: float) -> None:
    """Explain the specified verdict by the score that limits it (like SMART's weakest)."""
    source = explained.get(limiting)
    if source is None:
        return
    label = "yes" if p >= 0.5 else "no"
    if limiting != "specified":
        label += f" (limited by: {limiting})"
    explained["specified"] = Contribution("specified", label, source.logit, source.bias,
                                          source.components, source.top_features)


def _display(feature: str) -> str:
    transformer, _, name = feature.partition("__")
    return repr(name) if transformer == "chars" else name


def _evidence(statement: Statement) -> tuple[tuple[Evidence, ...], dict[str, list[str]]]:
    """The statement's evidence as results, and the evidence texts by family."""
    text, starts, ends = statement.text, statement.starts, statement.ends
    out = []
    said: dict[str, list[str]] = {}
    for start, end, family, label in statement.evidence:
        begin, stop = starts[start], ends[end - 1]
        words = text[begin:stop]
        out.append(Evidence(family, label, words, begin, stop))
        found = said.get(family)
        if found is None:
            said[family] = [words]
        else:
            found.append(words)
    return tuple(out), said


def score_row(score: StatementScore) -> dict[str, Any]:
    """Flatten a score into one table row (the columns of ``score_frame``)."""
    row: dict[str, Any] = {"type": score.type, "role": score.role}
    for label, p in score.probabilities.items():
        row[f"p_{label}"] = p
    row["smart"] = score.smart
    row["smart_probability"] = score.smart_probability
    for name, criterion in score.criteria.items():
        row[name] = criterion.met
        row[f"{name}_probability"] = criterion.probability
    row["specified"] = score.specified
    row["specified_probability"] = score.specified_probability
    row["provision_kind"] = score.provision_kind
    row["quantified"] = score.quantified
    row["quantified_probability"] = score.quantified_probability
    for part, present in score.provision_parts.items():
        if part != "quantified":
            row[f"provision_{part}"] = present
    row["area"] = score.area
    row["area_guess"] = score.area_guess
    row["area_probability"] = score.area_probability
    row["pfa"] = score.pfa
    row["pfa_guess"] = score.pfa_guess
    row["pfa_probability"] = score.pfa_probability
    row["subject"] = subject_of(score)
    row["findings"] = ";".join(f.code for f in score.findings)
    return row


def subject_of(score: StatementScore) -> str:
    """Who the statement is about: ``child``, ``first_person``, ``service`` or ``""``.

    Read from the first perspective evidence, when it starts within the first 40 characters.
    """
    for evidence in score.evidence:
        if evidence.component == "perspective":
            return evidence.label if evidence.start <= 40 else ""
    return ""


#: Characters that show nothing: a statement of only these (and spaces) is empty.
_INVISIBLE = re.compile(rf"[\s{ZERO_WIDTH}\u180e]+")


def _scorable(text) -> bool:
    return isinstance(text, str) and bool(_INVISIBLE.sub("", text))


def _first_unscorable(texts: list) -> int | None:
    return next((i for i, text in enumerate(texts) if not _scorable(text)), None)


def _unscorable(text, index: int) -> str:
    """Why the statement at ``index`` (from 0) cannot be scored, in one line."""
    if not isinstance(text, str):
        return (f"statement {index + 1} is not text (it is {type(text).__name__}); give each "
                "statement as a str")
    if text.strip():
        return (f"statement {index + 1} holds only invisible characters (zero-width spaces "
                "and the like); give each statement some text")
    return f"statement {index + 1} is empty; give each statement some text"


def _batches(texts: Iterator[str], expected: Iterator[str | None] | None, size: int):
    offset = 0
    while True:
        batch = list(islice(texts, size))
        if not batch:
            if expected is not None and next(expected, _END) is not _END:
                raise EhcpError(f"expected_types has more items than the {offset} statements; "
                                "give one a statement")
            return
        batch_expected = list(islice(expected, len(batch))) if expected is not None else None
        if batch_expected is not None and len(batch_expected) < len(batch):
            raise EhcpError(f"expected_types has {offset + len(batch_expected)} items for more "
                            "statements; give one a statement (None where a place calls for "
                            "no type)")
        yield batch, batch_expected, offset
        offset += len(batch)


_END = object()


def _score_in_worker(scorer: Scorer, texts: list[str], expected, explain: bool,
                     offset: int) -> list[StatementScore]:
    return scorer._score_batch(texts, expected, explain, offset)


__all__ = ["EmptyStatementError", "MAX_CHARS", "Scorer", "score_row", "subject_of"]
