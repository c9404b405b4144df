"""Rich rendering of results: tables a caseworker reads at a glance."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ehcp_nlp import labels
from ehcp_nlp.features import COMPONENTS
from ehcp_nlp.results import StatementScore


def _yes_no(value: bool | None, probability: float) -> str:
    if value is None:
        return f"[dim]({probability:.0%})[/dim]"
    mark = "[green]yes[/green]" if value else "[red]no[/red]"
    return f"{mark} {probability:.0%}"


def _hedged(label: str, probability: float) -> str:
    """A label with its confidence; ``uncertain`` alone when the model would only guess."""
    if label == labels.UNCERTAIN:
        return "[dim]uncertain[/dim]"
    return f"{label} {probability:.0%}"


def render_scores(console: Console, results: list[StatementScore]) -> None:
    """Each statement, then one line of verdicts, then its findings with suggestions.

    A vertical layout reads at any terminal width, which a wide table does not.
    """
    for n, r in enumerate(results, start=1):
        letters = " ".join(
            f"{name[0].upper()}{'[green]✓[/green]' if c.met else '[red]✗[/red]'}"
            for name, c in r.criteria.items()
        )
        console.print(f"[bold]{n}.[/bold] {r.text}", highlight=False)
        verdict = ""
        if r.role == "outcome":
            verdict = f" · SMART {_yes_no(r.smart, r.smart_probability)} ({letters})"
        elif r.role == "provision":
            stated = " ".join(
                f"{part.replace('_', ' ')}{'[green]✓[/green]' if present else '[red]✗[/red]'}"
                for part, present in r.provision_parts.items())
            kind = f" {r.provision_kind}" if r.provision_kind else ""
            verdict = (f" · specified{kind} {_yes_no(r.specified, r.specified_probability)}"
                       f" ({stated})")
        console.print(
            f"   [bold]{r.type}[/bold] {r.probabilities[r.type]:.0%}{verdict}"
            f" · area {_hedged(r.area, r.area_probability)}"
            f" · PfA {_hedged(r.pfa, r.pfa_probability)}",
            highlight=False,
        )
        for finding in r.findings:
            console.print(f"   [yellow]{finding.code}[/yellow]: {finding.message}",
                          highlight=False)
            console.print(f"   [cyan]suggestion[/cyan]: {finding.suggestion}", highlight=False)
        for warning in r.warnings:
            console.print(f"   [magenta]warning[/magenta]: {warning}", highlight=False)


def render_explanation(console: Console, result: StatementScore) -> None:
    """Each score's logit split into bias and component contributions (log-odds)."""
    table = Table(title=f"why: {result.text[:70]}", show_lines=True)
    table.add_column("score")
    table.add_column("label")
    table.add_column("logit", justify="right")
    table.add_column("bias", justify="right")
    table.add_column("contributions (log-odds), largest first", ratio=1)
    for name, c in result.contributions.items():
        parts = sorted(((v, k) for k, v in c.components.items() if abs(v) >= 0.005),
                       key=lambda item: -abs(item[0]))
        text = ", ".join(
            f"[{'green' if v > 0 else 'red'}]{COMPONENTS.get(k, k)} {v:+.2f}[/]" for v, k in parts
        )
        if c.top_features:
            words = [f"{feature} {value:+.2f}" for component in ("words", "chars")
                     for feature, value in c.top_features.get(component, [])[:2]]
            if words:
                text += f"\n[dim]top words: {', '.join(words)}[/dim]"
        table.add_row(name, c.label, f"{c.logit:+.2f}", f"{c.bias:+.2f}", text)
    console.print(table)
    if result.evidence:
        spans = "; ".join(f"{e.component}.{e.label}: '{e.text}'" for e in result.evidence)
        console.print(f"[dim]evidence[/dim] {spans}")
