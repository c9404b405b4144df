"""Result types: small slotted dataclasses that serialise to JSON with ``to_dict()``.

The JSON that ``ehcp score --json`` prints is exactly ``StatementScore.to_dict()``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Evidence:
    """A span of the statement that a rule marked.

    Attributes
    ----------
    component
        The evidence family (``time_frame``, ``measure``, ``provision``, ``vague``...).
    label
        What kind of evidence it is within the family (``date``, ``percent``, ``provider``...).
    text
        The words of the span.
    start, end
        Character offsets of the span in the statement.
    """

    component: str
    label: str
    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        return {"component": self.component, "label": self.label, "text": self.text,
                "start": self.start, "end": self.end}


@dataclass(slots=True)
class Contribution:
    """Why one score came out as it did: its logit split into named components.

    ``bias + sum(components.values()) == logit`` (to floating-point rounding), where ``logit``
    is the calibrated log-odds the probability is computed from: for a yes/no score the
    log-odds of yes (whatever the verdict: negative contributions push towards no), for a
    choice among labels the logit of the chosen label.

    Attributes
    ----------
    score
        What is explained: ``type``, ``specific``..., ``quantified``, ``area``, ``pfa``, and
        ``smart``, whose logit is that of its weakest criterion (named in ``label``).
    label
        The verdict shown for the score (``yes`` or ``no`` for a yes/no score, the chosen
        label for a choice; ``uncertain (leaning semh)`` where area or PfA is hedged).
    logit
        The calibrated logit.
    bias
        The model's intercept, in the same units.
    components
        Component name -> contribution in log-odds (``time_frame``, ``vague``, ``words``...).
    top_features
        Component -> the features that contributed most, as ``(feature, log-odds)``; present
        when explanations were asked for.
    """

    score: str
    label: str
    logit: float
    bias: float
    components: dict[str, float]
    top_features: dict[str, list[tuple[str, float]]] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        out: dict[str, Any] = {"label": self.label, "logit": self.logit, "bias": self.bias,
                               "components": self.components}
        if self.top_features is not None:
            out["top_features"] = {k: [[name, value] for name, value in v]
                                   for k, v in self.top_features.items()}
        return out


@dataclass(slots=True)
class Criterion:
    """One SMART criterion of a statement read as an outcome.

    Attributes
    ----------
    name
        ``specific``, ``measurable``, ``achievable``, ``realistic`` or ``time_bound``.
    met
        The model's verdict.
    probability
        Calibrated probability that the criterion is met.
    evidence
        The words that bear on it (time frames for time_bound, measures for measurable...).
    """

    name: str
    met: bool
    probability: float
    evidence: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        return {"met": self.met, "probability": self.probability,
                "evidence": list(self.evidence)}


@dataclass(slots=True)
class Finding:
    """Something a reviewer should act on, with a concrete suggestion.

    Attributes
    ----------
    code
        Stable identifier: ``outcome_not_smart``, ``provision_not_specified``,
        ``reads_as_provision``, ``reads_as_need``, ``reads_as_aspiration``,
        ``service_perspective``, ``absolute_target``. (``provision_not_specified`` replaced
        ``provision_not_quantified`` in corpus v2.)
    message
        What is wrong, in one sentence.
    suggestion
        What to add or change.
    rewrite
        For a weak outcome: the statement rewritten in the four parts practice uses
        (activity, condition or support, measure, time frame), its own words kept and what it
        lacks left as ``[slots]``; ``""`` otherwise.
    """

    code: str
    message: str
    suggestion: str
    rewrite: str = ""

    def to_dict(self) -> dict[str, str]:
        """Return a JSON-ready dictionary."""
        out = {"code": self.code, "message": self.message, "suggestion": self.suggestion}
        if self.rewrite:
            out["rewrite"] = self.rewrite
        return out


@dataclass(slots=True)
class StatementScore:
    """Everything the scorer says about one statement.

    Attributes
    ----------
    text
        The statement as scored (after any cut; see ``warnings``).
    type
        The most probable type.
    role
        The type's golden-thread role: ``aspiration``, ``need``, ``outcome`` or
        ``provision``, or ``""`` for a type of a retrained model with none. The same as
        ``type`` for the bundled model; for a model trained with types of its own (say
        ``health_provision``) it says how the statement is checked.
    probabilities
        Calibrated probability of every type the model knows.
    smart
        Whether it is a SMART outcome; ``None`` unless ``role`` is ``outcome``.
    smart_probability
        Probability of its weakest SMART criterion, computed as if it were an outcome: an
        outcome is SMART when every criterion is met, that is when the weakest one is.
    criteria
        The five SMART criteria, computed as if it were an outcome.
    specified
        Whether it is specified provision (data/ANNOTATION.md: a reader knows exactly what
        the child gets, judged by the parts its kind needs); ``None`` unless ``role`` is
        ``provision``. Never ``True`` while a part its kind needs is missing.
    specified_probability
        Probability it is specified, computed as if it were provision: the smallest of the
        verdict's and the needed parts' probabilities.
    provision_kind, provision_kind_probability
        The kind of provision (therapy, teaching, staffing, equipment, arrangement, training,
        care) and its probability; ``""`` for a model without the kind head.
    quantified
        Whether an amount per period is given (one part of provision); ``None`` unless
        ``role`` is ``provision``.
    quantified_probability
        Probability it is quantified, computed as if it were provision.
    provision_parts
        Which parts the statement states: what, who, how often, how long, group, when/where,
        quantified (learned; for a model trained on v1 labels, what the rules found).
    part_probabilities
        The probability of each part.
    area, area_probability
        The area of need, or ``"uncertain"`` when the most probable area's probability is
        below the confidence at which the model's area verdicts were right 85% of the time
        in cross-validation (``uncertain_below`` in the manifest); and that probability.
    pfa, pfa_probability
        The preparing-for-adulthood domain (or ``none``), or ``"uncertain"`` likewise.
    area_guess, pfa_guess
        The most probable area and domain, whether or not confident.
    evidence
        Every span a rule marked.
    contributions
        Score name -> its :class:`Contribution`; empty unless explanations were asked for
        (``explain=True``, the default of ``Scorer.score`` and of ``ehcp score``).
    findings
        What a reviewer should act on.
    warnings
        Problems with the input that were handled (a cut, a decoding fallback).
    """

    text: str
    type: str
    role: str
    probabilities: dict[str, float]
    smart: bool | None
    smart_probability: float
    criteria: dict[str, Criterion]
    specified: bool | None
    specified_probability: float
    provision_kind: str
    provision_kind_probability: float
    quantified: bool | None
    quantified_probability: float
    provision_parts: dict[str, bool]
    part_probabilities: dict[str, float]
    area: str
    area_probability: float
    pfa: str
    pfa_probability: float
    evidence: tuple[Evidence, ...]
    contributions: dict[str, Contribution]
    findings: tuple[Finding, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    area_guess: str = ""
    pfa_guess: str = ""

    @property
    def suggestions(self) -> list[str]:
        """The suggestion of every finding, in order."""
        return [f.suggestion for f in self.findings]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary (what ``ehcp score --json`` prints)."""
        return {
            "text": self.text,
            "type": self.type,
            "role": self.role,
            "probabilities": self.probabilities,
            "smart": self.smart,
            "smart_probability": self.smart_probability,
            "criteria": {k: c.to_dict() for k, c in self.criteria.items()},
            "specified": self.specified,
            "specified_probability": self.specified_probability,
            "provision_kind": self.provision_kind,
            "provision_kind_probability": self.provision_kind_probability,
            "quantified": self.quantified,
            "quantified_probability": self.quantified_probability,
            "provision_parts": self.provision_parts,
            "part_probabilities": self.part_probabilities,
            "area": self.area,
            "area_guess": self.area_guess,
            "area_probability": self.area_probability,
            "pfa": self.pfa,
            "pfa_guess": self.pfa_guess,
            "pfa_probability": self.pfa_probability,
            "evidence": [e.to_dict() for e in self.evidence],
            "contributions": {k: c.to_dict() for k, c in self.contributions.items()},
            "findings": [f.to_dict() for f in self.findings],
            "suggestions": self.suggestions,
            "warnings": list(self.warnings),
        }
