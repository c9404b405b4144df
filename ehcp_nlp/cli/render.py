"""Rich rendering of results: tables a caseworker reads at a glance."""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape as _escape

from ehcp_nlp import labels
from ehcp_nlp.results import StatementScore
from ehcp_nlp.safe import terminal_safe


def escape(text: str) -> str:
    """Text for the console: no control sequences, no Rich markup."""
    return _escape(terminal_safe(text))


def _yes_no(value: bool | None, probability: float) -> str:
    if value is None:
        return f"[dim]({probability:.0%})[/dim]"
    mark = "[green]yes[/green]" if value else "[red]no[/red]"
    return f"{mark} {probability:.0%}"


def _hedged(label: str, probability: float) -> str:
    """A label with its confidence; ``uncertain`` alone when the model would only guess."""
    if label == labels.UNCERTAIN:
        return "[dim]uncertain[/dim]"
    return f"{label} ({probability:.0%} sure)"


def render_scores(console: Console, results: list[StatementScore], *,
                  explain: bool = False) -> None:
    """Each statement, then the verdicts that apply, findings and suggestions, and why.

    One line of verdicts (SMART for an outcome, specified and the parts its kind needs for
    provision), its findings with suggestions and, with ``explain``, why each verdict came
    out as it did. A vertical layout reads at any terminal width, which a wide table does not.
    """
    for n, r in enumerate(results, start=1):
        console.print(f"[bold]{n}.[/bold] {escape(r.text)}", highlight=False)
        verdicts = [f"[bold]{r.type}[/bold] {r.probabilities[r.type]:.0%}"]
        if r.role == "outcome":
            letters = " ".join(
                f"{name[0].upper()}{'[green]✓[/green]' if c.met else '[red]✗[/red]'}"
                for name, c in r.criteria.items())
            verdicts.append(f"SMART {_yes_no(r.smart, r.smart_probability)} ({letters})")
        elif r.role == "provision":
            needs, groups = labels.parts_needed(r.provision_kind)
            wanted = [*needs, *(p for group in groups for p in group)]
            stated = " ".join(
                labels.PART_WORDS[part] + _tick(r.provision_parts[part])
                for part in dict.fromkeys(wanted) if part in r.provision_parts)
            kind = f"{r.provision_kind}: " if r.provision_kind else ""
            verdicts.append(f"specified {_yes_no(r.specified, r.specified_probability)}"
                            f" ({kind}{stated})")
        verdicts.append(f"area {_hedged(_area(r.area), r.area_probability)}")
        verdicts.append(f"PfA {_hedged(r.pfa.replace('_', ' '), r.pfa_probability)}")
        console.print("   " + " · ".join(verdicts), highlight=False)
        for finding in r.findings:
            console.print(f"   [yellow]{finding.code}[/yellow]: {escape(finding.message)}",
                          highlight=False)
            console.print(f"   [cyan]suggestion[/cyan]: {escape(finding.suggestion)}",
                          highlight=False)
            if finding.rewrite:
                console.print(f"   [cyan]rewrite[/cyan]: {escape(finding.rewrite)}",
                              highlight=False)
        for warning in r.warnings:
            console.print(f"   [magenta]warning[/magenta]: {escape(warning)}", highlight=False)
        if explain:
            render_explanation(console, r)


def _tick(present: bool) -> str:
    return "[green]✓[/green]" if present else "[red]✗[/red]"


def _area(area: str) -> str:
    from ehcp_nlp.reasons import AREA_WORDS

    return AREA_WORDS.get(area, area.replace("_", " "))


def render_explanation(console: Console, result: StatementScore) -> None:
    """Why each verdict that applies came out as it did, in words, evidence highlighted.

    The statement is printed with its evidence marked (coloured in a terminal, in [brackets]
    when piped); then a line a verdict: what pushed it that way, and what pushed against.
    The numbers behind it are in ``--json``.
    """
    from rich.text import Text

    from ehcp_nlp.reasons import reasons

    found = reasons(result)
    if not found:
        return
    spans = sorted({(e.start, e.end, e.component) for r in found for e in r.spans})
    plain = not console.is_terminal
    text = Text("   ")
    cursor = 0
    for start, end, component in _outermost(spans):
        text.append(terminal_safe(result.text[cursor:start]))
        piece = terminal_safe(result.text[start:end])
        text.append(f"[{piece}]" if plain else piece, style=SPAN_STYLES.get(component, "bold"))
        cursor = end
    text.append(terminal_safe(result.text[cursor:]))
    console.print("   [bold]why[/bold] (evidence marked; numbers in --json):", highlight=False)
    console.print(text, highlight=False)
    for reason in found:
        line = Text(f"   · {reason.verdict}")
        if reason.towards:
            line.append(": ")
            line.append(terminal_safe("; ".join(str(p) for p in reason.towards)),
                        style="green")
        if reason.against:
            line.append("  against: ")
            line.append(terminal_safe("; ".join(str(p) for p in reason.against)), style="red")
        console.print(line, highlight=False)


#: How each kind of evidence is marked in a terminal.
SPAN_STYLES = {"time_frame": "bold cyan", "measure": "bold green", "provision": "bold green",
               "vague": "bold red", "hedge": "bold red", "absolute": "bold magenta",
               "perspective": "bold blue", "modality": "bold", "markers": "bold yellow"}


def _outermost(spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Spans that do not overlap an earlier one (the first of overlapping spans wins)."""
    out: list[tuple[int, int, str]] = []
    for start, end, component in spans:
        if out and start < out[-1][1]:
            continue
        out.append((start, end, component))
    return out
