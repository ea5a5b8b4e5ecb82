"""The report as Markdown, for pasting into a ticket or a chat.

Same order as the HTML page: verdict, then causes with what to do and the evidence,
then the checks and the support details. Text from the portal or the workstation is
escaped where Markdown would read it as markup (table cells, code spans).
"""

from __future__ import annotations

from reports.models import Cause, Report
from reports.words import STATUS_WORDS


def render(report: Report) -> str:
    """The Markdown text for `report`, ending with a newline."""
    target = report.target.url or report.target.input
    lines = [
        f"## Login diagnosis: {STATUS_WORDS.get(report.status, report.status)}",
        "",
        f"Portal: {_code(target)}"
        + (f" (profile {_code(report.target.profile)})" if report.target.profile else ""),
        f"Checked {report.finished_at.isoformat()} on {_inline(report.workstation.hostname)} "
        f"({_inline(report.workstation.os)}), took {report.duration_ms / 1000:.1f} s, "
        f"exit code {report.exit_code}.",
        "",
    ]
    roots = [c for c in report.causes if not c.explained_by]
    symptoms = [c for c in report.causes if c.explained_by]
    if report.status == "unknown":
        lines += [f"- Could not check {_code(u.probe)}: {_inline(u.reason)}" for u in report.unchecked]
        lines += ["- The run was interrupted before it finished."] if report.interrupted else []
        lines.append("")
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
    lines += ["", "### Support details", ""]
    lines += [f"- **{_inline(key)}:** {value}" for key, value in _support_rows(report)]
    return "\n".join(lines) + "\n"


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
    if cause.remediation:
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
        ("Started", _code(support.started_at.isoformat())),
        ("Finished", _code(support.finished_at.isoformat())),
        ("Time zone", _inline(support.timezone)),
        ("Operating system", _inline(support.os)),
    ]
    if support.browser:
        rows.append(("Browser", _inline(", ".join(f"{k}: {v}" for k, v in support.browser.items()))))
    if support.resolved_addresses:
        rows.append(("Portal addresses", ", ".join(_code(a) for a in support.resolved_addresses)))
    rows += [(key, _code(value)) for key, value in support.identifiers.items()]
    rows += [("Error seen", _code(text)) for text in support.error_text]
    if support.screenshot:
        rows.append(("Screenshot", _code(support.screenshot)))
    if support.har:
        rows.append(("HAR", _code(support.har)))
    rows.append(("Agent", _inline(f"{report.tool.name} {report.tool.version}")))
    return rows


def _inline(text: str) -> str:
    """One line of plain text that Markdown shows as written (no HTML, no emphasis, no links)."""
    flat = " ".join(text.split())
    for char in "\\`*_[]<>|#":
        flat = flat.replace(char, "\\" + char)
    return flat


def _cell(text: str) -> str:
    return _inline(text) or " "


def _code(text: str) -> str:
    """A code span that survives backticks inside `text` (CommonMark: a longer fence)."""
    flat = " ".join(text.split())
    run = 0
    longest = 0
    for char in flat:
        run = run + 1 if char == "`" else 0
        longest = max(longest, run)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"
