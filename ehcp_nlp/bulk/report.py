"""The analysis as one self-contained HTML page (``report.html``).

The page reads the tables of :func:`ehcp_nlp.bulk.analyse` (statements, findings, links, plans,
errors) and shows an overview across plans (counts, the distribution of plan scores, SMART rate
by area of need and by stage, specified provision, the most common findings, every plan by
score, lowest first), then a part for each plan (its score and what each part contributes, its
golden thread from aspirations through needs and outcomes to provision, and each finding beside
its statement), then what could not be read.

Nothing is fetched: the CSS is inline, the charts are inline SVG, there is no script, no font
and no image, and a Content-Security-Policy forbids the browser to load anything. Every piece of
input text is HTML-escaped. A plan's part is a ``<details>`` element, closed when there are many
plans, so the page stays usable for thousands of them; printing opens them all.
"""

from __future__ import annotations

import math
import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

import pandas as pd

from ehcp_nlp.bulk.records import SECTION_TYPES

#: Plan scores below the first bound are shown as low, below the second as middling.
SCORE_BANDS = (50.0, 75.0)
#: Plans' parts are open when the page loads if there are at most this many plans.
OPEN_UP_TO = 12
#: The plans listed in the table and given a part of their own: the lowest-scoring this many
#: (the overview covers every plan; plans.csv lists them all).
PLANS_SHOWN = 1000
#: Rows of ``errors.csv`` listed on the page (the file keeps them all).
ERRORS_SHOWN = 500
#: Characters of a statement shown in a golden thread (findings show the whole statement).
THREAD_CHARS = 240

#: What each part of a plan's score measures, in the order they are shown.
PART_NAMES = {
    "smart": "SMART outcomes",
    "specified": "Specified provision",
    "thread": "Golden thread linked",
    "placement": "Statements in the right section",
    "sections": "Sections A to K present",
    "pfa": "Preparing-for-adulthood outcome",
}
PART_COLOURS = {"smart": "#2f6db5", "specified": "#1f9a8a", "thread": "#7a5cc0",
                "placement": "#d08a1e", "sections": "#5f8497", "pfa": "#c04f7a"}
#: Plan-level finding codes and how the page names them.
FINDING_NAMES = {
    "outcome_not_smart": "Outcome not SMART",
    "provision_not_specific": "Provision not specific",
    "statement_misplaced": "Statement misplaced",
    "need_without_outcome": "Need without outcome",
    "outcome_without_provision": "Outcome without provision",
    "no_pfa_outcomes": "No PFA outcome",
    "outcome_not_person_centred": "Outcome not person-centred",
    "missing_section": "Missing section",
}
AREA_NAMES = {
    "communication_interaction": "Communication & interaction",
    "cognition_learning": "Cognition & learning",
    "semh": "Social, emotional, mental health",
    "sensory_physical": "Sensory & physical",
    "health": "Health",
    "social_care": "Social care",
}
STAGE_NAMES = {"early_years": "Early years", "primary": "Primary", "secondary": "Secondary",
               "post16": "Post-16"}
#: Findings the golden thread shows as gaps rather than as labels on the statement.
THREAD_GAPS = ("need_without_outcome", "outcome_without_provision")
CRITERIA = ("specific", "measurable", "achievable", "realistic", "time_bound")
TYPES = ("aspiration", "need", "outcome", "provision")


def render_report(statements: pd.DataFrame, findings: pd.DataFrame, links: pd.DataFrame,
                  plans: pd.DataFrame, errors: pd.DataFrame, *, title: str = "EHCP analysis",
                  generated: datetime | str | None = None,
                  weights: Mapping[str, float] | None = None, note: str = "",
                  model: Mapping[str, Any] | None = None, skipped: int | None = None,
                  mark: Callable[[list[str]], dict[str, str]] | None = None) -> str:
    """Render the analysis tables as one self-contained HTML page.

    Parameters
    ----------
    statements, findings, links, plans, errors
        The tables of the analysis (the columns of ``statements.csv``, ``findings.csv``,
        ``links.csv``, ``plans.csv`` and ``errors.csv``); optional columns may be missing.
    title
        The page's title and heading.
    generated
        When the analysis ran (default: now), shown under the title.
    weights
        The weight of each part of a plan's score, by part name (``smart``, ``specified``...);
        default: the weights the checks use.
    note
        A line shown under the heading (for example, that the statements were cut to a limit).
    model
        The model that scored the statements (its manifest: ``name``, ``version``,
        ``trained``), named under the heading.
    skipped
        How many pieces of the plans' text were not statements (cover fields, contents,
        headers, references...): not scored and not counted in any figure.
    mark
        Given the statements the report shows beside findings, their HTML with the evidence
        marked (spaCy's displaCy, see :func:`ehcp_nlp.html.evidence_html`); without it they
        are shown as plain text.

    Returns
    -------
    str
        The page; the caller writes it (atomically).
    """
    if weights is None:
        from ehcp_nlp.bulk.checks import WEIGHTS as weights
    if generated is None:
        generated = datetime.now().astimezone()
    if isinstance(generated, datetime):
        generated = generated.strftime("%d %B %Y, %H:%M")
    data = _Tables(statements, findings, links, plans, errors)
    if mark is not None:
        shown = [_s(f.get("statement")) for plan_id in data.order[:PLANS_SHOWN]
                 for f in data.by_plan[plan_id]["findings"] if _s(f.get("statement_id"))]
        data.marked = mark(list(dict.fromkeys(t for t in shown if t)))
    model_line = _model_line(model)
    body = [
        f'<header class="top"><h1>{_e(title)}</h1><p class="meta">Generated {_e(generated)}'
        " · self-contained page, nothing is loaded from the network</p>"
        + (f'<p class="meta">{_e(model_line)}</p>' if model_line else "")
        + (f'<p class="meta">{_e(note)}</p>' if note else "") +
        '<nav><a href="#overview">Overview</a><a href="#plans">Plans by score</a>'
        '<a href="#plan-parts">Each plan</a><a href="#errors">Errors</a></nav></header>',
        '<main><section id="overview"><h2>Overview</h2>',
        _cards(data, skipped), _charts(data), "</section>",
        _plan_table(data), _plan_parts(data, dict(weights)), _errors(data), "</main>",
    ]
    return ('<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'\">"
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{_e(title)}</title><style>{CSS}</style></head>"
            "<body>" + "\n".join(body) + "</body></html>\n")


