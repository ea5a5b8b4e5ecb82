"""The exporter under a flood of idle connections, as its own process: scrapes still answer, stderr stays quiet."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from demo.web import Page, WebServer
from tests.test_serve import samples, value

LOGIN = Page("<title>Sign in</title><form><input name=user><input type=password name=pw></form>")
SKIP = '["browser", "login", "clock", "sso", "status_page", "user_browser"]'
IDLE = 1100
DIAGNOSE = str(Path(sys.executable).with_name("diagnose"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def _serve(tmp_path: Path, targets: str, extra: str = "") -> Iterator[tuple[int, subprocess.Popen[bytes]]]:
    port = _free_port()
    config = tmp_path / "exporter.toml"
    config.write_text(f'listen = "127.0.0.1:{port}"\n{extra}\n{targets}')
    stderr = tmp_path / "stderr.txt"
    with stderr.open("wb") as sink:
        process = subprocess.Popen([DIAGNOSE, "serve", "--config", str(config)],
                                   stdout=subprocess.DEVNULL, stderr=sink, cwd=Path(__file__).parents[1])
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"http://127.0.0.1:{port}/-/healthy", timeout=1).status_code == 200:
                    break
            assert process.poll() is None, stderr.read_text()
            time.sleep(0.1)
        yield port, process
    finally:
        process.terminate()
        process.wait(timeout=10)


def _wait_accepted(port: int, count: int) -> None:
    """Until the exporter has taken `count` connections (the kernel queues them faster than it accepts)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        own = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        refused = value(own, "diagnose_exporter_connections_closed_total", reason="refused") or 0
        if (value(own, "diagnose_exporter_connections_total") or 0) + refused >= count:
            return
        time.sleep(0.2)
    raise AssertionError(f"the exporter took fewer than {count} connections in 20 s")


def _lines(path: Path) -> list[str]:
    return [line for line in path.read_text(errors="replace").splitlines() if line.strip()]


@pytest.fixture
def portal() -> Iterator[str]:
    with WebServer({"/login": LOGIN}) as server:
        yield server.url("/login")


def test_idle_flood_does_not_starve_a_scrape(tmp_path: Path, portal: str) -> None:
    target = f'[targets.good]\nurl = "{portal}"\nskip = {SKIP}\ncaptive_check = "off"\ntimeout = 5\n'
    idle: list[socket.socket] = []
    with _serve(tmp_path, target) as (port, _):
        try:
            for _ in range(IDLE):
                idle.append(socket.create_connection(("127.0.0.1", port), timeout=5))
            _wait_accepted(port, IDLE)
            start = time.monotonic()
            answer = httpx.get(f"http://127.0.0.1:{port}/probe?target=good", timeout=10)
            seconds = time.monotonic() - start
            own = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        finally:
            for sock in idle:
                sock.close()
    assert answer.status_code == 200 and value(answer.text, "probe_success") == 1, answer.text
    assert seconds < 6
    evicted = value(own, "diagnose_exporter_connections_closed_total", reason="evicted_idle") or 0
    refused = value(own, "diagnose_exporter_connections_closed_total", reason="refused") or 0
    assert evicted + refused >= IDLE - 256
    assert (value(own, "diagnose_exporter_connections_open") or 0) <= 256
    lines = _lines(tmp_path / "stderr.txt")
    assert len(lines) == 1 and lines[0].startswith("diagnose serve: listening on"), lines[:5]


def test_idle_connection_is_closed_after_idle_timeout(tmp_path: Path, portal: str) -> None:
    target = f'[targets.good]\nurl = "{portal}"\nskip = {SKIP}\n'
    with _serve(tmp_path, target, extra="idle_timeout = 1") as (port, _):
        silent = socket.create_connection(("127.0.0.1", port), timeout=10)
        partial = socket.create_connection(("127.0.0.1", port), timeout=10)
        partial.sendall(b"GET /-/healthy HTTP/1.1\r\nHost: x\r\n")  # a head never finished
        start = time.monotonic()
        assert silent.recv(100) == b""
        assert partial.recv(100) == b""
        waited = time.monotonic() - start
        silent.close()
        partial.close()
    assert 0.5 < waited < 5
    assert _lines(tmp_path / "stderr.txt")[1:] == []


def test_all_busy_refuses_quietly(tmp_path: Path) -> None:
    """Every connection answering a scrape of a hung portal: one more is answered 503, not queued forever."""
    with WebServer({"/login": Page(hang=True)}) as hung:
        target = f'[targets.hung]\nurl = "{hung.url("/login")}"\nskip = {SKIP}\ncaptive_check = "off"\ntimeout = 4\n'
        with _serve(tmp_path, target, extra="max_connections = 8\nconcurrency = 8") as (port, _):
            busy = []
            for _ in range(8):
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                sock.sendall(b"GET /probe?target=hung HTTP/1.1\r\nHost: x\r\n\r\n")
                busy.append(sock)
            time.sleep(1.0)  # every one of them is being answered now
            refused = httpx.get(f"http://127.0.0.1:{port}/-/healthy", timeout=5)
            answers = [sock.recv(100) for sock in busy]
            for sock in busy:
                sock.close()
            own = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert refused.status_code == 503
    assert all(answer.startswith(b"HTTP/1.1 200") for answer in answers), answers
    assert value(own, "diagnose_exporter_connections_closed_total", reason="refused") == 1
    assert "diagnose_exporter_connections_open" in {name for name, _ in samples(own)}
    assert _lines(tmp_path / "stderr.txt")[1:] == []


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX descriptor limits")
def test_cap_stays_under_the_descriptor_limit() -> None:
    import resource

    from agent.exporter.listener import RESERVED_FDS, fd_budget

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    cap = fd_budget(256)
    now, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    assert cap <= 256 and (now == resource.RLIM_INFINITY or cap <= now - RESERVED_FDS or cap == 8)
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
