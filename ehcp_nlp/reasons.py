"""Explanations in words: for each verdict that applies, what in the statement pushed it.

A :class:`~ehcp_nlp.results.Contribution` splits a score into numbers (log-odds by component).
A caseworker needs the same thing in words: for each verdict shown, the evidence that pushed
it each way ("time frame 'By the end of Year 6' → time-bound"; "hedge 'where appropriate' →
not specified"). :func:`reasons` reads the contributions and the evidence spans and returns
one :class:`Reason` per verdict, with the spans to highlight; the numbers stay in the JSON.

Which way a component pushed is read from its contribution: for a yes/no score, positive
log-odds push towards yes; for a choice (type, kind, area, PfA), towards the label shown. A
component is named when it moved the score by at least ``SHOWN_FROM`` log-odds; rule
components name the words they matched, the word component its strongest words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ehcp_nlp import labels
from ehcp_nlp.results import Contribution, Evidence, StatementScore

#: A component is named when it moved its score by at least this (log-odds).
SHOWN_FROM = 0.3
#: How many of the strongest words of the word component are named, at most.
WORDS_SHOWN = 3

#: Each component in words.
COMPONENT_WORDS = {
    "time_frame": "time frame", "measure": "measure", "provision": "amount of provision",
    "vague": "vague wording", "hedge": "hedge", "absolute": "absolute target",
    "perspective": "who it is about", "modality": "modal verb", "markers": "type marker",
    "form": "form", "words": "words", "chars": "spelling of its words",
}
#: What a yes or a no means for each yes/no score.
MEANING = {
    "specific": ("specific", "not specific"), "measurable": ("measurable", "nothing to measure"),
    "achievable": ("achievable", "not achievable as written"),
    "realistic": ("person-centred", "not person-centred"),
    "time_bound": ("time-bound", "no time frame"),
    "specified": ("specified", "not specified"),
    "part_what": ("says what", "does not say what"),
    "part_who": ("says who", "does not say who"),
    "part_how_often": ("says how often", "does not say how often"),
    "part_how_long": ("says how long", "does not say how long"),
    "part_group": ("gives a group size or ratio", "gives no group size or ratio"),
    "part_when_where": ("says when or where", "does not say when or where"),
    "quantified": ("gives an amount", "gives no amount"),
}
_READABLE = re.compile(r"^[a-z][a-z' -]*[a-z]$")
#: Areas of need in words.
AREA_WORDS = {"cognition_learning": "cognition and learning",
              "communication_interaction": "communication and interaction",
              "semh": "social, emotional and mental health",
              "sensory_physical": "sensory and physical", "health": "health",
              "social_care": "social care"}


@dataclass(slots=True)
class Push:
    """One thing that pushed a verdict: a component in words, and the words it matched."""

    what: str
    words: tuple[str, ...] = ()

    def __str__(self) -> str:
        quoted = ", ".join(f"'{w}'" for w in self.words)
        return f"{self.what} {quoted}" if quoted else self.what

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        return {"what": self.what, "words": list(self.words)}


@dataclass(slots=True)
class Reason:
    """Why one verdict came out as it did, in words.

    Attributes
    ----------
    score
        The score (``type``, ``time_bound``, ``specified``, ``area``...).
    verdict
        The verdict in words ("outcome", "no time frame", "not specified", "uncertain").
    towards, against
        What pushed towards the verdict and against it, strongest first.
    spans
        The evidence spans behind ``towards`` and ``against``, to highlight.
    """

    score: str
    verdict: str
    towards: list[Push] = field(default_factory=list)
    against: list[Push] = field(default_factory=list)
    spans: list[Evidence] = field(default_factory=list)

    def __str__(self) -> str:
        out = f"{self.verdict}"
        if self.towards:
            out += ": " + "; ".join(str(p) for p in self.towards)
        if self.against:
            out += " (against: " + "; ".join(str(p) for p in self.against) + ")"
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dictionary."""
        return {"score": self.score, "verdict": self.verdict,
                "towards": [p.to_dict() for p in self.towards],
                "against": [p.to_dict() for p in self.against]}


