"""One Chromium for the whole exporter, lent to every diagnosis that can use it.

Launching Playwright's driver and Chromium is the slowest part of a diagnosis; the
exporter launches it once, on the first scrape that needs it, and each diagnosis opens
its own fresh context in it (`probes.web.session`). A target whose run needs its
own browser flags (its own DNS servers, CA bundle or browser) is not lent it: it
launches and closes its own, as a command-line run does. A browser that died is
replaced on the next scrape; `aclose` ends it with every Chromium process it started.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING, Any

from agent.exporter.config import Monitored

if TYPE_CHECKING:
    from probes.web.session import BrowserSession


class SharedBrowser:
    def __init__(self, choice: str | None = None) -> None:
        self.choice = choice
        self._launch: asyncio.Task[Any] | None = None
        self._lock = asyncio.Lock()

    @staticmethod
    def can_share(item: Monitored, choice: str | None) -> bool:
        """Whether `item`'s runs may use the shared browser: it runs the browser with no flags of its own."""
        uses_browser = "browser" not in item.skip and (item.only is None or "browser" in item.only)
        config = item.config
        own_flags = bool(config.dns_servers) or config.ca_bundle is not None or config.browser not in (None, choice)
        return uses_browser and not own_flags

    async def lend(self, item: Monitored, wait: float) -> BrowserSession | None:
        """The browser for one run of `item`, when it may use it and it starts within `wait`; else None."""
        if not self.can_share(item, self.choice) or wait <= 0:
            return None
        async with self._lock:
            if self._launch is None or self._dead(self._launch):
                from probes.web.session import launch_shared

                await self.aclose()  # a browser that died still has its driver to stop
                self._launch = asyncio.ensure_future(launch_shared(self.choice))
            launch = self._launch
        try:
            session: BrowserSession = await asyncio.wait_for(asyncio.shield(launch), wait)
        except Exception:  # noqa: BLE001 - no browser to lend: the run launches its own and reports why
            return None
        return session

    async def aclose(self) -> None:
        launch, self._launch = self._launch, None
        if launch is None:
            return
        if not launch.done():
            launch.cancel()
            with contextlib.suppress(BaseException):
                await launch
            return
        if not launch.cancelled() and launch.exception() is None:
            await launch.result().aclose()

    @staticmethod
    def _dead(launch: asyncio.Task[Any]) -> bool:
        if not launch.done():
            return False
        if launch.cancelled() or launch.exception() is not None:
            return True
        return not launch.result().browser.is_connected()