# -- the tables, grouped once ------------------------------------------------------------------
class _Tables:
    """The analysis tables as records, grouped by plan."""

    def __init__(self, statements, findings, links, plans, errors) -> None:
        self.statements = _records(statements)
        self.findings = _records(findings)
        self.links = _records(links)
        self.errors = _records(errors)
        self.stage_column = statements is not None and "stage" in statements.columns
        self.plans = {}
        for row in _records(plans):
            self.plans[_s(row.get("plan_id"))] = row
        self.by_plan: dict[str, dict[str, list[dict]]] = defaultdict(
            lambda: {"statements": [], "findings": [], "links": []})
        for name in ("statements", "findings", "links"):
            for row in getattr(self, name):
                self.by_plan[_s(row.get("plan_id"))][name].append(row)
        for plan_id in self.by_plan:
            self.plans.setdefault(plan_id, {"plan_id": plan_id})
        # lowest score first; plans without a score last
        self.order = sorted(self.plans, key=lambda p: (
            math.isnan(_f(self.plans[p].get("score"))), _f(self.plans[p].get("score")), p))
        self.anchor = {plan_id: f"plan-{i + 1}" for i, plan_id in enumerate(self.order)}
        self.marked: dict[str, str] = {}  # statement text -> its HTML, evidence marked

    def stage(self, row: dict) -> str:
        """A statement's stage: its own column, else from its plan's year group or age."""
        if self.stage_column and _s(row.get("stage")):
            return _s(row.get("stage"))
        plan = self.plans.get(_s(row.get("plan_id")), {})
        return _stage_of(_f(plan.get("year_group")), _f(plan.get("age")))


def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    return frame.to_dict("records")


def _stage_of(year_group: float, age: float) -> str:
    if not math.isnan(year_group):
        return ("early_years" if year_group < 1 else "primary" if year_group <= 6
                else "secondary" if year_group <= 11 else "post16")
    if not math.isnan(age):
        return ("early_years" if age < 5 else "primary" if age < 11
                else "secondary" if age < 16 else "post16")
    return ""


# -- overview ----------------------------------------------------------------------------------
def _model_line(model: Mapping[str, Any] | None) -> str:
    """Which model scored the statements: its folder, version, training data and date."""
    if not model:
        return ""
    where = Path(_s(model.get("path"))).name or "a model"
    version = _s((model.get("versions") or {}).get("ehcp-nlp"))
    training = model.get("training") or {}
    digest = _s((model.get("files") or {}).get("model.joblib"))[:12]
    rows = training.get("rows")
    return (f"Scored by the model ‘{where}’"
            + (f" (ehcp-nlp {version}" if version else " (")
            + (f", saved {_s(model.get('saved'))}" if model.get("saved") else "")
            + (f", trained on {rows:,} statements of {_s(training.get('file'))}"
               if isinstance(rows, int) else "")
            + (f", model.joblib sha256 {digest}…" if digest else "") + "). "
            "Thread links and findings marked ‘heuristic’ come from similar wording, not from "
            "the plan's own references or table rows.")


def _cards(data: _Tables, skipped: int | None = None) -> str:
    kinds = Counter(_s(r.get("type")) for r in data.statements)
    scores = [s for s in (_f(p.get("score")) for p in data.plans.values()) if not math.isnan(s)]
    flagged = {_s(r.get("plan_id")) for r in data.findings}
    # the outcomes and provision of the golden thread, as plans.csv counts them (not an
    # outcome-like line in Section K)
    smart = _rate(_b(r.get("smart")) for r in data.statements if _thread_role(r) == "outcome")
    specified = _rate(_b(r.get("specified")) for r in data.statements
                      if _thread_role(r) == "provision")
    median = statistics.median(scores) if scores else math.nan
    cards = [
        ("Plans", f"{len(data.plans):,}", f"{len(flagged):,} with findings"),
        ("Statements", f"{len(data.statements):,}",
         " · ".join(f"{kinds[t]:,} {t}" for t in
                    [*TYPES, *sorted(set(kinds) - set(TYPES))] if kinds[t])
         + " as read, in any section"),
        ("Findings", f"{len(data.findings):,}",
         f"{len(data.findings) / len(data.plans):.1f} a plan" if data.plans else ""),
        ("Errors", f"{len(data.errors):,}", "inputs that could not be read"),
        ("Median plan score", _n(median, 0),
         f"range {min(scores):.0f} to {max(scores):.0f}" if scores else "no scores"),
        ("SMART rate", _pct(smart[0]), f"{smart[1]:,} of {smart[2]:,} outcomes"),
        ("Specified rate", _pct(specified[0]),
         f"{specified[1]:,} of {specified[2]:,} provision"),
    ]
    if skipped is not None:
        cards.append(("Not statements", f"{skipped:,}",
                      "cover, contents, headers, references, the advice list: skipped.csv, "
                      "in no figure"))
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="k">{_e(k)}</div><div class="v">{_e(v)}</div>'
        f'<div class="n">{_e(n)}</div></div>' for k, v, n in cards) + "</div>"


