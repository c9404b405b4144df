"""Findings a reviewer acts on, each with a concrete suggestion, from scores and evidence."""

from __future__ import annotations

import re
from collections.abc import Mapping

from ehcp_nlp import labels
from ehcp_nlp.results import Criterion, Evidence, Finding

#: What to add when a SMART criterion is not met.
CRITERION_FIXES = {
    "specific": "name the exact skill or behaviour and where it happens (e.g. 'order her own "
                "lunch in the college canteen')",
    "measurable": "say how success will be seen or counted (e.g. '4 times out of 5', 'for 10 "
                  "minutes', 'without an adult prompt')",
    "achievable": "replace the absolute target with a level the child can reach (e.g. 'on 4 "
                  "of 5 days' rather than 'always')",
    "realistic": "write it from the child's side, as something they will do, not what staff "
                 "or a service will do, see or ensure",
    "time_bound": "say by when (e.g. 'by the end of the summer term 2027', 'by the next "
                  "annual review')",
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
    "when_where": "when or where it is used or applies (e.g. 'in all written exams', 'at "
                  "break and lunch')",
    "quantified": "the amount per period (e.g. '25 hours a week')",
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
        code, message, suggestion = TYPE_READINGS["provision"]
        found.append(Finding(code, f"Written like an outcome, but {message}.", suggestion))
    if kind == "outcome" and smart is False:
        failing = [name for name, c in criteria.items() if not c.met]
        why = "; ".join(CRITERION_WORDS[name] for name in failing) or "not SMART"
        fixes = "; ".join(CRITERION_FIXES[name] for name in failing)
        found.append(Finding("outcome_not_smart", f"Not a SMART outcome: {why}.",
                             (fixes[:1].upper() + fixes[1:] + ".") if fixes else
                             "Rewrite it with a measure and a time frame."))
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
            message += ": missing " + ", ".join(p.replace("_", " ") for p in missing)
        if hedges:
            message += f"; vague wording ({', '.join(repr(h) for h in dict.fromkeys(hedges))})"
        what = "; ".join(PART_FIXES[p] for p in missing)
        found.append(Finding("provision_not_specified", message + ".",
                             f"Say {what}." if missing else
                             "Replace the vague wording with what the child will get, fixed: "
                             "who, how much and when."))
    return tuple(found)
