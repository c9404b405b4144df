"""report.html: well formed, self-contained, escaped, complete; and a look in Chromium."""

import math
import re
from html import escape
from html.parser import HTMLParser

import pandas as pd
import pytest
from render_report import chromium, png_summary, screenshot

from ehcp_nlp.bulk.report import OPEN_UP_TO, render_report

WEIGHTS = {"smart": 0.3, "specified": 0.25, "thread": 0.2, "placement": 0.1,
           "sections": 0.1, "pfa": 0.05}
NASTY = 'Sam\'s "target": <script>alert("x & y")</script> & 5 < 6'
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


def _statement(plan_id, order, section, kind, text, **scores):
    row = {"plan_id": plan_id, "statement_id": f"{plan_id}-{order:04d}", "order": order,
           "section": section, "heading": f"Section {section}",
           "location": f"{plan_id}.docx, paragraph {order + 1}", "text": text, "type": kind,
           "p_aspiration": 0.0, "p_need": 0.0, "p_outcome": 0.0, "p_provision": 0.0,
           "smart": None, "specified": None, "area": "cognition_learning", "pfa": "none",
           "findings": ""}
    row[f"p_{kind}"] = 0.9
    if kind == "outcome":
        row.update(smart=True, specific=True, measurable=True, achievable=True, realistic=True,
                   time_bound=True)
    if kind == "provision":
        row["specified"] = True
    row.update(scores)
    return row


def _plan(plan_id, statements, findings, score, **parts):
    """The plan's row as the checks make it: outcomes and provision in their own sections."""
    outcomes = [s for s in statements if s["type"] == "outcome" and s["section"] in "E"]
    provision = [s for s in statements if s["type"] == "provision" and s["section"] in "FGH"]
    return {"plan_id": plan_id, "file": f"{plan_id}.docx", "year_group": parts.pop("year", None),
            "age": parts.pop("age", None), "statements": len(statements),
            "aspirations": sum(s["type"] == "aspiration" for s in statements),
            "needs": sum(s["type"] == "need" for s in statements),
            "outcomes": len(outcomes), "provision": len(provision),
            "smart_rate": sum(bool(s["smart"]) for s in outcomes) / len(outcomes),
            "specified_rate": sum(bool(s["specified"]) for s in provision) / len(provision),
            "findings": len(findings), "score": score,
            **{f"part_{name}": value for name, value in parts.items()}}


def _finding(statement, code, message):
    return {"plan_id": statement["plan_id"], "code": code, "section": statement["section"],
            "statement_id": statement["statement_id"], "statement": statement["text"],
            "location": statement["location"], "message": message}


def _plan_finding(plan_id, code, section, message):
    return {"plan_id": plan_id, "code": code, "section": section, "statement_id": "",
            "statement": "", "location": f"{plan_id}.docx", "message": message}


def _link(need, outcome, provision, how="table row", similarity=1.0):
    return {"plan_id": (need or outcome)["plan_id"],
            "need_id": need["statement_id"] if need else "",
            "outcome_id": outcome["statement_id"] if outcome else "",
            "provision_id": provision["statement_id"] if provision else "",
            "need_link": how if need else "",
            "need_similarity": similarity if need and "similar" in how else None,
            "provision_link": how if provision else "",
            "provision_similarity": similarity if provision and "similar" in how else None}


