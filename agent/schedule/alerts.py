"""Alert on a change of status (`--webhook URL`): one POST when a target's status changes, never while it holds.

The body is a Slack / Microsoft Teams incoming-webhook message (`{"text": ...}`, which
both accept) with the structured facts alongside under `diagnose`, for receivers that
parse them. The status last *delivered* per target is kept in a small state file next
to the history, so a delivery that failed is tried again on the next run, and a status
that holds is never announced twice. With no state yet, the history's previous line
is the baseline; with neither, the baseline is "ok" (a first healthy run stays quiet,
a first failing run alerts). Delivery problems go to stderr and never change the exit code.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

import httpx

from reports import timefmt
from reports.models import Report
from reports.words import headline

TIMEOUT_SECONDS = 5.0  # at most, and never past the run's deadline (the caller says how long is left)
MAX_ANSWER = 4096  # bytes of the receiver's answer read, for the error line
_WORDS = {"ok": "OK", "warning": "WARNING", "critical": "CRITICAL", "unknown": "UNKNOWN"}


def state_path(history: Path) -> Path:
    """Where the delivered statuses live: beside the history file."""
    return history.with_name(history.name + ".alert-state.json")


def payload(report: Report, previous: str | None) -> dict[str, Any]:
    """The webhook body: a readable line in `text`, the facts in `diagnose`.

    `previous` is None for a target's first message: no earlier state is invented.
    """
    name = report.target.profile or report.target.host or report.target.input
    roots = [c for c in report.causes if not c.explained_by]
    head = f"{_WORDS.get(report.status, report.status)}: login to {name}"
    if roots:
        text = f"{head}: {headline(roots[0], report.finished_at)} ({roots[0].id})"
        if roots[0].remediation:
            text += f". What to do: {roots[0].remediation[0]}"
    elif report.status == "ok":
        text = f"{head} works again"
    else:
        text = f"{head} could not be checked"
    was = f"was {_WORDS.get(previous, previous)}" if previous else "first check of this target"
    text += f" ({was}; checked {timefmt.when(report.finished_at)})"
    return {
        "text": text,
        "diagnose": {
            "target": report.target.input,
            "url": report.target.url,
            "status": report.status,
            "previous_status": previous,
            "exit_code": report.exit_code,
            "finished_at": report.finished_at.isoformat(),
            "causes": [{"id": c.id, "severity": c.severity, "title": c.title} for c in roots],
        },
    }


def notify(url: str, report: Report, state_file: Path, history_previous: str | None = None,
           timeout: float = TIMEOUT_SECONDS) -> bool:
    """POST an alert when `report`'s status differs from the last one delivered; True when one was sent."""
    state = _load(state_file)
    target = report.target.input
    last = state.get(target)
    delivered = last.get("status") if isinstance(last, dict) else None
    known = delivered or history_previous
    baseline = known or "ok"  # a first healthy run stays quiet
    if report.status == baseline:
        if delivered is None:
            _save(state_file, {**state, target: {"status": baseline}})
        return False
    if not send(url, payload(report, known), timeout):
        return False
    _save(state_file, {**state, target: {"status": report.status, "at": report.finished_at.isoformat()}})
    return True


def send(url: str, body: dict[str, Any], timeout: float = TIMEOUT_SECONDS) -> bool:
    """POST `body` as JSON within `timeout` seconds of wall clock; a failure is one line on stderr and False.

    The receiver's answer is read only in part (MAX_ANSWER bytes): a slow, dripping or
    endless receiver costs at most `timeout` and a few kilobytes, never the run.
    """
    outcome: list[bool] = []
    worker = threading.Thread(target=lambda: outcome.append(_post(url, body, timeout)), daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        _warn(f"the receiver did not answer within {timeout:g} s")
        return False
    return bool(outcome and outcome[0])


def _post(url: str, body: dict[str, Any], timeout: float) -> bool:
    try:
        with httpx.stream("POST", url, json=body, timeout=timeout) as response:
            answer = b""
            for chunk in response.iter_bytes():
                answer += chunk
                if len(answer) >= MAX_ANSWER:
                    break
    except (httpx.HTTPError, ValueError) as exc:
        _warn(f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
        return False
    if response.status_code >= 300:
        _warn(f"the receiver answered HTTP {response.status_code}: {answer[:200].decode(errors='replace').strip()}")
        return False
    return True


def _warn(reason: str) -> None:
    sys.stderr.write(f"diagnose: alert not delivered: {reason}\n")


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _save(path: Path, state: dict[str, Any]) -> None:
    """Replace the state file atomically; failing to write it is reported, not fatal."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(state, handle, indent=1, sort_keys=True)
        os.replace(temp, path)
    except OSError as exc:
        sys.stderr.write(f"diagnose: cannot keep the alert state in {path}: {exc.strerror or exc}\n")
