"""The terminal rendering: the answer first (ranked causes, what to do), then the probes, then support facts."""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from reports.models import Cause, Report
from reports.words import STATUS_WORDS

STATUS_STYLE = {
    "ok": "bold green", "warning": "bold yellow", "critical": "bold red", "unknown": "bold magenta",
    "pass": "green", "warn": "yellow", "fail": "red", "skip": "dim", "error": "magenta", "timeout": "magenta",
}


IDENTIFIER_LABELS = {"provider_id": "Provider ID", "npi": "NPI", "tax_id": "Tax ID", "practice_name": "Practice name"}


def label(identifier: str) -> str:
    return IDENTIFIER_LABELS.get(identifier, identifier.replace("_", " ").capitalize())


def probe_line(name: str, status: str, duration_ms: int, summary: str) -> Text:
    """One probe as one line; used live while the run goes and in the final table."""
    line = Text()
    line.append(f"{name:<12}", style="bold")
    line.append(f"{status:<8}", style=STATUS_STYLE.get(status, ""))
    line.append(f"{duration_ms:>6} ms  ", style="dim")
    line.append(summary)
    return line


def _cause_panel(number: int, cause: Cause) -> Panel:
    body = Text()
    if cause.summary:
        body.append(cause.summary + "\n")
    for item in cause.evidence[:6]:
        body.append("  • ", style="dim")
        body.append(item + "\n")
    if cause.remediation:
        body.append("What to do:\n", style="bold")
        for step, action in enumerate(cause.remediation, 1):
            body.append(f"  {step}. {action}\n")
    style = "red" if cause.severity == "critical" else "yellow"
    label = f"{cause.id}, {cause.severity}, confidence {cause.confidence:.0%}"
    title = f"{number}. {escape(cause.title)}  [dim]({label})[/]"
    return Panel(body, title=title, title_align="left", border_style=style)


def render(report: Report, console: Console) -> None:
    """Print the whole report for a person at a terminal."""
    console.print(Text(STATUS_WORDS[report.status], style=STATUS_STYLE[report.status]), f"— {report.target.url}")
    roots = [c for c in report.causes if c.explained_by is None]
    symptoms = [c for c in report.causes if c.explained_by is not None]
    if report.status == "unknown":
        for check in report.unchecked:
            console.print(Text(f"  Could not check {check.probe}: ", style="bold"), escape(check.reason))
        if report.interrupted:
            console.print(Text("  The run was interrupted before it finished.", style="bold"))
    if report.left_out:
        console.print(Text(f"  Left out on request: {', '.join(report.left_out)}", style="dim"))
    for number, cause in enumerate(roots, 1):
        console.print(_cause_panel(number, cause))
    if symptoms:
        console.print(Text("Also seen, as consequences of the above:", style="bold"))
        for cause in symptoms:
            console.print(f"  • {escape(cause.title)} [dim]({cause.id}; explained by {cause.explained_by})[/]")

    table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
    for column in ("probe", "status", "time", "summary"):
        table.add_column(column, justify="right" if column == "time" else "left")
    for probe in report.probes:
        summary = probe.summary
        if probe.reason and probe.status != "pass" and probe.reason not in summary:
            summary = f"{summary} ({probe.reason})"
        table.add_row(probe.name, Text(probe.status, style=STATUS_STYLE.get(probe.status, "")),
                      f"{probe.duration_ms} ms", escape(summary))
    console.print(table)

    support = report.support
    facts = [
        f"When: {report.started_at:%Y-%m-%d %H:%M:%S} UTC ({support.timezone} on the workstation)",
        f"Workstation: {report.workstation.hostname}, {support.os}",
    ]
    if support.browser:
        facts.append(f"Browser: {support.browser.get('name', '?')} {support.browser.get('version', '')}".rstrip())
    facts += [f"Error seen: \"{text}\"" for text in support.error_text[:5]]
    if support.screenshot:
        facts.append(f"Screenshot: {support.screenshot}")
    facts += [f"{label(key)}: {value}" for key, value in support.identifiers.items()]
    if support.identifiers_missing:
        asked = ", ".join(label(i) for i in support.identifiers_missing)
        facts.append(f"Have ready for the portal's support (not given to this run): {asked}")
    facts += [f"Portal support {key}: {value}" for key, value in support.contact.items()]
    console.print(Panel(Group(Text(support.when_to_contact, style="bold"), *map(Text, facts)),
                        title="For support", title_align="left", border_style="dim"))