def _charts(data: _Tables) -> str:
    scores = [_f(p.get("score")) for p in data.plans.values()]
    outcomes = [r for r in data.statements
                if _thread_role(r) == "outcome" and _b(r.get("smart")) is not None]
    provision = [r for r in data.statements
                 if _thread_role(r) == "provision" and _b(r.get("specified")) is not None]
    by_code = Counter(_s(r.get("code")) for r in data.findings)
    plans_by_code: dict[str, set] = defaultdict(set)
    for row in data.findings:
        plans_by_code[_s(row.get("code"))].add(_s(row.get("plan_id")))
    unscored = sum(math.isnan(s) for s in scores)
    stage_note = "" if data.stage_column else " (stage from year group or age)"
    panels = [
        ("Plan scores", f"{len(scores) - unscored:,} plans"
         + (f"; {unscored} without a score" if unscored else ""), _histogram(scores)),
        ("Most common findings", f"{len(data.findings):,} findings; "
         "how many, and in how many plans",
         _hbars([(FINDING_NAMES.get(c, _label(c)), n, _count(len(plans_by_code[c]), "plan"))
                 for c, n in by_code.most_common()], percent=False, colour="#b4443c")),
        ("SMART rate by area of need", f"{len(outcomes):,} outcomes; (n) a bar",
         _rate_bars(outcomes, lambda r: _s(r.get("area")), "smart", AREA_NAMES)),
        ("SMART rate by stage", f"{len(outcomes):,} outcomes{stage_note}; (n) a bar",
         _rate_bars(outcomes, data.stage, "smart", STAGE_NAMES, order=list(STAGE_NAMES))),
        ("SMART criteria met by outcomes", "the SMART verdict is the weakest criterion",
         _hbars([(_label(c), *_rate(_b(r.get(c)) for r in outcomes)[::2]) for c in CRITERIA
                 if any(c in r for r in outcomes)], colour="#2f6db5", rate=True)),
        ("Specified provision by area of need", f"{len(provision):,} provision; (n) a bar",
         _rate_bars(provision, lambda r: _s(r.get("area")), "specified", AREA_NAMES,
                    colour="#1f9a8a")),
    ]
    return '<div class="charts">' + "".join(
        f'<figure class="panel"><figcaption><b>{_e(t)}</b><span>{_e(n)}</span></figcaption>'
        f"{chart}</figure>" for t, n, chart in panels) + "</div>"


def _rate_bars(rows, key, column: str, names: Mapping[str, str], *, order=None,
               colour: str = "#2f6db5") -> str:
    groups: dict[str, list] = defaultdict(list)
    for row in rows:
        groups[key(row) or ""].append(_b(row.get(column)))
    keys = [k for k in (order or sorted(groups, key=lambda k: -len(groups[k]))) if k in groups]
    keys += [k for k in groups if k not in keys]
    items = []
    for k in keys:
        rate, _, n = _rate(groups[k])
        items.append((names.get(k, _label(k) if k else "Not known"), rate, n))
    return _hbars(items, colour=colour, rate=True)


def _more(data: _Tables) -> str:
    hidden = len(data.order) - PLANS_SHOWN
    if hidden <= 0:
        return ""
    return (f'<p class="note">The {PLANS_SHOWN:,} lowest-scoring plans are shown; '
            f"{hidden:,} more are in plans.csv and findings.csv.</p>")


def _plan_table(data: _Tables) -> str:
    rows = []
    for plan_id in data.order[:PLANS_SHOWN]:
        plan = data.plans[plan_id]
        score = _f(plan.get("score"))
        rows.append(
            f'<tr><td><a href="#{data.anchor[plan_id]}">{_e(plan_id)}</a></td>'
            f'<td class="file">{_e(plan.get("file"))}</td><td>{_e(_year(plan))}</td>'
            + "".join(f'<td class="num">{_n(_f(plan.get(c)), 0)}</td>'
                      for c in ("statements", "outcomes", "provision"))
            + f'<td class="num">{_pct(_f(plan.get("smart_rate")))}</td>'
            f'<td class="num">{_pct(_f(plan.get("specified_rate")))}</td>'
            f'<td class="num">{_n(_f(plan.get("findings")), 0)}</td>'
            f'<td class="score">{_score_bar(score)}</td></tr>')
    head = "".join(f'<th class="{c}">{_e(h)}</th>' for h, c in (
        ("Plan", ""), ("File", ""), ("Year / age", ""), ("Statements", "num"),
        ("Outcomes", "num"), ("Provision", "num"), ("SMART", "num"), ("Specified", "num"),
        ("Findings", "num"), ("Score ▲", "sorted")))
    low, good = SCORE_BANDS
    return ('<section id="plans"><h2>Plans by score, lowest first</h2>'
            f'<p class="note">Score 0 to 100: the weighted mean of the parts of the score that '
            f"apply to the plan. Below {low:.0f} is shown red, {low:.0f} to {good:.0f} amber, "
            f"{good:.0f} and above green. Select a plan to see its part.</p>"
            '<div class="scroll"><table class="plans"><thead><tr>' + head + "</tr></thead><tbody>"
            + "\n".join(rows) + "</tbody></table></div>" + _more(data) + "</section>")