@pytest.fixture(scope="module")
def tables():
    """Three plans: a weak Year 10 plan, a good one with no findings, one with HTML in it."""
    s = _statement
    weak = [
        s("P1", 0, "A", "aspiration", "I want to work with animals & be a vet."),
        s("P1", 1, "B", "need", "Reads at a Year 4 level and finds long texts hard.",
          area="cognition_learning"),
        s("P1", 2, "B", "need", "Becomes anxious in busy corridors.", area="semh"),
        s("P1", 3, "E", "outcome", "By July, Jo will read a 300-word text aloud with 95% "
          "accuracy."),
        s("P1", 4, "E", "outcome", "Jo will be happier.", smart=False, specific=False,
          measurable=False, time_bound=False, area="semh"),
        s("P1", 5, "E", "outcome", "Staff will ensure Jo is calm.", smart=False,
          realistic=False),
        s("P1", 6, "F", "provision", "Three 20-minute reading sessions a week with a TA."),
        s("P1", 7, "F", "provision", "Access to support as needed.", specified=False),
        s("P1", 8, "F", "outcome", "Jo will catch the bus by Easter.", p_provision=0.05),
        *[s("P1", 9 + i, "B", "need", f"Further need {i} about spelling.") for i in range(4)],
    ]
    good = [
        s("P2", 0, "A", "aspiration", "I want to play football for the school."),
        *[s("P2", 1 + i, "B", "need", f"Need {i}: speech is hard to understand.",
            area="communication_interaction") for i in range(4)],
        *[s("P2", 5 + i, "E", "outcome", f"By the end of Year 5, outcome {i} is met 4 times "
            "in 5.", area="communication_interaction") for i in range(4)],
        *[s("P2", 9 + i, "F", "provision", f"Weekly 30-minute session {i} with the SALT.",
            area="communication_interaction") for i in range(4)],
    ]
    odd = [
        s("P3", 0, "", "need", NASTY),
        s("P3", 1, "E", "outcome", "Ali will <b>try</b> his best.", smart=False,
          achievable=False, area="sensory_physical"),
        s("P3", 2, "G", "provision", "Physio & OT \"as required\".", specified=False,
          area="sensory_physical"),
        s("P3", 3, "G", "provision", "Hydrotherapy for 45 minutes every week, delivered by "
          "the physiotherapist.", area="sensory_physical"),
    ]
    statements = weak + good + odd
    findings = [
        _finding(weak[2], "need_without_outcome", "No outcome meets this need."),
        _finding(weak[4], "outcome_not_smart",
                 "Not a SMART outcome: not specific, not measurable, no time frame."),
        _finding(weak[4], "outcome_without_provision", "No provision serves this outcome."),
        _finding(weak[5], "outcome_not_person_centred",
                 "Written from a service's perspective."),
        _finding(weak[7], "provision_not_specific",
                 "Provision not specified: missing who, how often."),
        _finding(weak[8], "statement_misplaced",
                 "Section F holds provision statements, but this reads as an outcome."),
        _plan_finding("P1", "no_pfa_outcomes", "E",
                      "From Year 9 outcomes must prepare for adulthood, and this plan has none."),
        *[_plan_finding("P1", "missing_section", x, f"The plan has no Section {x}.")
          for x in "IJK"],
        _finding(odd[0], "need_without_outcome", "No outcome meets <this> need & more."),
        _finding(odd[1], "outcome_not_smart", "Not a SMART outcome: not achievable."),
        _finding(odd[2], "provision_not_specific", 'Missing "how often" & how long.'),
    ]
    links = [
        _link(weak[1], weak[3], weak[6]),
        _link(None, weak[5], None),
        *[_link(good[1 + i], good[5 + i], good[9 + i], "area and similarity", 0.41 + i / 100)
          for i in range(4)],
        _link(None, odd[1], odd[3], "area and similarity", 0.35),
    ]
    plans = pd.DataFrame([
        _plan("P1", weak, findings[:10], 46.8, year=10, smart=1 / 3, specified=0.5,
              thread=0.4, placement=0.9, sections=8 / 11, pfa=0.0),
        _plan("P2", good, [], 100.0, year=4, smart=1.0, specified=1.0, thread=1.0,
              placement=1.0, sections=1.0, pfa=math.nan),
        _plan("P3", odd, findings[10:], 38.2, smart=0.0, specified=0.5, thread=0.5,
              placement=1.0, sections=math.nan, pfa=math.nan),
    ])
    errors = pd.DataFrame([{"file": "broken <1>.docx", "location": "",
                            "reason": "not a DOCX file: <zip> header missing & unreadable"}])
    return {"statements": pd.DataFrame(statements), "findings": pd.DataFrame(findings),
            "links": pd.DataFrame(links), "plans": plans, "errors": errors}


@pytest.fixture(scope="module")
def page(tables):
    return render_report(**tables, generated="22 November 2026, 10:00", weights=WEIGHTS)


