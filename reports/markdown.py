"""The report as Markdown, for pasting into a ticket or a chat.

Same order as the HTML page: the headline, who to contact and what to do, then the
support ticket's facts, then the causes' evidence and the checks. Text from the portal
or the workstation is escaped where Markdown would read it as markup or a link (table
cells, code spans, bare URLs and addresses are not autolinked).
"""

from __future__ import annotations

from datetime import UTC, datetime

from reports import timefmt
from reports.models import Cause, Report
from reports.sanitize import clean
from reports.ticket import subject
from reports.words import STATUS_WORDS, headline, label, not_seen, who


def render(report: Report) -> str:
    """The Markdown text for `report`, ending with a newline."""
    target = report.target.url or report.target.input
    roots = [c for c in report.causes if not c.explained_by]
    symptoms = [c for c in report.causes if c.explained_by]
    lines = [
        f"## {_inline(headline(roots[0], datetime.now(UTC)) if roots else STATUS_WORDS[report.status])}",
        "",
        f"**{_inline(STATUS_WORDS.get(report.status, report.status))}**",
        "",
        f"Portal: {_code(target)}"
        + (f" (profile {_code(report.target.profile)})" if report.target.profile else ""),
        f"Checked {_inline(timefmt.when(report.started_at))} on {_inline(report.workstation.hostname)}, "
        f"took {report.duration_ms / 1000:.1f} s, exit code {report.exit_code}.",
        "",
    ]
    if report.status == "unknown":
        lines += [f"- Could not check {_code(u.probe)}: {_inline(u.reason)}" for u in report.unchecked]
        lines += ["- The run was interrupted before it finished."] if report.interrupted else []
        lines.append("")
    if roots:
        lines += _answer(report, roots[0])
    elif report.status == "ok":
        lines += ["**Not checked from here:**", ""] + [f"- {_inline(line)}" for line in not_seen(report)] + [""]
    lines += ["### For the support ticket", ""]
    lines += [f"- **{_inline(key)}:** {value}" for key, value in _support_rows(report)]
    lines += ["", "### Causes and their evidence", ""]
    if not roots:
        lines += ["No cause found that blocks or degrades logging in.", ""]
    for index, cause in enumerate(roots, start=1):
        lines += _cause(index, cause)
    if symptoms:
        lines += ["**Consequences of the causes above:**", ""]
        lines += [f"- {_inline(c.title)} ({_code(c.id)}), explained by {_code(c.explained_by or '')}"
                  for c in symptoms]
        lines.append("")
    lines += ["### Checks", "", "| Check | Result | Time | Summary |", "| --- | --- | --- | --- |"]
    for probe in report.probes:
        reason = probe.reason if probe.reason and probe.reason not in probe.summary else None
        summary = probe.summary + (f" ({reason})" if reason else "")
        lines.append(f"| {probe.name} | {probe.status} | {probe.duration_ms} ms | {_cell(summary)} |")
    return "\n".join(lines) + "\n"


def _answer(report: Report, first: Cause) -> list[str]:
    """Who to contact and what to do, as on the HTML page's first screen."""
    contact = report.support.contact
    reach = ", ".join(_inline(contact[k]) for k in ("phone", "email", "url") if contact.get(k)) \
        if first.owner in ("portal", "account") else ""
    lines = [f"**Who to contact:** {_inline(who(first.owner))}" + (f" ({reach})" if reach else ""), ""] \
        if first.owner else []
    if report.support.when_to_contact:
        lines += [_inline(report.support.when_to_contact), ""]
    if first.remediation:
        lines += ["**What to do:**", ""]
        lines += [f"{n}. {_inline(step)}" for n, step in enumerate(first.remediation, start=1)] + [""]
    return lines


def _cause(index: int, cause: Cause) -> list[str]:
    lines = [
        f"### {index}. {_inline(cause.title)}",
        "",
        f"{cause.severity.upper()}, confidence {round(cause.confidence * 100)}%, "
        f"{_code(cause.id)} from the {_code(cause.probe)} check.",
        "",
    ]
    if cause.summary:
        lines += [_inline(cause.summary), ""]
    if cause.remediation and index > 1:
        lines += ["**What to do:**", ""]
        lines += [f"{n}. {_inline(step)}" for n, step in enumerate(cause.remediation, start=1)]
        lines.append("")
    if cause.evidence:
        lines += ["**Evidence:**", ""]
        lines += [f"- {_code(fact)}" for fact in cause.evidence]
        lines.append("")
    return lines


def _support_rows(report: Report) -> list[tuple[str, str]]:
    support = report.support
    rows = [
        ("Subject", _inline(subject(report))),
        ("When", _inline(timefmt.when(report.started_at))),
        ("Run id", _code(report.run_id or "-")),
        ("Operating system", _inline(support.os)),
    ]
    if support.browser:
        rows.append(("Browser", _inline(", ".join(f"{k}: {v}" for k, v in support.browser.items()))))
    if support.user_id:
        rows.append(("User id", _code(support.user_id)))
    rows += [(label(key), _code(value)) for key, value in support.identifiers.items()]
    rows += [(label(key), "missing: have it ready") for key in support.identifiers_missing]
    rows += [("Error seen", _code(text)) for text in support.error_text]
    if support.resolved_addresses:
        rows.append(("Portal addresses", ", ".join(_code(a) for a in support.resolved_addresses)))
    if support.screenshot:
        rows.append(("Screenshot", _code(support.screenshot)))
    if support.har:
        rows.append(("HAR (redacted)", _code(support.har)))
    rows += [(f"Portal support ({key})", _inline(value)) for key, value in support.contact.items()]
    rows.append(("Agent", _inline(f"{report.tool.name} {report.tool.version}")))
    return rows


def _inline(text: str) -> str:
    """One line of plain text that Markdown shows as written (no HTML, no emphasis, no links, no autolinks)."""
    flat = " ".join(clean(text).split())
    for char in "\\`*_[]<>|#!~":
        flat = flat.replace(char, "\\" + char)
    for bare, broken in (("://", "\\://"), ("www.", "www\\."), ("@", "\\@")):  # GFM autolinks
        flat = flat.replace(bare, broken)
    return flat


def _cell(text: str) -> str:
    return _inline(text) or " "


def _code(text: str) -> str:
    """A code span that survives backticks inside `text` (CommonMark: a longer fence)."""
    flat = " ".join(clean(text).split())
    run = 0
    longest = 0
    for char in flat:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
