"""Findings a reviewer acts on, each with a concrete suggestion, from scores and evidence."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ehcp_nlp import labels
from ehcp_nlp.results import Criterion, Evidence, Finding

#: What to add when a SMART criterion is not met.
#: The examples are the same for every stage and setting: they name no school year, place
#: or activity a statement might not share.
CRITERION_FIXES = {
    "specific": "name the skill or behaviour someone could see, and where it happens",
    "measurable": "say how success will be seen or counted (e.g. '4 times out of 5', 'for 10 "
                  "minutes', 'without a prompt')",
    "achievable": "replace the absolute target with a level that can be reached (e.g. 'on 4 "
                  "of 5 days' rather than 'always')",
    "realistic": "write it from the person's side, as something they will do, not what staff "
                 "or a service will do, see or ensure",
    "time_bound": "say by when (e.g. a term and year, or the next annual review)",
}
CRITERION_WORDS = {
    "specific": "not specific",
    "measurable": "nothing to measure",
    "achievable": "not achievable as written",
    "realistic": "not person-centred or not in the child's control",
    "time_bound": "no time frame",
}
PART_FIXES = {
    "what": "what the support is (the intervention, programme or item, by name)",
    "who": "who delivers it (the role, and their training where it matters)",
    "how_often": "how often (e.g. 'three times a week', 'daily', 'termly')",
    "how_long": "for how long (e.g. '30-minute sessions', '2 hours a week')",
    "group": "the group size or staffing ratio (e.g. '1:1', 'a group of up to four')",
    "when_where": "when or where it is used or applies (e.g. 'in all written tests', 'at "
                  "break and lunch')",
    "quantified": "the amount per period (e.g. '25 hours a week')",
}
#: What "who" and "when or where" mean for each kind of provision, where it differs.
KIND_PART_FIXES = {
    ("equipment", "who"): "who provides it, sets it up and keeps it working",
    ("arrangement", "who"): "who makes the arrangement and makes sure it happens",
    ("staffing", "who"): "the role of the staff (and their training where it matters)",
    ("training", "who"): "who trains whom (the trainer's role, and the staff trained)",
    ("care", "who"): "who gives the care (the role, and their training)",
    ("therapy", "who"): "which therapist delivers it, or who delivers it under their direction",
    ("equipment", "when_where"): "when and where it is used",
    ("arrangement", "when_where"): "when or where it applies",
    ("staffing", "when_where"): "when the staff are with the child (e.g. 'all lessons and "
                                "transitions')",
    ("training", "when_where"): "when the training happens",
}
TYPE_READINGS = {
    "provision": ("reads_as_provision", "it describes support the child will receive, which "
                  "is provision (Section F, G or H), not an outcome",
                  "Move it to provision and write the outcome it works towards: what the "
                  "child will be able to do, by when."),
    "need": ("reads_as_need", "it describes a difficulty or current need, not the difference "
             "the plan will make",
             "Keep it in Section B, C or D and add an outcome: what the child will achieve, "
             "measured how, by when."),
    "aspiration": ("reads_as_aspiration", "it states a wish or hope, which belongs in "
                   "Section A",
                   "Keep the wish in Section A and write an outcome that is a step towards "
                   "it, with a measure and a time frame."),
    "outcome": ("reads_as_outcome", "it states a result for the child, which belongs in "
                "Section E", "Move it to the outcomes and add the provision that will "
                "achieve it."),
}


def provision_parts(evidence: tuple[Evidence, ...], text: str) -> dict[str, bool]:
    """Which of what / who / how often / how long the rules found in a provision statement."""
    provided: set[str] = set()
    hedges: set[str] = set()
    for e in evidence:
        if e.component == "provision":
            provided.add(e.label)
        elif e.component == "vague":
            hedges.add(e.text.lower())
    if hedges:  # is there content beyond the vague words?
        content_words = [w for w in text.split() if len(w) > 3]
        what = len(content_words) >= 3 and not hedges >= {w.lower() for w in content_words}
    else:
        what = _has_content(text)
    return {
        "what": what,
        "who": "provider" in provided,
        "how_often": "frequency" in provided,
        "how_long": "duration" in provided,
    }


_CONTENT_WORD = re.compile(r"[^\s]{4,}")
_MODAL = re.compile(r"^\s*(?:will|shall|should|can|is going to|would)\s+", re.IGNORECASE)
_LABEL = re.compile(r"^\s*(?:[A-K]\d{1,2}[:.)]|outcome\s*\d*\s*:|target\s*:)\s*", re.IGNORECASE)
_SUBJECT = re.compile(r"^\s*((?:[A-Z][a-z'’-]+|I|He|She|They|[A-Z]{1,3}|xxx|\[[^\]]+\])"
                      r"(?:\s+[A-Z][a-z'’-]+)?)\s+(?=will\b|shall\b|should\b|can\b)")
_ENDS = re.compile(r"[\s.;,!]+$")
_YEAR_SAID = re.compile(r"\b(?:Year|Yr) ?\d{1,2}\b|\bReception\b|\bKey Stage \d\b")


def suggest_rewrite(text: str, criteria: Mapping[str, Criterion],
                    evidence: tuple[Evidence, ...]) -> str:
    """A weak outcome rewritten in the four parts practice uses, with the gaps as [slots].

    The parts are the activity (what the child will do), its condition or support, the
    measure and the time frame. What the statement says is kept in its own words; what it
    lacks is left as a marked slot, so nothing is invented: "By [when], Jay will use his
    words to ask an adult for help [how often, or how well: e.g. 4 times out of 5]." A
    statement written from a service's side gets slots for the child and the activity.
    """
    spans = {e.component: e for e in reversed(evidence)}  # the first of each family
    time = spans.get("time_frame")
    body = text
    if time is not None:
        body = (text[:time.start] + text[time.end:]).strip(" ,;")
    body = _LABEL.sub("", _ENDS.sub("", body.strip()))
    perspective = [e for e in evidence if e.component == "perspective"]
    service = any(e.label == "service" for e in perspective[:1])
    subject = _SUBJECT.match(body) if not service else None
    if subject:
        name = subject.group(1)
        activity = _MODAL.sub("", body[subject.end():], count=1)
    else:
        name, activity = "[the child]", "" if service else body
    activity = re.sub(r"^(?:to|be able to)\s+", "", activity, flags=re.IGNORECASE)
    specific = criteria.get("specific")
    if service or not activity:
        activity = "[what they will do that someone could see]"
    elif specific is not None and not specific.met:
        activity = f"[an action someone could see, that shows: {activity}]"
    year = _YEAR_SAID.search(text)  # the statement's own stage makes the slot's example
    when = f"By [when: e.g. the end of {year.group(0)}]," if year else "By [when],"
    parts = [f"{time.text[:1].upper()}{time.text[1:]}," if time is not None and
             criteria.get("time_bound", Criterion("", True, 1.0)).met else when,
             name, "will", activity]
    if specific is not None and not specific.met:
        parts.append("[where, or with what support]")
    measurable = criteria.get("measurable")
    if measurable is not None and not measurable.met:
        parts.append("[how often, or how well: e.g. 4 times out of 5]")
    return " ".join(parts) + "."


def _has_content(text: str) -> bool:
    """At least three words of four or more characters."""
    found = _CONTENT_WORD.finditer(text)
    return next(found, None) is not None and next(found, None) is not None and \
        next(found, None) is not None


def findings_for(
    kind: str,
    criteria: Mapping[str, Criterion],
    smart: bool | None,
    specified: bool | None,
    parts: Mapping[str, bool],
    evidence: tuple[Evidence, ...],
    expected_type: str | None = None,
    provision_kind: str = "",
    text: str = "",
) -> tuple[Finding, ...]:
    """Return the findings for one scored statement.

    Parameters
    ----------
    kind
        The predicted type's role (see :attr:`StatementScore.role`; ``""`` for none).
    criteria, smart, specified, parts, evidence
        The statement's scores and evidence.
    expected_type
        The type the statement's place in a plan calls for (Section E: ``outcome``); when it
        differs from ``kind`` the statement is reported as misplaced.
    provision_kind
        The kind of provision, which decides the parts it needs.
    text
        The statement, from which a weak outcome's suggested rewrite is built.
    """
    found: list[Finding] = []
    by_component: dict[str, list[Evidence]] = {}
    for e in evidence:
        by_component.setdefault(e.component, []).append(e)
    subjects = {e.label for e in by_component.get("perspective", [])}
    if expected_type is not None and kind != expected_type:
        code, message, suggestion = TYPE_READINGS.get(kind) or (
            "reads_as_other", "it reads as none of aspiration, need, outcome or provision",
            "Check whether it belongs in the plan, and where.")
        found.append(Finding(code, f"Placed as {expected_type}, but {message}.", suggestion))
    elif (expected_type is None and kind == "provision" and "child" in subjects
          and any(e.label == "will" for e in by_component.get("modality", []))):
        code, message, _ = TYPE_READINGS["provision"]
        found.append(Finding(code, f"Written like an outcome, but {message}.",
                             "If it is listed as an outcome, list it as provision and write "
                             "the outcome it works towards: what the child will be able to do, "
                             "by when."))
    if kind == "outcome" and smart is False:
        failing = [name for name, c in criteria.items() if not c.met]
        why = "; ".join(CRITERION_WORDS[name] for name in failing) or "not SMART"
        said_elsewhere = {"realistic"} if "service" in subjects else set()
        if by_component.get("absolute"):
            said_elsewhere.add("achievable")  # the absolute-target finding says it
        fixes = "; ".join(CRITERION_FIXES[name] for name in failing
                          if name not in said_elsewhere)
        rewrite = suggest_rewrite(text, criteria, evidence) if text else ""
        found.append(Finding("outcome_not_smart", f"Not a SMART outcome: {why}.",
                             (fixes[:1].upper() + fixes[1:] + ".") if fixes else
                             "Rewrite it with a measure and a time frame.", rewrite))
    realistic, achievable = criteria.get("realistic"), criteria.get("achievable")
    if kind == "outcome" and "service" in subjects and realistic and not realistic.met:
        found.append(Finding(
            "service_perspective",
            "Written from a service's perspective: it says what adults will do or see.",
            "Rewrite it as what the child will do, e.g. 'Sam will ...' rather than 'staff "
            "will ensure ...'.",
        ))
    absolutes = [e.text for e in by_component.get("absolute", [])]
    if kind == "outcome" and absolutes and achievable and not achievable.met:
        words = ", ".join(f"'{w}'" for w in dict.fromkeys(absolutes))
        found.append(Finding(
            "absolute_target",
            f"Unrealistic absolute target ({words}).",
            "Set a level the child can reach and that shows progress, e.g. 'on 4 of 5 "
            "days' or 'in 8 out of 10 lessons'.",
        ))
    if kind == "provision" and specified is False:
        missing = labels.missing_parts(provision_kind, parts)
        hedges = [e.text for e in by_component.get("hedge", [])] or [
            e.text for e in by_component.get("vague", []) if e.label == "hedge"]
        message = "Provision not specified"
        if missing:
            message += ": missing " + ", ".join(labels.PART_WORDS[p] for p in missing)
        quoted = ", ".join(repr(h) for h in dict.fromkeys(hedges))
        if hedges:
            message += f"; vague wording ({quoted})"
        what = "; ".join(KIND_PART_FIXES.get((provision_kind, p), PART_FIXES[p])
                         for p in missing)
        advice = [f"Say {what}."] if missing else []
        if hedges:
            advice.append(f"Replace {quoted} with what the child will get, fixed"
                          + ("." if missing else ": who, how much and when."))
        found.append(Finding("provision_not_specified", message + ".", " ".join(advice)))
    return tuple(found)
