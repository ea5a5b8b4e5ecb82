"""A history file as a hostile or busy world leaves it: huge lines, another process's lock. The run goes on."""

from __future__ import annotations

import fcntl
import time
from pathlib import Path

import pytest

from agent.schedule import history
from agent.schedule.scheduled import after_run
from tests.reports.sample import make_report


def test_a_huge_file_without_newlines_is_read_in_linear_time(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    path.write_bytes(b"x" * (40 * 1024 * 1024))
    started = time.monotonic()
    assert history.append(path, make_report()) is None
    assert time.monotonic() - started < 10  # quadratic scanning took minutes; linear takes well under a second
    assert history.previous_status(path, make_report().target.input) == "critical"


def test_a_lock_held_elsewhere_costs_the_line_not_the_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "history.jsonl"
    path.write_text("")
    with open(path, "rb") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX)
        started = time.monotonic()
        with pytest.raises(history.HistoryBusy):
            history.append(path, make_report())
        assert time.monotonic() - started < history.LOCK_WAIT + 2
        after_run(make_report(), str(path), None)
    assert "cannot append to the history" in capsys.readouterr().err
    assert path.read_text() == ""
