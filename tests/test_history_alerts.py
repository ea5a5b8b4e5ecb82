"""History lines and status-change alerts, with a real webhook receiver on loopback."""

from __future__ import annotations

import json
import socket
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from agent.schedule import alerts, history
from demo.web import Page, Request, WebServer
from tests.reports.sample import STARTED, make_report


class Receiver:
    """A webhook endpoint that records the JSON bodies it is sent and answers `status`."""

    def __init__(self, status: int = 200) -> None:
        self.bodies: list[dict] = []
        self.status = status
        self.server = WebServer({"/hook": self._answer}).start()
        self.url = self.server.url("/hook")

    def _answer(self, request: Request) -> Page:
        self.bodies.append(json.loads(request.body))
        return Page("ok" if self.status < 300 else "no such hook", status=self.status, content_type="text/plain")


@pytest.fixture
def receiver():
    hook = Receiver()
    yield hook
    hook.server.stop()


def _run(status: str, minute: int, target: str = "https://portal.example.com/login"):
    return make_report(status=status, target=target, finished_at=STARTED + timedelta(minutes=minute))


def test_history_lines_and_previous_status(tmp_path: Path) -> None:
    path = tmp_path / "runs" / "history.jsonl"
    assert history.append(path, _run("ok", 0)) is None
    assert history.append(path, _run("critical", 5, target="https://other.example/")) is None
    assert history.append(path, _run("critical", 10)) == "ok"
    assert history.append(path, _run("critical", 15)) == "critical"
    rows = history.read(path)
    assert [r["status"] for r in rows] == ["ok", "critical", "critical", "critical"]
    assert rows[2] == {
        "finished_at": "2025-03-04T08:25:00+00:00", "target": "https://portal.example.com/login",
        "url": "https://portal.example.com/login", "status": "critical", "exit_code": 2,
        "causes": ["tls.cert_expired", "portal.maintenance_scheduled", "browser.script_error"],
        "duration_ms": 3200,
    }
    lines = path.read_text().splitlines()
    assert len(lines) == 4 and all(" " not in line.split('"target"')[0] for line in lines)


def test_torn_line_is_skipped_and_next_line_stays_whole(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    history.append(path, _run("warning", 0))
    with open(path, "ab") as handle:
        handle.write(b'{"finished_at":"2025-03-04T08:05:00+00:00","target":"https://por')
    assert history.append(path, _run("ok", 10)) == "warning"
    assert [r["status"] for r in history.read(path)] == ["warning", "ok"]
    assert history.previous_status(path, "https://portal.example.com/login") == "ok"
    assert history.previous_status(tmp_path / "none.jsonl", "x") is None


def test_previous_status_found_far_back_in_a_large_file(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    history.append(path, _run("warning", 0, target="https://rare.example/"))
    filler = json.dumps(history.entry(_run("ok", 1))) + "\n"
    with open(path, "a") as handle:
        handle.write(filler * 2000)  # about 500 kB: several blocks to scan backwards
    assert history.previous_status(path, "https://rare.example/") == "warning"


def test_concurrent_appends_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "history.jsonl"
    threads = [threading.Thread(target=history.append, args=(path, _run("ok", i))) for i in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(history.read(path)) == 20 == len(path.read_text().splitlines())


def test_alert_only_when_status_changes(tmp_path: Path, receiver: Receiver) -> None:
    state = alerts.state_path(tmp_path / "history.jsonl")
    sequence = ["ok", "ok", "critical", "critical", "critical", "warning", "ok", "ok"]
    sent = [alerts.notify(receiver.url, _run(status, i), state) for i, status in enumerate(sequence)]
    assert sent == [False, False, True, False, False, True, True, False]
    assert [b["diagnose"]["status"] for b in receiver.bodies] == ["critical", "warning", "ok"]
    assert [b["diagnose"]["previous_status"] for b in receiver.bodies] == ["ok", "critical", "warning"]


def test_payload_is_a_slack_and_teams_message_with_facts(tmp_path: Path, receiver: Receiver) -> None:
    alerts.notify(receiver.url, _run("critical", 0), tmp_path / "state.json")
    body = receiver.bodies[0]
    assert body["text"].startswith("CRITICAL: login to example: The portal's certificate has expired")
    assert "What to do: Tell the portal's operator" in body["text"]
    assert "was OK" not in body["text"] and "first check of this target" in body["text"]  # nothing invented
    assert body["diagnose"]["previous_status"] is None
    assert body["diagnose"]["causes"][0] == {
        "id": "tls.cert_expired", "severity": "critical", "title": "The portal's certificate has expired",
    }
    assert [c["id"] for c in body["diagnose"]["causes"]] == ["tls.cert_expired", "portal.maintenance_scheduled"]


def test_history_is_the_baseline_when_no_state(tmp_path: Path, receiver: Receiver) -> None:
    state = tmp_path / "state.json"
    assert alerts.notify(receiver.url, _run("critical", 0), state, history_previous="critical") is False
    assert alerts.notify(receiver.url, _run("critical", 1), state) is False
    assert alerts.notify(receiver.url, _run("ok", 2), state, history_previous="critical") is True
    assert receiver.bodies[0]["text"].startswith("OK: login to example works again")


def test_failed_delivery_is_logged_and_retried(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    state = tmp_path / "state.json"
    hook = Receiver(status=404)
    try:
        assert alerts.notify(hook.url, _run("critical", 0), state) is False
        assert "alert not delivered: the receiver answered HTTP 404: no such hook" in capsys.readouterr().err
        hook.status = 200
        assert alerts.notify(hook.url, _run("critical", 1), state) is True
        assert alerts.notify(hook.url, _run("critical", 2), state) is False
        assert len(hook.bodies) == 2
    finally:
        hook.server.stop()


def test_unreachable_receiver(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    assert alerts.notify(f"http://127.0.0.1:{port}/hook", _run("critical", 0), tmp_path / "s.json") is False
    assert "alert not delivered: ConnectError" in capsys.readouterr().err
    assert not (tmp_path / "s.json").exists()


SKIP = "browser,login,clock,sso,status_page"


def test_scheduled_runs_through_the_command_line(tmp_path: Path, receiver: Receiver) -> None:
    """Two healthy runs then a refused port: two history lines per target state, one alert, exit codes kept."""
    from agent.cli.main import main

    history_path = tmp_path / "history.jsonl"
    with WebServer({"/login": Page("<form><input type=password></form>")}) as portal:
        common = ["--skip", SKIP, "--captive-check", "off", "--history", str(history_path),
                  "--webhook", receiver.url, "--format", "json"]
        assert main([portal.url("/login"), *common]) == 0
        assert main([portal.url("/login"), *common]) == 0
    assert receiver.bodies == []
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/login"
    assert main([closed, *common]) == 2
    assert main([closed, *common]) == 2
    rows = history.read(history_path)
    assert [(r["status"], r["causes"]) for r in rows] == [
        ("ok", []), ("ok", []), ("critical", ["network.refused"]), ("critical", ["network.refused"])]
    assert len(receiver.bodies) == 1 and receiver.bodies[0]["diagnose"]["causes"][0]["id"] == "network.refused"


def test_webhook_without_history_is_refused(capsys: pytest.CaptureFixture[str]) -> None:
    from agent.cli.main import main

    assert main(["https://portal.example.com/", "--webhook", "http://127.0.0.1:9/hook"]) == 3
    assert "--webhook needs --history" in capsys.readouterr().err
