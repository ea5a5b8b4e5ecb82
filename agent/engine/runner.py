"""Runs the probes concurrently, each within its budget, all within the run's deadline.

Every probe starts at once; a probe that needs another's result awaits it through the
context, so the dependency graph (`Probe.depends_on`) orders the work without the
runner scheduling it. A probe that overruns its budget, crashes, or is still running
at the deadline still gets a result (`timeout` or `error`, with the reason), so the
report always has one entry per probe.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

from probes.base import Probe, ProbeContext, ProbeResult, enter_probe
from probes.evidence import Stopwatch

DEFAULT_TIMEOUT = 20.0
CLEANUP_SECONDS = 0.8  # at most this long, in all, to stop unfinished probes and close what they opened

Observer = Callable[[str, ProbeResult | None], None]  # (probe name, result or None when it starts)


class DependencyCycle(Exception):
    """The probes' `depends_on` declarations form a circle: no order could satisfy them."""


def budget_for(probe: Probe, timeout: float) -> float:
    """Seconds for `probe`: its share of the deadline, taken of at least the default 20 s.

    A short --timeout does not shrink a probe below what it needs at the default (the
    run's deadline still caps it); a long one gives slow portals more room.
    """
    return probe.budget * max(timeout, DEFAULT_TIMEOUT)


def check_dependencies(probes: Sequence[Probe]) -> None:
    """Raise DependencyCycle when the declared reads of the probes that run form a circle."""
    reads = {p.name: [d for d in p.depends_on if d != p.name] for p in probes}
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in path:
            raise DependencyCycle(" -> ".join((*path[path.index(name):], name)))
        if name in done or name not in reads:
            return
        for dependency in reads[name]:
            visit(dependency, (*path, name))
        done.add(name)

    for name in reads:
        visit(name, ())


async def _run_one(probe: Probe, ctx: ProbeContext, budget: float, observer: Observer | None) -> ProbeResult:
    watch = Stopwatch()
    if observer:
        observer(probe.name, None)
    enter_probe(probe, asyncio.get_running_loop().time() + budget)
    try:
        async with asyncio.timeout(budget):
            result = await probe.run(ctx)
    except TimeoutError:
        result = ProbeResult(
            name=probe.name, status="timeout", summary=f"did not finish within its {budget:.0f} s budget",
            reason=f"budget of {budget:.0f} s exceeded",
        )
    except Exception as exc:  # noqa: BLE001 - a crashing probe becomes an error result, never a crashed run
        result = ProbeResult(
            name=probe.name, status="error", summary="the probe failed",
            reason=f"{type(exc).__name__}: {exc}",
        )
    result.duration_ms = result.duration_ms or watch.ms()
    ctx.provide(result)
    if observer:
        observer(probe.name, result)
    return result


async def run_probes(
    probes: Sequence[Probe],
    ctx: ProbeContext,
    deadline: float,
    observer: Observer | None = None,
    stop: asyncio.Event | None = None,
) -> list[ProbeResult]:
    """Run `probes` concurrently; return one result per probe, in the given order, by `deadline` seconds.

    Setting `stop` (an interrupt) ends the run early the way the deadline does.
    """
    check_dependencies(probes)
    for probe in probes:
        ctx.expect(probe.name)
    timeout = ctx.config.timeout
    tasks = [
        asyncio.create_task(_run_one(p, ctx, min(budget_for(p, timeout), deadline), observer), name=p.name)
        for p in probes
    ]
    stop = stop or asyncio.Event()
    stopper = asyncio.create_task(stop.wait())
    all_done = asyncio.gather(*tasks, return_exceptions=True)
    first_of: list[asyncio.Future[Any]] = [all_done, stopper]  # two result types, one list for wait()
    try:
        await asyncio.wait(first_of, timeout=deadline, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopper.cancel()
        pending = [t for t in tasks if not t.done()]
        for task in pending:
            task.cancel()
        cleanup_end = asyncio.get_running_loop().time() + CLEANUP_SECONDS
        if pending:
            await asyncio.wait(pending, timeout=CLEANUP_SECONDS / 2)
        await _close_resources(ctx, max(0.1, cleanup_end - asyncio.get_running_loop().time()))

    interrupted = stop.is_set()
    results = []
    for probe, task in zip(probes, tasks, strict=True):
        if task.done() and not task.cancelled() and task.exception() is None:
            results.append(task.result())
            continue
        result = ProbeResult(
            name=probe.name, status="timeout", duration_ms=int(deadline * 1000),
            summary="interrupted before it finished" if interrupted
            else f"still running when the run's {timeout:g} s deadline passed",
            reason="interrupted" if interrupted else "run deadline reached",
        )
        ctx.provide(result)
        if observer:
            observer(probe.name, result)
        results.append(result)
    return results


async def _close_resources(ctx: ProbeContext, within: float) -> None:
    """Close what the probes opened (browsers above all), bounded so a stuck close cannot hold the run.

    A driver not stopped in time still goes: it exits with this process, taking its browsers with it.
    """
    try:
        async with asyncio.timeout(within):
            await ctx.resources.aclose()
    except (TimeoutError, Exception):  # noqa: BLE001 - cleanup failures must not lose the report
        return
