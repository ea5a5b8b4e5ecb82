"""One Chromium for the whole exporter, lent to every diagnosis that can use it.

Launching Playwright's driver and Chromium is the slowest part of a diagnosis; the
exporter launches it once, on the first scrape that needs it, and each diagnosis opens
its own fresh context in it (`probes.web.session`). A target whose run needs its
own browser flags (its own DNS servers, CA bundle or browser) is not lent it: it
launches and closes its own, as a command-line run does. A browser that died is
replaced on the next scrape; `aclose` ends it with every Chromium process it started.

Each run borrows it through a `Lent` session that records the contexts the run opens;
`give_back` closes whichever are still open when the run ends, however it ended. A run
cancelled at its deadline may not have closed its context (or may have been cancelled
while opening one): left open, each would keep a renderer alive for as long as the
exporter runs. A context that will not close in time gets the browser replaced.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.exporter.config import Monitored
from probes.web.session import BrowserSession

if TYPE_CHECKING:
    from playwright.async_api import BrowserContext

    from probes.base import ProbeContext

CLOSE_SECONDS = 5.0  # for a run's leftover contexts to close before the browser is replaced


@dataclass
class Lent(BrowserSession):
    """The shared browser as one run sees it: every context it opens is recorded, to be closed after the run."""

    opened: list[BrowserContext] = field(default_factory=list)
    opening: set[asyncio.Task[BrowserContext]] = field(default_factory=set)
    returned: bool = False  # the run ended: a probe task it left behind gets no new context
    late: set[asyncio.Task[None]] = field(default_factory=set)

    async def new_context(self, ctx: ProbeContext, har_path: Path | None = None) -> BrowserContext:
        """The base's context, opened in a task of its own so that a run cancelled meanwhile still records it."""
        if self.returned:
            raise RuntimeError("the run this browser was lent to has ended")
        opening = asyncio.ensure_future(BrowserSession.new_context(self, ctx, har_path))
        self.opening.add(opening)

        def opened(task: asyncio.Task[BrowserContext]) -> None:
            self.opening.discard(task)
            if task.cancelled() or task.exception() is not None:
                return
            _finish_closing(task.result())
            if self.returned:  # opened after the run was cleaned up: closed at once
                closing = asyncio.ensure_future(_close_quietly(task.result()))
                self.late.add(closing)
                closing.add_done_callback(self.late.discard)
            else:
                self.opened.append(task.result())

        opening.add_done_callback(opened)
        return await asyncio.shield(opening)


def _finish_closing(context: BrowserContext) -> None:
    """Make `context.close()` run to its end even when its caller is cancelled.

    A probe closes its context in a `finally` bounded by a timeout; cancelled half-way,
    Playwright marks the context closing and never closes it again, so its renderer
    would stay. The close runs in a task of its own; a caller cancelled meanwhile leaves
    it running, and a later call (`give_back`) waits for the same task.
    """
    real = context.close
    task: asyncio.Task[None] | None = None

    async def close(reason: str | None = None) -> None:
        nonlocal task
        if task is None:
            task = asyncio.ensure_future(real(reason=reason))
        await asyncio.shield(task)

    context.close = close  # type: ignore[method-assign]


class SharedBrowser:
    def __init__(self, choice: str | None = None) -> None:
        self.choice = choice
        self._launch: asyncio.Task[Any] | None = None
        self._lock = asyncio.Lock()
        self._users: dict[int, int] = {}  # id(browser) -> runs holding it now
        self._retired: dict[int, BrowserSession] = {}  # replaced, closed when their last run gives them back

    @staticmethod
    def can_share(item: Monitored, choice: str | None) -> bool:
        """Whether `item`'s runs may use the shared browser: it runs the browser with no flags of its own."""
        uses_browser = "browser" not in item.skip and (item.only is None or "browser" in item.only)
        config = item.config
        own_flags = bool(config.dns_servers) or config.ca_bundle is not None or config.browser not in (None, choice)
        return uses_browser and not own_flags

    async def lend(self, item: Monitored, wait: float) -> BrowserSession | None:
        """The browser for one run of `item`, when it may use it and it is up (or starts within `wait`); else None."""
        if not self.can_share(item, self.choice):
            return None
        launch = await self.prelaunch()
        if not launch.done() and wait <= 0:
            return None
        try:
            session: BrowserSession = await asyncio.wait_for(asyncio.shield(launch), max(wait, 0.0))
        except Exception:  # noqa: BLE001 - no browser to lend: the run launches its own and reports why
            return None
        self._users[id(session.browser)] = self._users.get(id(session.browser), 0) + 1
        return Lent(session.playwright, session.browser, session.info, session.user_agent)

    async def prelaunch(self) -> asyncio.Task[Any]:
        """The current launch, started now if there is none (or the browser died): ready before scrapes need it.

        A scrape that finds no browser ready within its deadline launches one of its own,
        which costs far more than this one launch; hence at start and on every replacement.
        """
        async with self._lock:
            if self._launch is None or self._dead(self._launch):
                from probes.web.session import launch_shared

                await self._close_current()  # a browser that died still has its driver to stop
                self._launch = asyncio.ensure_future(launch_shared(self.choice))
            return self._launch

    async def give_back(self, lent: BrowserSession | None) -> None:
        """After a run: close the contexts it left open. One that does not close (Playwright
        does not close a context again once a close was cancelled) retires the browser: the
        next run gets a new one, and this one is closed, renderers and all, once its last run
        has given it back."""
        if not isinstance(lent, Lent):
            return
        lent.returned = True
        with contextlib.suppress(TimeoutError):
            if lent.opening:
                await asyncio.wait_for(asyncio.wait(set(lent.opening)), CLOSE_SECONDS)
        opened, lent.opened = lent.opened, []
        try:
            await asyncio.wait_for(asyncio.gather(*(c.close() for c in opened), return_exceptions=True),
                                   CLOSE_SECONDS)
        except TimeoutError:
            pass
        left = set(lent.browser.contexts)
        if lent.opening or any(context in left for context in opened):
            await self._retire(lent)
        key = id(lent.browser)
        self._users[key] = self._users.get(key, 1) - 1
        if self._users[key] <= 0:
            del self._users[key]
            retired = self._retired.pop(key, None)
            if retired is not None:
                await retired.aclose()

    async def _retire(self, lent: Lent) -> None:
        """Stop lending the browser `lent` came from (if it is still the current one)."""
        async with self._lock:
            launch = self._launch
            if launch is not None and launch.done() and not self._dead(launch) and \
                    launch.result().browser is lent.browser:
                self._launch = None
                self._retired[id(lent.browser)] = launch.result()
        await self.prelaunch()

    async def aclose(self) -> None:
        """Close the current browser and any retired one still held by a run."""
        retired, self._retired = list(self._retired.values()), {}
        await self._close_current()
        for session in retired:
            await session.aclose()

    async def _close_current(self) -> None:
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


async def _close_quietly(context: BrowserContext) -> None:
    with contextlib.suppress(Exception):
        await asyncio.wait_for(context.close(), CLOSE_SECONDS)
