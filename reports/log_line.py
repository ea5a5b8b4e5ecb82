"""A run as one log line, for a log or a scheduler: what the command line prints off a terminal.

Plain text, so that a scheduled run loads no terminal renderer.
"""

from __future__ import annotations

from reports.models import Report
from reports.sanitize import clean


def one_line(report: Report, written: dict[str, str]) -> str:
    """`CRITICAL tls.cert_expired https://… 2.1s report=… bundle=…`: a run as one log line."""
    roots = [c for c in report.causes if c.explained_by is None]
    cause = roots[0].id if roots else ("-" if report.status != "unknown" else "unchecked")
    files = " ".join(f"{label.lower()}={path}" for label, path in written.items())
    target = report.target.url or report.target.input
    return clean(f"{report.status.upper()} {cause} {target} {report.duration_ms / 1000:.1f}s {files}").rstrip()
