"""The append-only run history for scheduled runs (`--history PATH`): one JSON line per run.

A scheduler (cron, a Kubernetes CronJob, Task Scheduler) runs `diagnose` every few
minutes; the history keeps the trend without a server, and tells the alerting which
status a target had before this run. Each run appends one compact line with a single
`write`, under an exclusive lock where the OS has one, so two runs finishing together
never interleave, and a line cut short by a crash is skipped when read back.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from reports.models import Report

try:
    import fcntl
except ImportError:  # Windows: appends of one short line are still whole; only the lock is missing
    fcntl = None  # type: ignore[assignment]

_TAIL_BLOCK = 64 * 1024
_SCAN_LIMIT = 8 * 1024 * 1024  # look back at most this far for a target's last line (runs are ~300 bytes)
_LONGEST_LINE = 64 * 1024  # anything longer between two newlines is not a line of ours: skipped, not kept
LOCK_WAIT = 2.0  # seconds to wait for another run's lock before giving up on this line


class HistoryBusy(OSError):
    """Another process holds the history's lock past LOCK_WAIT: the line is not written, the run goes on."""


def entry(report: Report) -> dict[str, Any]:
    """The history line for `report`: what a trend or an alert needs, nothing that identifies a user."""
    return {
        "finished_at": report.finished_at.isoformat(),
        "target": report.target.input,
        "url": report.target.url,
        "status": report.status,
        "exit_code": report.exit_code,
        "causes": [c.id for c in report.causes],
        "duration_ms": report.duration_ms,
    }


def append(path: Path, report: Report) -> str | None:
    """Append `report`'s line to `path`; return the status the same target had on its previous line."""
    path.parent.mkdir(parents=True, exist_ok=True)
    line = (json.dumps(entry(report), separators=(",", ":"), ensure_ascii=False) + "\n").encode("utf-8")
    with open(path, "a+b") as handle, _locked(handle):
        previous = _last_status(handle, report.target.input)
        handle.seek(0, os.SEEK_END)
        if handle.tell() and not _ends_with_newline(handle):
            line = b"\n" + line  # a torn last line from a crashed run stays on its own
        handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    return previous


def read(path: Path) -> list[dict[str, Any]]:
    """Every whole line of the history, oldest first; torn or foreign lines are skipped."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return []
    return [row for row in map(_parse, data.splitlines()) if row is not None]


def previous_status(path: Path, target: str) -> str | None:
    """The status on the last line for `target`, or None when it has none."""
    try:
        with open(path, "rb") as handle:
            return _last_status(handle, target)
    except FileNotFoundError:
        return None


def _last_status(handle: IO[bytes], target: str) -> str | None:
    """Scan the file backwards, a block at a time, for `target`'s last line (the file may be large)."""
    for raw in _lines_backwards(handle):
        row = _parse(raw)
        if row is not None and row.get("target") == target:
            status = row.get("status")
            return status if isinstance(status, str) else None
    return None


def _lines_backwards(handle: IO[bytes]) -> Iterator[bytes]:
    """Lines from the end, within the last _SCAN_LIMIT bytes; linear time, whatever the file holds."""
    handle.seek(0, os.SEEK_END)
    position = handle.tell()
    floor = max(0, position - _SCAN_LIMIT)
    rest = b""
    while position > floor:
        size = min(_TAIL_BLOCK, position - floor)
        position -= size
        handle.seek(position)
        chunk = handle.read(size) + rest
        lines = chunk.split(b"\n")
        rest = lines.pop(0)
        if len(rest) > _LONGEST_LINE:
            rest = b""  # a 100 MB run without a newline is not scanned again and again
        yield from reversed(lines)
    if rest and floor == 0:
        yield rest


def _parse(raw: bytes) -> dict[str, Any] | None:
    try:
        row = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        return None
    return row if isinstance(row, dict) and "target" in row and "status" in row else None


def _ends_with_newline(handle: IO[bytes]) -> bool:
    handle.seek(-1, os.SEEK_END)
    return handle.read(1) == b"\n"


@contextlib.contextmanager
def _locked(handle: IO[bytes]) -> Iterator[None]:
    if fcntl is None:
        yield
        return
    deadline = time.monotonic() + LOCK_WAIT
    while True:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            break
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise HistoryBusy(f"another process holds its lock for more than {LOCK_WAIT:g} s") from None
            time.sleep(0.05)
    try:
        yield
    finally:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