class _Balance(HTMLParser):
    """Records every unbalanced tag and every resource reference."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.problems, self.tags, self.references = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.references += [(tag, k, v) for k, v in attrs if k in ("src", "href", "srcset",
                                                                    "xlink:href", "action")]
        if tag not in VOID:
            self.stack.append((tag, self.getpos()))

    def handle_startendtag(self, tag, attrs):
        self.tags.append(tag)
        self.references += [(tag, k, v) for k, v in attrs if k in ("src", "href")]

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.problems.append(f"</{tag}> at {self.getpos()} closes "
                                 f"{self.stack[-1] if self.stack else 'nothing'}")
            return
        self.stack.pop()


def _parse(page):
    parser = _Balance()
    parser.feed(page)
    parser.close()
    return parser


def _text_between(page, start, end):
    return page[page.index(start):page.index(end, page.index(start))]


def test_page_is_well_formed(page):
    assert page.startswith("<!DOCTYPE html>")
    parser = _parse(page)
    assert parser.problems == []
    assert parser.stack == []
    assert parser.tags.count("html") == parser.tags.count("body") == 1
    ids = re.findall(r' id="([^"]+)"', page)
    assert len(ids) == len(set(ids))
    for target in re.findall(r'href="#([^"]+)"', page):
        assert target in ids


def test_page_loads_nothing_from_the_network(page):
    assert "http://" not in page and "https://" not in page
    assert "url(" not in page and "@import" not in page
    parser = _parse(page)
    assert not {"script", "link", "img", "iframe", "object", "embed", "image"} & set(parser.tags)
    assert all(value.startswith("#") for _, _, value in parser.references)
    assert "Content-Security-Policy" in page and "default-src 'none'" in page


def test_text_is_escaped(page):
    assert "<script>" not in page and "<b>try</b>" not in page
    assert escape(NASTY) in page
    assert "Ali will &lt;b&gt;try&lt;/b&gt; his best." in page
    assert "No outcome meets &lt;this&gt; need &amp; more." in page
    assert "&lt;zip&gt; header missing &amp; unreadable" in page
    assert 'Physio &amp; OT &quot;as required&quot;.' in page


def test_every_plan_and_every_finding_is_shown(page, tables):
    parts = _text_between(page, 'id="plan-parts"', 'id="errors"')
    for plan_id in tables["plans"]["plan_id"]:
        assert f'<span class="pid">{plan_id}</span>' in parts
    for finding in tables["findings"].to_dict("records"):
        plan = parts[parts.index(f'<span class="pid">{finding["plan_id"]}</span>'):]
        plan = plan[:plan.find("</section>")]
        assert escape(finding["message"]) in plan
    shown = parts.count('<div class="fd">') + len(re.findall(r"<ul class=\"plevel\">(.*?)</ul>",
                                                                parts))
    statement_findings = (tables["findings"]["statement_id"] != "").sum()
    assert parts.count('<div class="fd">') == statement_findings
    assert shown >= statement_findings
    for code in tables["findings"]["code"].unique():
        assert f'class="chip {code}"' in parts


def test_findings_sit_beside_their_statement(page):
    parts = _text_between(page, 'id="plan-parts"', 'id="errors"')
    p1 = _text_between(parts, '<span class="pid">P1</span>', "</section>")
    table = _text_between(p1, '<table class="findings">', "</table>")
    row = next(r for r in table.split("<tr>") if "Jo will be happier" in r)
    assert "Section E" in row and "P1.docx, paragraph 5" in row and "Jo will be happier." in row
    assert "Not a SMART outcome: not specific" in row
    assert "No provision serves this outcome." in row


def test_overview_has_inline_svg_charts(page):
    overview = _text_between(page, 'id="overview"', 'id="plans"')
    assert overview.count("<svg") >= 6
    assert "Plan scores" in overview and "Most common findings" in overview
    assert "SMART rate by area of need" in overview and "SMART rate by stage" in overview
    assert "Specified provision by area of need" in overview
    most_common = _text_between(overview, "Most common findings", "</figure>")
    assert "Outcome not SMART" in most_common and ">2<" in most_common  # count beside the bar
    assert "Social, emotional, mental health" in overview  # area names, not codes
    assert "Secondary" in overview and "Primary" in overview  # stage from the year group


def test_plans_are_listed_lowest_score_first(page):
    table = _text_between(page, '<table class="plans">', "</table>")
    assert re.findall(r'<a href="#plan-\d+">(P\d)</a>', table) == ["P3", "P1", "P2"]
    assert 'href="#plan-1">P3' in table


def test_score_parts_show_weights_and_what_they_contribute(page):
    parts = _text_between(page, 'id="plan-parts"', 'id="errors"')
    p1 = _text_between(parts, '<span class="pid">P1</span>', "</section>")
    assert "Score 46.8" in p1 and "= the points of the parts that apply" in p1
    assert "<b>10.0</b>" in p1  # SMART: 1/3 of 30 points (all weights apply)
    assert '<td class="num">0.25</td><td class="num">25.0</td>' in p1
    total = re.search(r'<tr class="total">.*?<b>([\d.]+)</b>', p1).group(1)
    assert total == "46.8"
    p3 = _text_between(parts, '<span class="pid">P3</span>', "</section>")
    assert p3.count("does not apply") == 2  # NaN parts: sections and pfa
    assert '<td class="num">35.3</td>' in p3  # smart's share of 0.85 is 35.3%
    assert "Score 38.2" in p3 and "= the points of the parts that apply" in p3


def test_a_score_that_its_parts_do_not_explain_is_pointed_out(tables):
    plans = tables["plans"].assign(score=[46.8, 100.0, 52.9])
    page = render_report(**{**tables, "plans": plans}, weights=WEIGHTS)
    assert "but its parts add up to 38.2 with these weights" in page


def test_golden_thread_flags_what_is_not_linked(page):
    parts = _text_between(page, 'id="plan-parts"', 'id="errors"')
    p1 = _text_between(parts, '<span class="pid">P1</span>', "</section>")
    thread = _text_between(p1, '<table class="thread">', "</table>")
    assert thread.count("✗ no outcome meets this need") == 1
    assert thread.count("not linked to an outcome") == 4  # the needs with no finding
    assert "✗ no provision serves this outcome" in thread
    assert "table row" in thread
    assert "1 of 6 needs met by an outcome" in p1
    p2 = _text_between(parts, '<span class="pid">P2</span>', "</section>")
    assert "✗" not in p2 and "heuristic: similar wording 0.41" in p2
    assert "No findings for this plan." in p2


def test_errors_are_listed_at_the_end(page):
    errors = page[page.index('id="errors"'):]
    assert "Errors (1)" in errors and "broken &lt;1&gt;.docx" in errors


def test_missing_columns_and_empty_tables_still_render():
    statements = pd.DataFrame({"plan_id": ["X"], "statement_id": ["X-0000"],
                               "text": ["Kai finds reading hard."], "type": ["need"]})
    page = render_report(statements, pd.DataFrame(), pd.DataFrame(),
                         pd.DataFrame(columns=["plan_id", "file", "score"]), pd.DataFrame(),
                         title="Empty & odd", generated="now")
    parser = _parse(page)
    assert parser.problems == [] and parser.stack == []
    assert "<title>Empty &amp; odd</title>" in page and "Kai finds reading hard." in page
    assert "Every input was read." in page and "no score" in page


def test_many_plans_start_closed(tables):
    many = pd.DataFrame([{"plan_id": f"Q{i}", "file": "", "score": float(i)}
                         for i in range(OPEN_UP_TO + 1)])
    page = render_report(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), many, pd.DataFrame(),
                         weights=WEIGHTS)
    assert "<details open>" not in page and page.count("<details>") == OPEN_UP_TO + 1


@pytest.mark.skipif(chromium() is None, reason="no chromium binary")
def test_page_renders_in_chromium(page, tmp_path):
    html = tmp_path / "report.html"
    html.write_text(page, encoding="utf-8")
    png = screenshot(html, tmp_path / "report.png")
    summary = png_summary(png)
    assert (summary["width"], summary["height"]) == (1280, 2000)
    assert summary["bytes"] > 20_000 and summary["distinct_bytes"] > 100
    header = (0x1F, 0x3A, 0x5F)  # the page header's colour: the style sheet was applied
    assert header in summary["top_colours"]
    assert len(summary["top_colours"]) > 20  # text is drawn (anti-aliased), not a flat fill


def test_only_the_lowest_scoring_plans_get_parts(tables, monkeypatch):
    from ehcp_nlp.bulk import report

    monkeypatch.setattr(report, "PLANS_SHOWN", 2)
    html = render_report(**tables)
    assert html.count('class="plan" id=') == 2
    assert "1 more are in plans.csv" in html


def test_overview_rates_count_the_outcomes_and_provision_the_plans_count(page, tables):
    """An outcome written in Section F is a misplaced statement, not one of the outcomes."""
    plans = tables["plans"]
    outcomes = int(plans["outcomes"].sum())
    smart = round(float((plans["smart_rate"] * plans["outcomes"]).sum()))
    assert (outcomes, smart) == (8, 5)  # the F-section outcome of P1 is not among them
    assert f"{smart} of {outcomes} outcomes" in page
    provision = int(plans["provision"].sum())
    specified = round(float((plans["specified_rate"] * plans["provision"]).sum()))
    assert f"{specified} of {provision} provision" in page