# -- one part per plan -------------------------------------------------------------------------
def _plan_parts(data: _Tables, weights: dict[str, float]) -> str:
    is_open = " open" if len(data.order) <= OPEN_UP_TO else ""
    parts = []
    for plan_id in data.order[:PLANS_SHOWN]:
        plan, group = data.plans[plan_id], data.by_plan.get(plan_id, {})
        statements = sorted(group.get("statements", []), key=lambda r: _f(r.get("order")))
        by_id = {_s(r.get("statement_id")): r for r in statements}
        findings = group.get("findings", [])
        score = _f(plan.get("score"))
        details = " · ".join(x for x in (_s(plan.get("file")), _year(plan)) if x)
        parts.append(
            f'<section class="plan" id="{data.anchor[plan_id]}"><details{is_open}><summary>'
            f'<span class="badge {_band(score)}">{_n(score, 0)}</span>'
            f'<span class="pid">{_e(plan_id)}</span><span class="pmeta">{_e(details)}</span>'
            f"{_code_tally(findings)}"
            f'<span class="pcount">{_count(len(findings), "finding")}</span></summary>'
            '<div class="pbody">'
            f"{_score_parts(plan, score, weights)}"
            f"{_thread(statements, by_id, group.get('links', []), findings)}"
            f"{_findings(findings, by_id, data.marked)}"
            '<p class="back"><a href="#plans">Back to the plans</a></p></div></details></section>')
    return ('<section id="plan-parts"><h2>Each plan</h2><p class="note">Plans in the order of '
            "the table above. Each shows its score and what each part contributes, its golden "
            "thread (needs → outcomes → provision: from the plan's own references, then its "
            "table rows, then, failing those, from similar wording, a heuristic marked as "
            "such) and each finding beside its statement.</p>" + "\n".join(parts)
            + _more(data) + "</section>")


def _score_parts(plan: dict, score: float, weights: dict[str, float]) -> str:
    names = [n for n in PART_NAMES if f"part_{n}" in plan]
    names += [k[5:] for k in plan if k.startswith("part_") and k[5:] not in names]
    values = {n: _f(plan.get(f"part_{n}")) for n in names}
    applies = {n: v for n, v in values.items() if not math.isnan(v)}
    total = sum(weights.get(n, 0.0) for n in applies)
    rows, segments, x = [], [], 0.0
    for name in names:
        weight, value = weights.get(name, 0.0), values[name]
        label = PART_NAMES.get(name, _label(name))
        swatch = f'<i style="background:{PART_COLOURS.get(name, "#888")}"></i>'
        if math.isnan(value) or not total:
            rows.append(f'<tr class="na"><td>{swatch}{_e(label)}</td><td class="num">n/a</td>'
                        f'<td class="num">{weight:.2f}</td><td class="num" colspan="2">'
                        "does not apply; its weight goes to the others</td></tr>")
            continue
        share, points = 100 * weight / total, 100 * weight * value / total
        rows.append(f'<tr><td>{swatch}{_e(label)}</td><td class="num">{_pct(value)}</td>'
                    f'<td class="num">{weight:.2f}</td><td class="num">{share:.1f}</td>'
                    f'<td class="num"><b>{points:.1f}</b></td></tr>')
        segments.append(f'<rect x="{x:.2f}" y="0" width="{points:.2f}" height="10" '
                        f'fill="{PART_COLOURS.get(name, "#888")}"><title>{_e(label)}: '
                        f"{points:.1f} of {share:.0f} points</title></rect>")
        x += points
    if not names:
        return '<p class="note">No parts of the score are recorded for this plan.</p>'
    earned = x if total else math.nan
    rows.append(f'<tr class="total"><td>Score</td><td></td><td></td><td class="num">100</td>'
                f'<td class="num"><b>{_n(earned, 1)}</b></td></tr>')
    bar = ('<svg class="stack" viewBox="0 0 100 10" preserveAspectRatio="none" role="img" '
           f'aria-label="score {_n(score, 1)} of 100"><rect x="0" y="0" width="100" '
           f'height="10" fill="#e6e9ee"></rect>{"".join(segments)}</svg>')
    # the parts are rounded to 0.1 in the table; a larger gap means other weights were used
    agrees = math.isnan(score) or abs(earned - score) < 0.15
    how = ("= the points of the parts that apply" if agrees else
           f"but its parts add up to {_n(earned, 1)} with these weights")
    return (f'<div class="parts"><div class="ptitle"><b>Score {_n(score, 1)}</b> of 100 '
            f'<span class="{"" if agrees else "warn"}">{_e(how)}</span></div>{bar}'
            '<table class="ptable"><thead><tr><th>Part</th><th class="num">Met</th>'
            '<th class="num">Weight</th><th class="num">Points available</th>'
            '<th class="num">Points earned</th></tr></thead><tbody>' + "".join(rows)
            + f"</tbody></table>{_counts(plan)}</div>")


def _counts(plan: dict) -> str:
    items = [(label, _n(_f(plan.get(column)), 0)) for column, label in (
        ("statements", "Statements"), ("aspirations", "Aspirations"), ("needs", "Needs"),
        ("outcomes", "Outcomes"), ("provision", "Provision"))] + [
        ("Outcomes SMART", _pct(_f(plan.get("smart_rate")))),
        ("Provision specified", _pct(_f(plan.get("specified_rate")))),
        ("Findings", _n(_f(plan.get("findings")), 0))]
    return '<dl class="pcounts">' + "".join(
        f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in items if v != "–") + "</dl>"


