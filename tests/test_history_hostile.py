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


@pytest.mark.parametrize("behaviour", ["silent", "endless"])
def test_a_hostile_webhook_receiver_costs_at_most_the_time_left(tmp_path: Path, behaviour: str,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """A receiver that never answers, or answers forever, is given up on in time and read only in part."""
    import socket
    import threading

    listener = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        connection, _ = listener.accept()
        connection.recv(65536)
        if behaviour == "endless":
            connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n")
            while not stop.is_set():
                try:
                    connection.sendall(b"x" * 65536)
                except OSError:
                    break
        stop.wait(10)
        connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    started = time.monotonic()
    after_run(make_report(), str(tmp_path / "history.jsonl"), url, seconds=1.0)
    took = time.monotonic() - started
    stop.set()
    listener.close()
    assert took < 3.0, took
    if behaviour == "silent":
        assert "did not answer within 1 s" in capsys.readouterr().err
