"""`ticket.txt`: what a support desk asks for, as plain text to paste into a ticket or an e-mail.

A one-line subject first, then the local time with its zone, the run id, browser and OS,
the masked user id, the identifiers support asks for (given or missing), and the exact
error text the portal showed.
"""

from __future__ import annotations

from reports import timefmt
from reports.models import Report
from reports.sanitize import clean
from reports.words import headline, label, status_meaning, who


def subject(report: Report) -> str:
    """`Login to portal.example.com fails: The portal's certificate expired on … (run 2026…)`."""
    roots = [c for c in report.causes if c.explained_by is None]
    what = clean(headline(roots[0], report.finished_at)) if roots else status_meaning(report.status)
    host = report.target.host or report.target.input
    run = f", run {report.run_id}" if report.run_id else ""
    return f"Login to {host}: {what} ({report.status.upper()}{run})"


def render(report: Report) -> str:
    """The ticket's text."""
    support = report.support
    browser = " ".join(str(v) for v in (support.browser.get("name"), support.browser.get("version")) if v)
    lines = [
        f"Subject: {subject(report)}",
        "",
        f"When: {timefmt.when(report.started_at)}",
        f"Run id: {report.run_id}",
        f"Portal: {report.target.url or report.target.input}",
        f"Browser: {browser or 'not run'}",
        f"OS: {support.os}",
        f"User id: {support.user_id or 'not tried (no credentials given)'}",
    ]
    lines += [f"{label(key)}: {value}" for key, value in support.identifiers.items()]
    lines += [f"{label(key)}: missing (please add)" for key in support.identifiers_missing]
    roots = [c for c in report.causes if c.explained_by is None]
    if roots:
        lines += ["", f"Likely cause: {clean(roots[0].title)} [{roots[0].id}]", f"Who must act: {who(roots[0].owner)}"]
    lines += ["", "Exact error text seen:"]
    lines += [f"  \"{clean(text)}\"" for text in support.error_text] or ["  (none shown)"]
    if support.screenshot:
        lines.append(f"Screenshot ({support.screenshot_step or 'browser'}): {support.screenshot}")
    if support.har:
        lines.append(f"HAR (redacted): {support.har}")
    return "\n".join(lines) + "\n"
