"""What a scheduled run does after the report is written: the history line, then the alert on a change.

Neither may change the run's outcome: a history file that cannot be written or a
webhook that cannot be reached is one line on stderr, and the exit code stays the
diagnosis' own.
"""

from __future__ import annotations

import sys
from pathlib import Path

from reports.models import Report


def after_run(report: Report, history_path: str | None, webhook: str | None, seconds: float | None = None) -> None:
    """Append to `history_path` when given; POST to `webhook` when the status changed, within `seconds`."""
    from agent.schedule import alerts, history

    if history_path is None:
        return
    path = Path(history_path)
    previous = None  # with no history readable, the alert state alone is the baseline
    try:
        previous = history.append(path, report)
    except OSError as exc:
        sys.stderr.write(f"diagnose: cannot append to the history {path}: {exc.strerror or exc}\n")
    if webhook:
        timeout = alerts.TIMEOUT_SECONDS if seconds is None else max(0.5, min(seconds, alerts.TIMEOUT_SECONDS))
        alerts.notify(webhook, report, alerts.state_path(path), history_previous=previous, timeout=timeout)
