"""One `diagnose TARGET` run from its arguments: parse, check, diagnose, render; the exit code is the verdict's.

Heavy modules load only once the arguments are known to be good; Playwright's driver is
started first when the browser will run, so it boots while the rest of the agent loads.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from agent.cli import credentials, signals
from agent.cli.errors import UsageError
from agent.cli.parser import build_parser


def run(argv: Sequence[str]) -> int:
    """Diagnose as the arguments say; a bad argument raises UsageError (one line, exit 3)."""
    began = time.monotonic()  # --timeout counts from here: loading the agent is part of the run
    with signals.caught_early():
        return _run(build_parser().parse_args(list(argv)), began)


def _run(options: argparse.Namespace, began: float) -> int:
    if options.list_profiles:
        from agent.engine.profiles import ProfileError, list_profiles

        try:
            sys.stdout.write(list_profiles(options.profile_file) + "\n")
        except ProfileError as exc:
            raise UsageError(str(exc)) from None
        return 0
    import asyncio

    return asyncio.run(_diagnose(options, began))


def wants_browser(options: argparse.Namespace) -> bool:
    """Whether the browser or login probe will run, read from the raw --only/--skip text."""
    only = {n.strip() for n in options.only.split(",")} if options.only else None
    skip = {n.strip() for n in (options.skip or "").split(",")}
    return any((only is None or name in only) and name not in skip for name in ("browser", "login"))


async def _diagnose(options: argparse.Namespace, began: float) -> int:
    """Start Playwright's driver first when the browser will run: the Node.js process then boots
    while this one imports the agent and checks the options, the slowest two steps overlapping."""
    claimed = credentials.claim_environment()  # no child process (driver, Chromium) inherits the password
    resources = None
    if wants_browser(options):
        from probes.resources import RunResources
        from probes.web import driver

        resources = RunResources()
        resources.driver_started(driver.spawn_driver, driver.stop_driver)  # stopped by aclose, whatever happens
        await driver.let_start()
    try:
        from agent.cli.options import build_run
        from agent.cli.session import execute

        return await execute(build_run(options, claimed), resources, began)
    finally:
        if resources is not None:
            await resources.aclose()
