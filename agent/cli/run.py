"""One `diagnose TARGET` run from its arguments: parse, check, diagnose, render; the exit code is the verdict's.

Heavy modules load only once the arguments are known to be good; when the browser will
run, its launch starts first (Playwright's driver, then Chromium), so it boots while the
rest of the agent loads in a worker thread.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, TypeVar

from agent.cli import credentials, signals
from agent.cli.errors import UsageError
from agent.cli.parser import build_parser

if TYPE_CHECKING:
    from agent.cli.options import Run

_T = TypeVar("_T")
SWITCH_WHILE_LOADING = 0.0002  # seconds


def run(argv: Sequence[str]) -> int:
    """Diagnose as the arguments say; a bad argument raises UsageError (one line, exit 3)."""
    began = time.monotonic()  # --timeout counts from here: loading the agent is part of the run
    gc.disable()  # from the first import on, see _load_agent; the event loop's own imports came before the thread's
    try:
        with signals.caught_early():
            return _run(build_parser().parse_args(list(argv)), began)
    finally:
        gc.enable()
        gc.unfreeze()  # a caller in the same process (a test, `compare`) gets every object collectable again


def _run(options: argparse.Namespace, began: float) -> int:
    if options.list_profiles:
        from agent.engine.profiles import ProfileError, list_profiles

        try:
            sys.stdout.write(list_profiles(options.profile_file) + "\n")
        except ProfileError as exc:
            raise UsageError(str(exc)) from None
        return 0
    import asyncio  # not for --help or a bad argument

    return asyncio.run(_diagnose(options, began))


def wants_browser(options: argparse.Namespace) -> bool:
    """Whether the browser or login probe will run, read from the raw --only/--skip text."""
    only = {n.strip() for n in options.only.split(",")} if options.only else None
    skip = {n.strip() for n in (options.skip or "").split(",")}
    return any((only is None or name in only) and name not in skip for name in ("browser", "login"))


async def _diagnose(options: argparse.Namespace, began: float) -> int:
    """Launch the browser first when it will run, then load the agent off the event loop: Playwright's driver and
    Chromium then start while this process imports the agent and checks the options, the slowest steps overlapping."""
    import asyncio

    claimed = credentials.claim_environment()  # no child process (driver, Chromium) inherits the password
    resources = None
    if wants_browser(options):
        from pathlib import Path

        from probes.resources import RunResources
        from probes.web.driver import let_start, spawn_driver, stop_driver

        resources = RunResources()  # closed below whatever happens: the browser never outlives the run
        resources.driver_started(spawn_driver, stop_driver)  # first: the Node.js driver is the longest to boot
        await let_start()  # spawned before the launch's own module loads
        from probes.web.session import LaunchPlan, start_launch

        bundle = Path(options.ca_bundle) if options.ca_bundle else None
        start_launch(resources, LaunchPlan.make(options.browser, bundle, bool(options.dns_server)))
        await let_start()
    try:
        run, execute = await _loaded_beside(asyncio.to_thread(_load_agent, options, claimed), resources is not None)
        return await execute(run, resources, began)
    finally:
        if resources is not None:
            await resources.aclose()


async def _loaded_beside(loading: Awaitable[_T], launching: bool) -> _T:
    """While the agent loads in a thread, the event loop gets the interpreter back at once when the browser's
    driver speaks (by default the loading thread could keep it 5 ms at a time, every time)."""
    interval = sys.getswitchinterval()
    if launching:
        sys.setswitchinterval(SWITCH_WHILE_LOADING)
    try:
        return await loading
    finally:
        sys.setswitchinterval(interval)


def _load_agent(options: argparse.Namespace, claimed: Mapping[str, str]) -> tuple[Run, Callable[..., Awaitable[int]]]:
    """The agent's heavy modules, the checked run and its probes' modules, loaded in a worker thread so that the
    event loop keeps launching the browser (an import on the event loop would hold the launch up).

    Modules, classes and schemas live as long as the process: the collector is held off while they load (it
    would find no garbage among them; `run` holds it off from the start) and then told to skip them (frozen),
    instead of walking them all again in every full collection of the run."""
    gc.disable()
    try:
        from agent.cli.options import build_run
        from agent.cli.session import execute
        from agent.engine.registry import preload, select

        run = build_run(options, claimed)
        preload(select(run.only, run.skip))
    finally:
        gc.enable()
    gc.freeze()
    return run, execute
