"""The runner: concurrency, budgets, the deadline, crashes and dependencies, with probes made for the test."""

from __future__ import annotations

import asyncio
import time
from typing import ClassVar

import pytest

from agent.engine.runner import DependencyCycle, run_probes
from probes.base import ProbeContext, ProbeResult, RunConfig, UndeclaredRead
from probes.target import Target


class Sleeper:
    depends_on: ClassVar[tuple[str, ...]] = ()
    budget: ClassVar[float] = 0.5

    def __init__(self, name: str, seconds: float, budget: float = 0.5) -> None:
        self.name = name  # type: ignore[misc]
        self.seconds = seconds
        self.budget = budget  # type: ignore[misc]
        self.closed = False

    async def run(self, ctx: ProbeContext) -> ProbeResult:
        try:
            await asyncio.sleep(self.seconds)
        finally:
            self.closed = True
        return ProbeResult(name=self.name, status="pass", summary=f"slept {self.seconds}")


class Crasher:
    name = "tls"
    depends_on: ClassVar[tuple[str, ...]] = ()
    budget: ClassVar[float] = 0.5

    async def run(self, ctx: ProbeContext) -> ProbeResult:
        raise RuntimeError("boom")


class Reader:
    """Reads the dns result, as dependent probes do."""

    name = "network"
    depends_on: ClassVar[tuple[str, ...]] = ("dns", "status_page")
    budget: ClassVar[float] = 0.5

    async def run(self, ctx: ProbeContext) -> ProbeResult:
        dns = await ctx.result("dns")
        missing = await ctx.result("status_page")
        return ProbeResult(name=self.name, status="pass", summary=f"dns said {dns.summary if dns else None}, "
                           f"status_page {missing}")


def context(timeout: float = 20) -> ProbeContext:
    return ProbeContext(Target.parse("https://localhost:1/"), RunConfig(timeout=timeout))


async def test_probes_run_concurrently_and_in_order() -> None:
    probes = [Sleeper("dns", 0.3), Sleeper("clock", 0.3), Sleeper("http", 0.3)]
    started = time.perf_counter()
    results = await run_probes(probes, context(), deadline=5)
    assert time.perf_counter() - started < 0.6
    assert [r.name for r in results] == ["dns", "clock", "http"]
    assert all(r.status == "pass" and r.duration_ms >= 290 for r in results)


async def test_deadline_marks_unfinished_probes_timeout_and_cancels_them() -> None:
    slow = Sleeper("browser", 30)
    started = time.perf_counter()
    results = await run_probes([Sleeper("dns", 0.01), slow], context(), deadline=0.4)
    assert time.perf_counter() - started < 1.5
    assert [r.status for r in results] == ["pass", "timeout"]
    assert results[1].reason == "run deadline reached"
    assert slow.closed


async def test_budget_overrun_is_timeout_with_reason() -> None:
    results = await run_probes([Sleeper("dns", 30, budget=0.01)], context(), deadline=5)
    assert results[0].status == "timeout" and "budget" in (results[0].reason or "")


async def test_crash_becomes_error_and_the_run_goes_on() -> None:
    results = await run_probes([Crasher(), Sleeper("dns", 0.01)], context(), deadline=5)
    assert results[0].status == "error" and results[0].reason == "RuntimeError: boom"
    assert results[1].status == "pass"


async def test_dependents_read_results_and_absent_probes_are_none() -> None:
    results = await run_probes([Reader(), Sleeper("dns", 0.1)], context(), deadline=5)
    assert results[0].summary == "dns said slept 0.1, status_page None"


async def test_stop_event_ends_the_run_early() -> None:
    stop = asyncio.Event()
    asyncio.get_running_loop().call_later(0.2, stop.set)
    started = time.perf_counter()
    results = await run_probes([Sleeper("browser", 30)], context(), deadline=10, stop=stop)
    assert time.perf_counter() - started < 1.5
    assert results[0].status == "timeout" and results[0].reason == "interrupted"


async def test_probes_see_the_time_their_budget_leaves() -> None:
    class Asker:
        name = "http"
        depends_on: ClassVar[tuple[str, ...]] = ()
        budget: ClassVar[float] = 0.15  # of at least 20 s: 3 s

        async def run(self, ctx: ProbeContext) -> ProbeResult:
            return ProbeResult(name=self.name, status="pass", summary=f"{ctx.time_left(100):.1f}")

    (result,) = await run_probes([Asker()], context(), deadline=5)
    assert 2.5 < float(result.summary) <= 3.0


class Cyclic:
    budget: ClassVar[float] = 0.5

    def __init__(self, name: str, reads: tuple[str, ...]) -> None:
        self.name = name  # type: ignore[misc]
        self.depends_on = reads  # type: ignore[misc]

    async def run(self, ctx: ProbeContext) -> ProbeResult:
        for name in self.depends_on:
            await ctx.result(name)
        return ProbeResult(name=self.name, status="pass")


async def test_a_circle_of_dependencies_is_refused_at_start() -> None:
    with pytest.raises(DependencyCycle, match="http -> browser -> http"):
        await run_probes([Cyclic("http", ("browser",)), Cyclic("browser", ("http",))], context(), deadline=5)


async def test_reading_an_undeclared_result_is_an_error() -> None:
    (result, _) = await run_probes([Cyclic("tls", ()), Sleeper("dns", 0.01)], context(), deadline=5)
    assert result.status == "pass"

    class Sneaky(Cyclic):
        async def run(self, ctx: ProbeContext) -> ProbeResult:
            await ctx.result("dns")
            return ProbeResult(name=self.name, status="pass")

    (result, _) = await run_probes([Sneaky("tls", ()), Sleeper("dns", 0.01)], context(), deadline=5)
    assert result.status == "error" and UndeclaredRead.__name__ in (result.reason or "")


def test_every_shipped_probe_declares_a_budget_and_no_circle() -> None:
    from agent.engine import registry
    from agent.engine.runner import check_dependencies

    probes = [registry.load(name) for name in registry.PROBES]
    assert all(0 < p.budget <= 1 for p in probes)
    check_dependencies(probes)
