"""The terminal's `--details`: every cause with its evidence, every probe's row, the facts for support.

The short answer (`reports.text`) follows it; everything here also stays in the report.
Remote text (page text, certificate names, status-page components) goes through `clean`.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from reports import timefmt
from reports.models import Cause, Report
from reports.sanitize import clean
from reports.words import label

PROBE_STYLE = {"pass": "green", "warn": "yellow", "fail": "red", "skip": "dim", "error": "magenta",
               "timeout": "magenta"}


def _cause_panel(number: int, cause: Cause) -> Panel:
    body = Text()
    if cause.summary:
        body.append(clean(cause.summary) + "\n")
    for item in cause.evidence[:6]:
        body.append("  • ", style="dim")
        body.append(clean(item) + "\n")
    if cause.explained_by:
        body.append(f"A consequence of {cause.explained_by}.\n", style="dim")
    title = Text(f"{number}. {cause.title}  ")
    title.append(f"({cause.id}, {cause.severity}, confidence {cause.confidence:.0%})", style="dim")
    style = "red" if cause.severity == "critical" else "yellow"
    return Panel(body, title=title, title_align="left", border_style=style)


def render_details(report: Report, console: Console) -> None:
    """Print the causes with their evidence, the probe table and the support facts."""
    for number, cause in enumerate(report.causes, 1):
        console.print(_cause_panel(number, cause))
    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("probe", "status", "time", "summary"):
        table.add_column(column, justify="right" if column == "time" else "left")
    for probe in report.probes:
        summary = probe.summary
        if probe.reason and probe.status != "pass" and probe.reason not in summary:
            summary = f"{summary} ({probe.reason})"
        table.add_row(probe.name, Text(probe.status, style=PROBE_STYLE.get(probe.status, "")),
                      f"{probe.duration_ms} ms", Text(clean(summary)))
    console.print(table)
    console.print(Panel(Group(*map(Text, support_facts(report))), title="For support", title_align="left",
                        border_style="dim"))


def support_facts(report: Report) -> list[str]:
    """The ticket's facts as lines: when (local, zone named), where, which browser, what was seen."""
    support = report.support
    facts = [
        f"When: {timefmt.when(report.started_at)}",
        f"Run: {report.run_id}" if report.run_id else "",
        f"Workstation: {report.workstation.hostname}, {support.os}",
    ]
    if support.browser:
        facts.append(f"Browser: {support.browser.get('name', '?')} {support.browser.get('version', '')}".rstrip())
    if support.user_id:
        facts.append(f"User: {support.user_id}")
    facts += [f"Error seen: \"{clean(text)}\"" for text in support.error_text[:5]]
    if support.screenshot:
        facts.append(f"Screenshot ({support.screenshot_step or 'browser'}): {support.screenshot}")
    facts += [f"{label(key)}: {value}" for key, value in support.identifiers.items()]
    if support.identifiers_missing:
        facts.append("Have ready (not given to this run): " + ", ".join(label(i) for i in support.identifiers_missing))
    facts += [f"Portal support {key}: {clean(value)}" for key, value in support.contact.items()]
    return [fact for fact in facts if fact]