def _thread(statements: list[dict], by_id: dict[str, dict], links: list[dict],
            findings: list[dict]) -> str:
    codes: dict[str, list[str]] = defaultdict(list)
    for row in findings:
        codes[_s(row.get("statement_id"))].append(_s(row.get("code")))
    met: dict[str, list[tuple[str, str]]] = defaultdict(list)  # need -> outcomes
    served: dict[str, list[tuple[str, str]]] = defaultdict(list)  # outcome -> provision
    for link in links:
        need, outcome, item = (_s(link.get(k)) for k in ("need_id", "outcome_id",
                                                          "provision_id"))
        how_need, how_item = _how(link, "need"), _how(link, "provision")
        if need and (outcome, how_need) not in met[need]:
            met[need].append((outcome, how_need))
        if item and (item, how_item) not in served[outcome or f"need:{need}"]:
            served[outcome or f"need:{need}"].append((item, how_item))
    of_type = {t: [_s(r.get("statement_id")) for r in statements if _thread_role(r) == t]
               for t in TYPES}
    needs = of_type["need"] + [n for n in met if n not in by_id]
    outcomes = of_type["outcome"] + [o for o in served if o not in by_id and
                                     not o.startswith("need:") and o]
    linked_outcomes = {o for pairs in met.values() for o, _ in pairs}
    linked_provision = {p for pairs in served.values() for p, _ in pairs}

    def cell(sid: str, how: str = "") -> str:
        row = by_id.get(sid, {})
        text = _s(row.get("text")) or "(statement not in the statements table)"
        short = text if len(text) <= THREAD_CHARS else text[:THREAD_CHARS - 1] + "…"
        chips = "".join(f'<span class="chip {_e(c)}">{_e(FINDING_NAMES.get(c, _label(c)))}'
                        "</span>" for c in codes.get(sid, []) if c not in THREAD_GAPS)
        tag = f'<span class="how">{_e(how)}</span>' if how else ""
        return (f'<div class="st"><span class="sid">{_e(_sid(row, sid))}</span>{_e(short)}'
                f"{tag}{chips}</div>")

    def flag(text: str, finding: bool) -> str:
        return f'<div class="gap{" bad" if finding else ""}">{_e(text)}</div>'

    def provision_cell(key: str) -> str:
        items = served.get(key, [])
        if items:
            return "".join(cell(p, how) for p, how in items)
        flagged = "outcome_without_provision" in codes.get(key, [])
        return flag("✗ no provision serves this outcome" if flagged else "no provision linked",
                    flagged)

    rows = []
    for need in needs:
        pairs = met.get(need, [])
        if not pairs:
            flagged = "need_without_outcome" in codes.get(need, [])
            rows.append(f"<tr><td>{cell(need)}</td><td>"
                        + flag("✗ no outcome meets this need" if flagged
                               else "not linked to an outcome", flagged) + "</td><td></td></tr>")
            continue
        for i, (outcome, how) in enumerate(pairs):
            first = f'<td rowspan="{len(pairs)}">{cell(need)}</td>' if i == 0 else ""
            middle = cell(outcome, how) if outcome else flag("(linked directly)", False)
            rows.append(f"<tr>{first}<td>{middle}</td>"
                        f"<td>{provision_cell(outcome or f'need:{need}')}</td></tr>")
    for outcome in outcomes:
        if outcome not in linked_outcomes:
            rows.append(f'<tr><td>{flag("no need links to this outcome", False)}</td>'
                        f"<td>{cell(outcome)}</td><td>{provision_cell(outcome)}</td></tr>")
    spare = [p for p in of_type["provision"] if p not in linked_provision]
    if spare:
        rows.append(f'<tr><td colspan="2">{flag("provision that serves no outcome", False)}'
                    f'</td><td>{"".join(cell(p) for p in spare)}</td></tr>')
    aspirations = "".join(f"<li>{cell(a)}</li>" for a in of_type["aspiration"])
    served_outcomes = sum(bool(served.get(o)) for o in outcomes)
    tally = [f"{sum(bool(met.get(n)) for n in needs)} of {len(needs)} needs met by an outcome"
             if needs else "no needs",
             f"{served_outcomes} of {len(outcomes)} outcomes served by provision"
             if outcomes else "no outcomes"]
    if spare:
        tally.append(f"{_count(len(spare), 'provision statement')} serving no outcome")
    head = ('<h3>Golden thread</h3>' + (f'<div class="asp"><b>Aspirations</b><ul>{aspirations}'
                                        "</ul></div>" if aspirations else "")
            + f'<p class="tally">{_e(" · ".join(tally))}</p>')
    if not rows:
        return head + '<p class="note">No needs, outcomes or provision in this plan.</p>'
    return (head + '<table class="thread"><thead><tr><th>Need</th><th>Outcome</th>'
            "<th>Provision</th></tr></thead><tbody>" + "\n".join(rows) + "</tbody></table>")


def _thread_role(row: dict) -> str:
    """A statement's place in the golden thread: its type, when its section calls for it.

    As in the checks, a statement whose type does not fit its section (an outcome written in
    Section B, provision in Section E) is left out of the thread: its findings show it.
    """
    kind, section = _s(row.get("role")) or _s(row.get("type")), _s(row.get("section"))
    expected = SECTION_TYPES.get(section)
    if section and expected != kind:
        return ""
    return kind


def _findings(findings: list[dict], by_id: dict[str, dict],
              marked: Mapping[str, str] | None = None) -> str:
    if not findings:
        return '<h3>Findings</h3><p class="ok">No findings for this plan.</p>'
    plan_level = [f for f in findings if not _s(f.get("statement_id"))]
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in findings:
        if _s(row.get("statement_id")):
            grouped[_s(row["statement_id"])].append(row)
    out = [f"<h3>Findings ({len(findings)})</h3>"]
    if plan_level:
        out.append('<ul class="plevel">' + "".join(
            f'<li>{_chip(f)}<span class="sec">{_e(_section(f) or "Plan")}</span>'
            f"{_e(f.get('message'))}</li>" for f in plan_level)
            + "</ul>")
    if grouped:
        order = sorted(grouped, key=lambda s: (_f(by_id.get(s, {}).get("order")), s))
        rows = []
        for sid in order:
            first, row = grouped[sid][0], by_id.get(sid, {})
            text = _s(first.get("statement")) or _s(row.get("text"))
            where = _s(first.get("location")) or _s(row.get("location"))
            shown = (marked or {}).get(text) or _e(text)
            rows.append(
                f'<tr><td class="stmt"><div class="where">{_e(_section(first) or "No section")}'
                f'{" · " + _e(where) if where else ""}</div>{shown}</td><td>'
                + "".join(f'<div class="fd">{_chip(f)}{_e(f.get("message"))}'
                          f"{_basis(f)}</div>" for f in grouped[sid]) + "</td></tr>")
        out.append('<table class="findings"><thead><tr><th>Statement</th><th>Finding</th></tr>'
                   "</thead><tbody>" + "\n".join(rows) + "</tbody></table>")
    return "".join(out)


