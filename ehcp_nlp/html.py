"""Scores as one self-contained HTML page, evidence marked with spaCy's displaCy.

``ehcp score --html out.html`` writes it: each statement with its evidence spans drawn by
displaCy's span visualiser (``style="span"``), the verdicts that apply, why each came out as
it did (:mod:`ehcp_nlp.reasons`), and the findings with their suggestions and rewrites.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape

from ehcp_nlp.reasons import AREA_WORDS, reasons
from ehcp_nlp.results import StatementScore

#: Span labels as displaCy shows them, by evidence family.
SPAN_LABELS = {"time_frame": "TIME FRAME", "measure": "MEASURE", "provision": "AMOUNT",
               "vague": "VAGUE", "hedge": "HEDGE", "absolute": "ABSOLUTE",
               "perspective": "WHO", "modality": "MODAL", "markers": "MARKER"}
#: Their colours (displaCy's ``colors`` option).
SPAN_COLOURS = {"TIME FRAME": "#9bd3f0", "MEASURE": "#a8e6a1", "AMOUNT": "#a8e6a1",
                "VAGUE": "#f5a3a3", "HEDGE": "#f5a3a3", "ABSOLUTE": "#e3b3f0",
                "WHO": "#c7c7f5", "MODAL": "#dddddd", "MARKER": "#f5e6a3"}

_CSS = """body{font:15px/1.5 system-ui,sans-serif;max-width:980px;margin:24px auto;color:#1d2733}
h1{font-size:22px}.st{border:1px solid #d9dee5;border-radius:6px;padding:12px 16px;margin:16px 0}
.v{color:#333;margin:6px 0}.why li{margin:2px 0}.for{color:#1e6b3a}.against{color:#9b2c2c}
.finding{background:#fff7e6;padding:6px 10px;border-radius:4px;margin:6px 0}
.rewrite{font-family:ui-monospace,monospace;background:#f4f6f9;padding:4px 8px}"""


def spans_html(nlp, text: str, evidence) -> str:
    """A statement with its evidence spans drawn by displaCy's span visualiser.

    ``evidence`` holds :class:`~ehcp_nlp.results.Evidence` (or anything with ``component``,
    ``start`` and ``end``); the statement's tokens come from ``nlp``'s tokenizer.
    """
    from spacy import displacy
    from spacy.tokens import Span

    doc = nlp.make_doc(text)
    spans, taken = [], set()
    for e in evidence:
        span = doc.char_span(e.start, e.end, alignment_mode="expand")
        label = SPAN_LABELS.get(e.component)
        if span is None or label is None or (span.start, span.end, label) in taken:
            continue
        taken.add((span.start, span.end, label))
        spans.append(Span(doc, span.start, span.end, label=label))
    if not spans:  # nothing to draw: the statement as it is
        return f'<div class="spans">{escape(text)}</div>'
    doc.spans["sc"] = spans
    return displacy.render(doc, style="span", page=False, jupyter=False,
                           options={"colors": SPAN_COLOURS})


def evidence_html(nlp, texts: list[str]) -> dict[str, str]:
    """Statement -> its HTML with the rules' evidence marked, for a batch of statements.

    ``nlp`` is a scorer's pipeline (:attr:`ehcp_nlp.Scorer.nlp`): the rules run on each
    statement as when it was scored; no model is needed.
    """
    from ehcp_nlp.model.scorer import _evidence
    from ehcp_nlp.nlp.tokens import process

    out = {}
    for text, statement in zip(texts, process(nlp, texts), strict=True):
        evidence, _ = _evidence(statement)
        out[text] = spans_html(nlp, text, evidence)
    return out


def statement_html(nlp, result: StatementScore) -> str:
    """One statement: its evidence drawn by displaCy, verdicts, reasons and findings."""
    drawn = spans_html(nlp, result.text, result.evidence)
    parts = [f'<div class="st">{drawn}', f'<p class="v">{escape(_verdicts(result))}</p>']
    found = reasons(result)
    if found:
        items = []
        for reason in found:
            towards = "; ".join(str(p) for p in reason.towards)
            against = "; ".join(str(p) for p in reason.against)
            items.append(f"<li><b>{escape(reason.verdict)}</b>"
                         + (f': <span class="for">{escape(towards)}</span>' if towards else "")
                         + (f' <span class="against">(against: {escape(against)})</span>'
                            if against else "") + "</li>")
        parts.append('<ul class="why">' + "".join(items) + "</ul>")
    for finding in result.findings:
        parts.append(f'<div class="finding"><b>{escape(finding.code)}</b>: '
                     f"{escape(finding.message)}<br>{escape(finding.suggestion)}"
                     + (f'<div class="rewrite">{escape(finding.rewrite)}</div>'
                        if finding.rewrite else "") + "</div>")
    return "".join(parts) + "</div>"


def page_html(nlp, results: Sequence[StatementScore], title: str = "EHCP statements") -> str:
    """A self-contained page (no network) of every statement; see :func:`statement_html`."""
    body = "\n".join(statement_html(nlp, r) for r in results)
    when = datetime.now().astimezone().strftime("%d %B %Y, %H:%M")
    return ('<!DOCTYPE html>\n<html lang="en-GB"><head><meta charset="utf-8">'
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "style-src 'unsafe-inline'\">"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>"
            f"<h1>{escape(title)}</h1><p>Scored {escape(when)}. Evidence marked by spaCy's "
            "displaCy; why each verdict came out as it did below each statement.</p>"
            f"{body}</body></html>\n")


def _verdicts(r: StatementScore) -> str:
    out = [f"{r.type} ({r.probabilities[r.type]:.0%})"]
    if r.role == "outcome":
        out.append(f"SMART: {'yes' if r.smart else 'no'} ({r.smart_probability:.0%})")
    elif r.role == "provision":
        kind = f", {r.provision_kind}" if r.provision_kind else ""
        out.append(f"specified: {'yes' if r.specified else 'no'} "
                   f"({r.specified_probability:.0%}{kind})")
    area = AREA_WORDS.get(r.area, r.area.replace("_", " "))
    out.append(f"area: {area}" + ("" if r.area == "uncertain" else
                                  f" ({r.area_probability:.0%} sure)"))
    out.append(f"PfA: {r.pfa.replace('_', ' ')}" + ("" if r.pfa == "uncertain" else
                                                  f" ({r.pfa_probability:.0%} sure)"))
    return " · ".join(out)
