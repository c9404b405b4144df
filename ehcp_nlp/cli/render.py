"""Rich rendering of results: tables a caseworker reads at a glance."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ehcp_nlp.features import COMPONENTS
from ehcp_nlp.results import StatementScore


def _yes_no(value: bool | None, probability: float) -> str:
    if value is None:
        return f"[dim]({probability:.0%})[/dim]"
    mark = "[green]yes[/green]" if value else "[red]no[/red]"
    return f"{mark} {probability:.0%}"


def render_scores(console: Console, results: list[StatementScore]) -> None:
    """One row per statement, then each statement's findings and suggestions."""
    table = Table(show_lines=True, title="ehcp score")
    table.add_column("#", justify="right")
    table.add_column("statement", max_width=60)
    table.add_column("type")
    table.add_column("SMART")
    table.add_column("S M A R T")
    table.add_column("quantified")
    table.add_column("area")
    table.add_column("PfA")
    for n, r in enumerate(results, start=1):
        letters = " ".join(
            ("[green]✓[/green]" if c.met else "[red]✗[/red]") for c in r.criteria.values()
        )
        table.add_row(
            str(n), r.text, f"{r.type} {r.probabilities[r.type]:.0%}",
            _yes_no(r.smart, r.smart_probability), letters,
            _yes_no(r.quantified, r.quantified_probability), r.area, r.pfa,
        )
    console.print(table)
    for n, r in enumerate(results, start=1):
        for finding in r.findings:
            console.print(f"[bold]{n}[/bold] [yellow]{finding.code}[/yellow]: {finding.message}")
            console.print(f"   [cyan]suggestion[/cyan]: {finding.suggestion}")
        for warning in r.warnings:
            console.print(f"[bold]{n}[/bold] [magenta]warning[/magenta]: {warning}")


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
