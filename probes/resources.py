"""What a run owns while it goes: the browser driver and browser, names already resolved, the artifact folder.

One typed object per run (`ProbeContext.resources`), or lent for the exporter's lifetime
(a browser kept across scrapes). Each piece is started by the first probe that needs it
and closed in one place, `aclose`, which the runner calls at the end of every run, on
the deadline and on interrupts too: no Chromium outlives its run.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.async_api import Playwright

    from probes.net.host_lookup import HostLookup
    from probes.osinfo.host_state import HostState
    from probes.web.relay import ResolvingRelay
    from probes.web.session import BrowserSession, LaunchPlan


class RunResources:
    """The run's shared, closable things, typed; nothing here is read as a string key."""

    def __init__(
        self, driver: asyncio.Future[Playwright] | None = None, browser: BrowserSession | None = None,
        host: HostState | None = None,
    ) -> None:
        self.driver = driver  # a Playwright driver already starting (handed over by the command line), or None
        self.lent_browser = browser  # a browser lent by a longer-lived owner (the exporter): used, never closed here
        self.host = host  # reads of the machine, not the target, shared across runs (the exporter's); None: anew
        self.launch: asyncio.Future[BrowserSession] | None = None  # the browser launched for this run
        self.launch_plan: LaunchPlan | None = None  # what it was launched with
        self.relay: ResolvingRelay | None = None  # through which it resolves names like the run
        self.resolved_hosts: dict[str, asyncio.Future[HostLookup]] = {}  # see host_lookup.lookup_once
        self.artifact_dir: Path | None = None
        self.artifact_stamp: str | None = None
        self._closers = contextlib.AsyncExitStack()
        self._driver_stop_registered = False

    def on_close(self, callback: Callable[[], Awaitable[object]]) -> None:
        """Run `callback` when the run's resources are closed (last registered, first run)."""
        self._closers.push_async_callback(callback)

    def driver_started(self, spawn: Callable[[], asyncio.Future[Playwright]],
                       stop: Callable[[asyncio.Future[Playwright]], Awaitable[None]]) -> asyncio.Future[Playwright]:
        """The run's driver: the one handed over, or one spawned now; its stop is registered once."""
        if self.driver is None:
            self.driver = spawn()
        if not self._driver_stop_registered:
            driver = self.driver
            self._driver_stop_registered = True
            self.on_close(lambda: stop(driver))
        return self.driver

    def explain(self, host: str, error: str) -> str:
        """A browser error for `host` as the workstation's browser would name it (see `ResolvingRelay.explain`)."""
        return self.relay.explain(host, error) if self.relay is not None else error

    async def aclose(self) -> None:
        """Close what the run opened, in reverse order."""
        await self._closers.aclose()

    async def __aenter__(self) -> RunResources:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
