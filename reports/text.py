"""The terminal rendering: the answer on one screen (what, who, what to do, where the bundle is).

The default screen fits 80x24: a headline in plain words, who must act, up to three
steps, one line for the symptoms the root cause explains, and where the report and
bundle went. Probe rows and evidence come with `details=True` (`--details`), printed
before the answer so the answer stays on the last screen. Remote text goes through
`sanitize.clean`; errno values, exception names and certificate names stay in the
evidence. Off a terminal, `reports.log_line` is all a log or a scheduler gets.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table
from rich.text import Text

from reports import timefmt
from reports.models import Report
from reports.sanitize import clean
from reports.text_details import render_details
from reports.words import headline, not_seen, status_meaning, who

STATUS_STYLE = {
    "ok": "bold green", "warning": "bold yellow", "critical": "bold red", "unknown": "bold magenta",
    "pass": "green", "warn": "yellow", "fail": "red", "skip": "dim", "error": "magenta", "timeout": "magenta",
}
MAX_STEPS = 3


def probe_line(name: str, status: str, duration_ms: int, summary: str) -> Text:
    """One probe as one line; used live while the run goes and in the details table."""
    line = Text(no_wrap=True, overflow="ellipsis")
    line.append(f"{name:<13}", style="bold")
    line.append(f"{status:<8}", style=STATUS_STYLE.get(status, ""))
    line.append(f"{duration_ms:>6} ms  ", style="dim")
    line.append(clean(summary))
    return line


def render(report: Report, console: Console, *, details: bool = False,
           written: dict[str, str] | None = None, note: str | None = None) -> None:
    """The answer for a person at a terminal; `written` names the files (report, bundle) it wrote."""
    if details:
        render_details(report, console)
    for line in answer(report, note):
        console.print(line)
    for label, path in (written or {}).items():  # soft-wrapped: a path stays one path to copy
        console.print(Text(f"{label}: {path}", style="bold" if label == "Bundle" else ""), soft_wrap=True)


def answer(report: Report, note: str | None = None) -> list[Text | Table]:
    """The short screen, line by line, up to where the files went."""
    now = datetime.now(UTC)
    roots = [c for c in report.causes if c.explained_by is None]
    word = report.status.upper()
    lines: list[Text | Table] = []
    head = Text()
    head.append(f"{word} ", style=STATUS_STYLE[report.status])
    if roots:
        head.append(clean(headline(roots[0], now)), style="bold")
    else:
        head.append(status_meaning(report.status))
    lines.append(head)
    checked = f"{report.target.url or report.target.input}, {timefmt.when(report.started_at)}"
    lines.append(Text(f"Checked {checked}", style="dim"))
    if note:
        lines.append(Text(note, style="dim"))
    if report.status == "unknown":
        lines += [Text(f"Could not check {c.probe}: {_plain(c.reason)}") for c in report.unchecked[:3]]
        if report.interrupted:
            lines.append(Text("The run was interrupted before it finished."))
    if roots:
        lines += _cause_lines(report, now)
    elif report.status == "ok":
        lines.append(Text("Not checked from here:", style="bold"))
        lines += [Text(f"  • {line}") for line in not_seen(report)]
    if report.left_out:
        lines.append(Text(f"Left out on request: {', '.join(report.left_out)}", style="dim"))
    return lines


def _cause_lines(report: Report, now: datetime) -> list[Text | Table]:
    roots = [c for c in report.causes if c.explained_by is None]
    first = roots[0]
    support = report.support
    lines: list[Text | Table] = []
    owner = Text("Who must act: ", style="bold")
    owner.append(who(first.owner))
    contact = _contact(report) if first.owner in ("portal", "account") else ""
    if contact:
        owner.append(f" ({contact})")
    lines.append(owner)
    if support.when_to_contact:
        lines.append(Text(f"  {support.when_to_contact}"))
    steps = first.remediation[:MAX_STEPS]
    if steps:
        lines.append(Text("What to do:", style="bold"))
        grid = Table.grid(padding=(0, 1))
        grid.add_column(justify="right", width=4)
        grid.add_column()
        for number, step in enumerate(steps, 1):
            grid.add_row(f"{number}.", clean(step))
        lines.append(grid)
    symptoms = [c for c in report.causes if c.explained_by is not None]
    if symptoms:
        names = ", ".join(dict.fromkeys(c.probe for c in symptoms))
        count = f"{len(symptoms)} symptom{'' if len(symptoms) == 1 else 's'}"
        lines.append(Text(f"Also failing because of it: {names} ({count}; --details shows them)", style="dim"))
    others = roots[1:3]
    if others:
        lines.append(Text("Also found: " + "; ".join(clean(headline(c, now)) for c in others), style="dim"))
    return lines


def _contact(report: Report) -> str:
    contact = report.support.contact
    return ", ".join(clean(contact[key]) for key in ("phone", "email") if contact.get(key))


def _plain(reason: str) -> str:
    """A probe's reason without the exception's class name in front (that belongs to the evidence)."""
    head, sep, rest = reason.partition(": ")
    return clean(rest if sep and head.replace(".", "").isidentifier() and head[:1].isupper() else reason)
