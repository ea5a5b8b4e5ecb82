"""The machine's routes read once per window and shared: a real `ip` process stands in for the OS's.

The `ip` on PATH here is a script that logs each start and answers what its file says, so the
count of processes started, and a route that changes (a VPN connecting), are seen as the OS
tool's callers would see them.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import pytest

from probes.osinfo.commands import CommandError
from probes.osinfo.host_state import HostState, Recent
from probes.proxy.vpn import check_vpn

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a shell script stands in for `ip`")

ADDRESS = "192.0.2.10"


class FakeIp:
    """`ip -j route get ADDR` as a process: answers `route.json`, or fails when it holds `fail`."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch, delay: float = 0.0) -> None:
        self.log = folder / "started.log"
        self.answer = folder / "route.json"
        script = folder / "ip"
        script.write_text(
            f'#!/bin/sh\necho "$*" >> "{self.log}"\nsleep {delay}\n'
            f'if grep -q fail "{self.answer}"; then exit 2; fi\ncat "{self.answer}"\n'
        )
        script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
        self.route_via("eth0")

    def route_via(self, device: str) -> None:
        self.answer.write_text(json.dumps([{"dst": ADDRESS, "dev": device, "gateway": "192.0.2.1"}]))

    def fail(self) -> None:
        self.answer.write_text("fail")

    @property
    def started(self) -> int:
        return len(self.log.read_text().splitlines()) if self.log.exists() else 0


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_runs_within_the_window_share_one_read_and_see_a_change_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ip, clock = FakeIp(tmp_path, monkeypatch), Clock()
    host = HostState(max_age=5.0, system="linux", clock=clock)
    assert (await host.route(ADDRESS)).interface == "eth0"
    ip.route_via("tun0")  # the VPN connects
    clock.now += 4.9
    assert (await host.route(ADDRESS)).interface == "eth0" and ip.started == 1
    clock.now += 0.2
    assert (await host.route(ADDRESS)).interface == "tun0" and ip.started == 2


async def test_runs_asking_at_once_share_the_read_in_flight(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ip = FakeIp(tmp_path, monkeypatch, delay=0.3)
    host = HostState(max_age=5.0, system="linux")
    routes = await asyncio.gather(*(host.route(ADDRESS) for _ in range(5)))
    assert {r.interface for r in routes} == {"eth0"} and ip.started == 1


async def test_a_run_cancelled_by_its_deadline_leaves_the_read_to_the_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ip = FakeIp(tmp_path, monkeypatch, delay=0.3)
    host = HostState(max_age=5.0, system="linux")
    first = asyncio.ensure_future(host.route(ADDRESS))
    second = asyncio.ensure_future(host.route(ADDRESS))
    await asyncio.sleep(0.1)
    first.cancel()
    assert (await second).interface == "eth0" and first.cancelled() and ip.started == 1


async def test_a_failed_read_is_kept_for_the_window_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ip, clock = FakeIp(tmp_path, monkeypatch), Clock()
    ip.fail()
    host = HostState(max_age=5.0, system="linux", clock=clock)
    for _ in range(2):
        with pytest.raises(CommandError, match="exited with status 2"):
            await host.route(ADDRESS)
    assert ip.started == 1
    ip.route_via("eth0")
    clock.now += 5.0
    assert (await host.route(ADDRESS)).interface == "eth0" and ip.started == 2


async def test_a_command_line_run_reads_anew_each_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ip = FakeIp(tmp_path, monkeypatch)
    host = HostState(system="linux")  # max_age 0, the default
    await host.route(ADDRESS)
    ip.route_via("tun0")
    assert (await host.route(ADDRESS)).interface == "tun0" and ip.started == 2


async def test_addresses_no_run_asks_for_are_dropped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    FakeIp(tmp_path, monkeypatch)
    clock = Clock()
    host = HostState(max_age=5.0, system="linux", clock=clock)
    await host.route(ADDRESS)
    clock.now += 6
    await host.route("192.0.2.20")
    assert list(host._reads) == [("route", "192.0.2.20")]


async def test_the_vpn_check_reads_through_the_shared_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("interfaces come from psutil on Linux")
    ip = FakeIp(tmp_path, monkeypatch)
    host = HostState(max_age=5.0, system="linux")
    for _ in range(3):
        check, _ = await check_vpn([ADDRESS, "127.0.0.1"], host, system="linux")
        assert [(r.address, r.interface, r.gateway) for r in check.routes] == [
            (ADDRESS, "eth0", "192.0.2.1"), ("127.0.0.1", "lo", None)]
    assert ip.started == 1  # loopback is never looked up


async def test_recent_reads_a_value_once_per_window() -> None:
    clock, reads = Clock(), []

    async def read() -> int:
        reads.append(clock.now)
        return len(reads)

    recent = Recent(read, 5.0, clock)
    assert [await recent.get(), await recent.get()] == [1, 1]
    clock.now += 5
    assert await recent.get() == 2 and reads == [100.0, 105.0]