def _errors(data: _Tables) -> str:
    if not data.errors:
        return ('<section id="errors"><h2>Errors</h2><p class="ok">Every input was read.</p>'
                "</section>")
    rows = "".join(f"<tr><td>{_e(r.get('file'))}</td><td>{_e(r.get('location'))}</td>"
                   f"<td>{_e(r.get('reason'))}</td></tr>" for r in data.errors[:ERRORS_SHOWN])
    more = len(data.errors) - ERRORS_SHOWN
    return (f'<section id="errors"><h2>Errors ({len(data.errors):,})</h2><p class="note">What '
            "could not be read, and why; everything else was analysed.</p>"
            '<table class="errors"><thead><tr><th>File</th><th>Location</th><th>Reason</th>'
            f"</tr></thead><tbody>{rows}</tbody></table>"
            + (f'<p class="note">And {more:,} more in errors.csv.</p>' if more > 0 else "")
            + "</section>")


# -- charts ------------------------------------------------------------------------------------
def _histogram(scores: list[float], width: int = 560, height: int = 200) -> str:
    counts = [0] * 10
    for score in scores:
        if not math.isnan(score):
            counts[min(int(max(score, 0) // 10), 9)] += 1
    if not any(counts):
        return '<p class="note">No plan has a score.</p>'
    left, bottom, top = 34, 30, 18
    plot_w, plot_h, peak = width - left - 18, height - bottom - top, max(counts)
    step = plot_w / 10
    parts = [f'<line x1="{left}" y1="{height - bottom}" x2="{left + plot_w}" '
             f'y2="{height - bottom}" class="axis"></line>']
    for i, n in enumerate(counts):
        h = plot_h * n / peak
        x, y = left + i * step + 2, height - bottom - h
        parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{step - 4:.1f}" height="{h:.1f}" '
                     f'class="{_band(i * 10 + 5)}"><title>{i * 10} to {i * 10 + 10}: '
                     f"{n} plans</title></rect>")
        if n:
            parts.append(f'<text x="{x + (step - 4) / 2:.1f}" y="{y - 4:.1f}" '
                         f'text-anchor="middle" class="val">{n:,}</text>')
    for i in range(0, 11, 2):
        parts.append(f'<text x="{left + i * step:.1f}" y="{height - bottom + 15}" '
                     f'text-anchor="middle">{i * 10}</text>')
    parts.append(f'<text x="{left + plot_w / 2:.1f}" y="{height - 3}" text-anchor="middle" '
                 'class="lab">plan score</text>')
    parts.append(f'<text x="12" y="{top + plot_h / 2:.1f}" text-anchor="middle" class="lab" '
                 f'transform="rotate(-90 12 {top + plot_h / 2:.1f})">plans</text>')
    return (f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="histogram of plan '
            f'scores">{"".join(parts)}</svg>')


def _hbars(items: list[tuple], *, percent: bool = True, rate: bool = False,
           colour: str = "#2f6db5", width: int = 560) -> str:
    """Horizontal bars of (label, value, note); rates are 0-1 and drawn against 100%."""
    items = [i for i in items if not (isinstance(i[1], float) and math.isnan(i[1]))]
    if not items:
        return '<p class="note">Nothing to show.</p>'
    label_w, value_w, row_h, top = 215, 125, 24, 4
    bar_w = width - label_w - value_w
    peak = 1.0 if rate else max(v for _, v, *_ in items) or 1
    parts = []
    for i, (label, value, *note) in enumerate(items):
        y = top + i * row_h
        w = bar_w * value / peak
        shown = _pct(value) if rate else f"{value:,}"
        extra = f" ({note[0]:,})" if rate and note else (f" · {note[0]}" if note else "")
        if rate:
            parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{bar_w}" height="{row_h - 8}"'
                         ' class="track"></rect>')
        parts.append(
            f'<text x="{label_w - 8}" y="{y + row_h / 2 + 4:.1f}" text-anchor="end">'
            f"{_e(label)}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="{colour}"><title>{_e(label)}: {_e(shown + extra)}</title></rect>'
            f'<text x="{label_w + bar_w + 6}" y="{y + row_h / 2 + 4:.1f}" class="val">'
            f'{_e(shown)}<tspan class="lab">{_e(extra)}</tspan></text>')
    height = top * 2 + row_h * len(items)
    return (f'<svg viewBox="0 0 {width} {height}" role="img" aria-label="bar chart">'
            + "".join(parts) + "</svg>")


def _score_bar(score: float) -> str:
    if math.isnan(score):
        return '<span class="nos">no score</span>'
    return (f'<span class="sbar"><span class="{_band(score)}" style="width:{score:.0f}%">'
            f'</span></span><b>{score:.0f}</b>')


# -- small helpers -----------------------------------------------------------------------------
def _s(value: Any) -> str:
    """A cell as text: missing values are empty."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _f(value: Any) -> float:
    """A cell as a number: missing or unreadable values are NaN."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return math.nan
    return number


def _b(value: Any) -> bool | None:
    """A cell as a verdict: True, False, or None when it does not apply."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, str):
        return {"true": True, "yes": True, "false": False, "no": False}.get(value.lower())
    if isinstance(value, float) and math.isnan(value):
        return None
    return bool(value)


def _rate(verdicts: Iterable[bool | None]) -> tuple[float, int, int]:
    """The share of True among the verdicts that apply: (rate, true, applicable)."""
    yes = total = 0
    for verdict in verdicts:
        if verdict is not None:
            total += 1
            yes += verdict
    return (yes / total if total else math.nan), yes, total


def _e(value: Any) -> str:
    return escape(_s(value), quote=True)


def _n(value: float, digits: int) -> str:
    return "–" if math.isnan(value) else f"{value:,.{digits}f}"


def _pct(value: float) -> str:
    return "–" if math.isnan(value) else f"{100 * value:.0f}%"


def _band(score: float) -> str:
    if math.isnan(score):
        return "none"
    return "low" if score < SCORE_BANDS[0] else "mid" if score < SCORE_BANDS[1] else "good"


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def _count(n: int, noun: str) -> str:
    return f"no {noun}s" if not n else f"{n:,} {noun}{'s' if n != 1 else ''}"


def _year(plan: dict) -> str:
    year, age = _f(plan.get("year_group")), _f(plan.get("age"))
    school = "Reception" if year == 0 else "Nursery" if year < 0 else f"Year {year:.0f}"
    parts = ([school] if not math.isnan(year) else []) + (
        [f"age {age:.0f}"] if not math.isnan(age) else [])
    return ", ".join(parts)


def _sid(row: dict, statement_id: str) -> str:
    order = _f(row.get("order"))
    section = _s(row.get("section"))
    if math.isnan(order):
        return statement_id
    return f"{section or '–'} {order:.0f}"


def _how(link: dict, hop: str) -> str:
    """How one hop of a link was decided, in words.

    ``hop`` is ``need`` (need -> outcome) or ``provision`` (outcome -> provision).
    """
    kind = _s(link.get(f"{hop}_link"))
    if "reference" in kind:
        return "by reference"
    if "table row" in kind:
        return "table row"
    similarity = _f(link.get(f"{hop}_similarity"))
    if "similarity" in kind or not math.isnan(similarity):
        return ("heuristic: similar wording" + (f" {similarity:.2f}"
                                                 if not math.isnan(similarity) else ""))
    return kind


def _basis(finding: dict) -> str:
    """A mark on a finding that rests on a heuristic (similar wording).

    Not on the model's verdict on the statement, nor on the plan's own references.
    """
    basis = _s(finding.get("basis"))
    return ' <span class="heur">heuristic</span>' if "heuristic" in basis else ""


def _section(finding: dict) -> str:
    section = _s(finding.get("section"))
    return f"Section {section}" if section else ""


def _code_tally(findings: list[dict]) -> str:
    codes = Counter(_s(f.get("code")) for f in findings)
    return '<span class="pcodes">' + "".join(
        f'<span class="chip {_e(c)}">{_e(FINDING_NAMES.get(c, _label(c)))} {n}</span>'
        for c, n in codes.most_common()) + "</span>"


def _chip(finding: dict) -> str:
    code = _s(finding.get("code"))
    return f'<span class="chip {_e(code)}">{_e(FINDING_NAMES.get(code, _label(code)))}</span>'


#: The page's style sheet: system fonts only, a print layout that opens every plan.
CSS = """
:root{--ink:#1d2733;--muted:#5b6776;--line:#d9dee5;--bg:#f4f6f9;--low:#c23b32;--mid:#d98c14;
--good:#2e8b57;--head:#1f3a5f}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif}
a{color:#1f5fa8}
.heur{font-size:11px;color:var(--muted);border:1px dashed var(--muted);border-radius:3px;
padding:0 4px;margin-left:4px;white-space:nowrap}
header.top{background:var(--head);color:#fff;padding:18px max(24px,calc(50% - 586px)) 0}
header.top h1{margin:0;font-size:24px;font-weight:700}
.meta{margin:2px 0 8px;color:#c9d6e8;font-size:13px}
nav a{color:#fff;text-decoration:none;margin-right:22px;display:inline-block;padding:6px 0 8px;
border-bottom:3px solid transparent}
nav a:hover{border-color:#8fb3e0}
main{max-width:1220px;margin:0 auto;padding:4px 24px 40px}
h2{font-size:19px;margin:26px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--line)}
h3{font-size:12px;margin:14px 0 6px;text-transform:uppercase;letter-spacing:.05em;
color:var(--muted)}
.note{color:var(--muted);font-size:13px;margin:4px 0 10px}
.ok{color:var(--good);font-weight:600;margin:4px 0}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
.card{background:#fff;border:1px solid var(--line);border-radius:8px;padding:9px 12px}
.card .k{font-size:11.5px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:26px;font-weight:700;line-height:1.25}
.card .n{font-size:12px;color:var(--muted)}
.charts{display:grid;grid-template-columns:1fr 1fr;gap:14px;margin-top:14px}
.panel{margin:0;background:#fff;border:1px solid var(--line);border-radius:8px;padding:12px 14px}
figcaption{display:flex;justify-content:space-between;align-items:baseline;gap:10px;
margin-bottom:8px}
figcaption span{color:var(--muted);font-size:12px;text-align:right}
svg{display:block;width:100%;height:auto;font-size:12px}
svg text{fill:#34404d}svg .val{font-weight:600}svg .lab{fill:var(--muted);font-weight:400}
svg .axis{stroke:#9aa5b1}svg .track{fill:#eef1f5}
rect.low{fill:var(--low)}rect.mid{fill:var(--mid)}rect.good{fill:var(--good)}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{padding:5px 8px;border-bottom:1px solid #e7eaef;text-align:left;vertical-align:top}
th{font-size:11.5px;font-weight:600;color:var(--muted);text-transform:uppercase;
letter-spacing:.04em;background:#eef2f6}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
.scroll{max-height:560px;overflow:auto;border:1px solid var(--line);border-radius:8px}
.scroll th{position:sticky;top:0;z-index:1}
th.sorted{color:var(--ink)}
table.plans tbody tr:hover{background:#f6f9fd}
td.file{max-width:300px;min-width:90px;overflow-wrap:anywhere;color:var(--muted);
font-size:12.5px}
table.plans td:first-child{white-space:nowrap}
td.score{white-space:nowrap;font-variant-numeric:tabular-nums}
.sbar{display:inline-block;width:90px;height:8px;background:#e6e9ee;border-radius:4px;
vertical-align:middle;margin-right:8px;overflow:hidden}
.sbar span{display:block;height:100%}
.sbar .low,.badge.low{background:var(--low)}.sbar .mid,.badge.mid{background:var(--mid)}
.sbar .good,.badge.good{background:var(--good)}.badge.none{background:#9aa5b1}
.nos{color:var(--muted);font-size:12px}
.plan{background:#fff;border:1px solid var(--line);border-radius:8px;margin:6px 0}
summary{cursor:pointer;display:flex;align-items:center;gap:12px;padding:7px 12px;
list-style:none}
summary::-webkit-details-marker{display:none}
summary::before{content:"\\25B8";color:var(--muted);width:10px}
details[open]>summary::before{content:"\\25BE"}
details[open]>summary{border-bottom:1px solid var(--line)}
.badge{min-width:42px;text-align:center;color:#fff;font-weight:700;border-radius:6px;
padding:1px 6px;font-variant-numeric:tabular-nums}
.pid{font-weight:700;white-space:nowrap}
.pmeta{color:var(--muted);font-size:13px;flex:0 1 auto;min-width:0;overflow:hidden;
text-overflow:ellipsis;white-space:nowrap}
.pcount{font-size:13px;color:var(--muted);white-space:nowrap}
.pbody{padding:4px 16px 10px}
.parts{display:grid;grid-template-columns:minmax(0,1fr) 300px;gap:4px 28px;align-items:start;
margin-top:8px}
.ptitle{grid-column:1/-1}.ptitle span{color:var(--muted);font-size:13px;margin-left:4px}
.stack{grid-column:1/-1;height:14px;border-radius:3px;margin:2px 0 6px;width:100%}
.ptable td,.ptable th{padding:3px 8px;font-size:13px}
.ptable i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:7px}
.ptable tr.na td{color:var(--muted)}
.pcounts{margin:0;display:grid;grid-template-columns:1fr auto;font-size:13px;
border:1px solid #e7eaef;border-radius:6px;padding:4px 10px}
.pcounts dt{color:var(--muted)}.pcounts dd{margin:0;text-align:right;font-weight:600;
font-variant-numeric:tabular-nums}
.ptable tr.total td{border-top:2px solid #cfd6de;border-bottom:0;font-weight:600}
.ptitle .warn{color:var(--low)}
.tally{font-size:13px;color:var(--muted);margin:2px 0 6px}
.pcodes{display:flex;flex-wrap:wrap;gap:3px;justify-content:flex-end;flex:1 1 50%}
.pcodes .chip{margin:0;font-size:10.5px}
.plevel .sec{color:var(--muted);margin-right:6px}
table.thread{table-layout:fixed}
table.thread td{border:1px solid #e3e7ec;font-size:13px}
table.thread th{border:1px solid #e3e7ec}
.st{padding:1px 0}.st+.st{border-top:1px dashed #dfe3e8;margin-top:4px;padding-top:4px}
.sid{display:inline-block;font-size:10.5px;color:var(--muted);background:#eef1f5;
border-radius:3px;padding:0 4px;margin-right:6px;font-variant-numeric:tabular-nums;
white-space:nowrap}
.how{font-size:11px;color:#6b5ca5;margin-left:6px;white-space:nowrap}
.gap{font-size:12px;color:var(--muted);font-style:italic}
.gap.bad{color:var(--low);font-style:normal;font-weight:600;background:#fbeceb;
border-radius:4px;padding:1px 6px;display:inline-block}
.asp{font-size:13px}.asp ul{margin:2px 0 8px;padding-left:18px}
.chip{display:inline-block;font-size:11px;font-weight:600;border-radius:10px;padding:0 7px;
margin:0 6px 0 4px;background:#eceff3;color:#3a4654;white-space:nowrap;line-height:17px}
.chip.outcome_not_smart,.chip.outcome_not_person_centred{background:#fdecd9;color:#8a4b06}
.chip.provision_not_specific{background:#dcf1ee;color:#11665b}
.chip.need_without_outcome,.chip.outcome_without_provision{background:#fbe3e1;color:#9b2c24}
.chip.statement_misplaced{background:#ebe5f7;color:#55399a}
.chip.no_pfa_outcomes{background:#f9e1ec;color:#8d2c57}
.chip.missing_section{background:#e6ecf1;color:#3e5668}
table.findings td.stmt{width:52%;font-size:13px}
table.findings td{font-size:13px}
.where{font-size:11.5px;color:var(--muted);margin-bottom:1px}
.fd+.fd{margin-top:5px}.fd .chip{margin-left:0}
.plevel{list-style:none;padding:0;margin:2px 0 8px;font-size:13px}.plevel li{margin:3px 0}
.plevel .chip{margin-left:0}
.back{margin:8px 0 0;font-size:12px}
table.errors td{font-size:13px;overflow-wrap:anywhere}
@media (max-width:900px){.charts,.parts{grid-template-columns:1fr}
.pcounts{grid-template-columns:repeat(4,auto 4em);column-gap:10px}}
@media print{
@page{size:A4;margin:12mm}
*{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{background:#fff;font-size:9.5pt}
header.top{background:none;color:#000;padding:0}.meta{color:#444}nav,.back{display:none}
main{max-width:none;padding:0}
.scroll{max-height:none;overflow:visible;border:none}.scroll th{position:static}
details::details-content{content-visibility:visible;display:block}
summary::before{content:none}
.plan{border:0;border-top:2px solid var(--head);border-radius:0;margin:10px 0}
.panel,.card,tr{break-inside:avoid}h2,h3,summary{break-after:avoid}
.charts{grid-template-columns:1fr 1fr}
table.plans th,table.plans td{padding:3px 4px;font-size:8pt;letter-spacing:0}
table.plans th{font-size:7pt}
.sbar{display:none}
}
"""


__all__ = ["render_report"]