def applicable_scores(result: StatementScore) -> list[str]:
    """The scores shown for a statement.

    Its type; SMART's criteria for an outcome; for provision the specified verdict, its kind
    and the parts its kind needs; area and PfA.
    """
    names = ["type"]
    if result.role == "outcome":
        names += list(result.criteria)
    elif result.role == "provision":
        names += ["specified", "provision_kind"]
        needs, groups = labels.parts_needed(result.provision_kind)
        parts = [*needs, *(p for group in groups for p in group)]
        names += ["quantified" if p == "quantified" else f"part_{p}"
                  for p in dict.fromkeys(parts)]
    names += ["area", "pfa"]
    return [n for n in names if n in result.contributions]


def reasons(result: StatementScore) -> list[Reason]:
    """One :class:`Reason` for each score that applies to the statement.

    See :func:`applicable_scores`; empty when the statement was scored without explanations.
    """
    out = []
    by_component: dict[str, list[Evidence]] = {}
    for e in result.evidence:
        by_component.setdefault(e.component, []).append(e)
    for name in applicable_scores(result):
        contribution = result.contributions[name]
        out.append(_reason(name, contribution, result, by_component))
    return out


def _reason(name: str, c: Contribution, result: StatementScore,
            by_component: dict[str, list[Evidence]]) -> Reason:
    binary = name in MEANING
    if binary:
        said_yes = c.label.split(" ")[0] == "yes"
        sign = 1.0 if said_yes else -1.0
        verdict = MEANING[name][0 if said_yes else 1]
    else:
        sign, verdict = 1.0, _choice(name, c.label, result)
    limited = re.search(r"limited by: (\w+)", c.label)
    if limited:
        verdict += f" (limited by: {limited.group(1).removeprefix('part_').replace('_', ' ')})"
    reason = Reason(name, verdict)
    ranked = sorted(c.components.items(), key=lambda item: -abs(item[1]))
    for component, value in ranked:
        if abs(value) < SHOWN_FROM or component == "form":
            continue
        aligned = value * sign
        if component == "chars":
            if not (reason.towards if aligned > 0 else reason.against):
                (reason.towards if aligned > 0 else reason.against).append(
                    Push("its wording as a whole"))
            continue
        push = _push(component, aligned, c, by_component)
        if push is None:
            continue
        if component != "words":  # words two rule families matched are named once
            shown = {w for p in (*reason.towards, *reason.against) for w in p.words}
            if push.words and set(push.words) <= shown:
                continue
        (reason.towards if aligned > 0 else reason.against).append(push)
        reason.spans += by_component.get(component, [])
    return reason


def _choice(name: str, label: str, result: StatementScore) -> str:
    if name == "type":
        return label
    if name == "provision_kind":
        return f"kind: {label}"
    head = "area" if name == "area" else "PfA"
    if label.startswith(labels.UNCERTAIN):
        leaning = label[len(labels.UNCERTAIN):].strip(" ()").removeprefix("leaning ")
        leaning = AREA_WORDS.get(leaning, leaning.replace("_", " "))
        return f"{head} uncertain (leaning {leaning})"
    return f"{head}: {AREA_WORDS.get(label, label.replace('_', ' '))}"


def _push(component: str, aligned: float, c: Contribution,
          by_component: dict[str, list[Evidence]]) -> Push | None:
    """The component in words, with the words it matched (rules) or weighed most (words)."""
    what = COMPONENT_WORDS.get(component, component.replace("_", " "))
    if component == "words":
        words = [f for f, v in (c.top_features or {}).get("words", [])
                 if (v > 0) == (aligned > 0) and _READABLE.match(f)][:WORDS_SHOWN]
        return Push(what, tuple(words)) if words else None
    spans = by_component.get(component, [])
    return Push(what, tuple(dict.fromkeys(e.text for e in spans)))
