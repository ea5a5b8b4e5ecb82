"""Playwright's driver for a run, started as early as the run can start it, and always stopped.

Starting the driver (a Node.js process) is a good part of the browser's start-up, and
needs nothing from the run, so a caller may start it before anything else: with
`spawn_driver()` before the run's context exists (then handing the future over in
`RunResources(driver=...)`); the browser launch (`probes.web.session.start_launch`)
picks it up, or spawns it. This module stays light to import for that reason. Stopping
the driver closes every browser it launched, so the cleanup registered on
`ctx.resources` is what guarantees that no Chromium outlives the run, on the deadline
and on interrupts too.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import Playwright

DRIVER_WAIT = 3.0  # how long cleanup waits for a driver still starting, to stop it cleanly
STOP_TIMEOUT = 1.2  # for the driver to close its browsers and exit


def spawn_driver() -> asyncio.Future[Playwright]:
    """Start a driver now; whoever holds the future stops it (or hands it to a run's `RunResources`)."""
    from playwright.async_api import async_playwright  # imported late: only runs with a browser pay for it

    keep_compiled_code()
    return asyncio.ensure_future(async_playwright().start())


def keep_compiled_code() -> None:
    """Let Node.js keep the driver's compiled JavaScript between runs (`NODE_COMPILE_CACHE`): compiling it
    is a fifth of the driver's start. Node checks each entry against its source and ignores a folder it
    cannot write. The driver inherits this process's environment, so that is where it goes; a value
    already set is left alone. Every start of a driver comes through here."""
    from platformdirs import user_cache_dir

    os.environ.setdefault("NODE_COMPILE_CACHE", os.path.join(user_cache_dir("diagnose"), "node-compile-cache"))


async def let_start(turns: int = 3) -> None:
    """Give the event loop the few turns it needs to actually spawn a driver just asked for."""
    for _ in range(turns):
        await asyncio.sleep(0)


async def stop_driver(starting: asyncio.Future[Playwright]) -> None:
    """Stop the driver, bounded: let it finish starting if it is still starting, then stop it."""
    with contextlib.suppress(BaseException):
        playwright = await asyncio.wait_for(asyncio.shield(starting), DRIVER_WAIT)
        await asyncio.wait_for(playwright.stop(), STOP_TIMEOUT)


async def warm() -> None:
    """Start a driver and stop it, leaving Node.js's compiled code in the cache: an image build runs this once
    (`python -m probes.web.driver`), so a container's first run does not compile the driver again."""
    await stop_driver(spawn_driver())


if __name__ == "__main__":
    asyncio.run(warm())
