"""What runs read of the machine and its network, not of the target: each read shared within a short window.

The interfaces, the route to an address, the clock against a time server, the captive-portal
check. A command-line run reads each anew (`max_age` 0: every call reads). The exporter keeps one
`HostState` across scrapes: on Windows and macOS listing interfaces and routes starts a process
(`ipconfig /all`, `ifconfig`, `route`), on Linux `ip route get` for every address, and the
captive-portal check is a request to a public server. Within `max_age` seconds of a read, runs
take its answer (a failure too), and runs asking at once share the read in flight. A VPN that
connects, or a route that changes, shows in the runs that start at most `max_age` seconds later.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Any, Generic, TypeVar

from probes.osinfo.interfaces import Interface, list_interfaces
from probes.osinfo.routes import Route, route_to

T = TypeVar("T")


class Recent(Generic[T]):
    """One value read from the machine, handed to every caller within `max_age` seconds of the read.

    The read runs as its own task, so a caller cancelled by its deadline does not cancel it for
    the others waiting on it. What it raises is raised to each of them, and kept as long as a value.
    """

    def __init__(self, read: Callable[[], Awaitable[T]], max_age: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._read = read
        self.max_age = max_age
        self._clock = clock
        self._task: asyncio.Future[T] | None = None
        self._read_at = 0.0

    def fresh(self) -> bool:
        """Whether a read is in flight, or ended less than `max_age` seconds ago."""
        return self._task is not None and (not self._task.done() or self._clock() - self._read_at < self.max_age)

    async def get(self) -> T:
        if not self.fresh():
            self._task = asyncio.ensure_future(self._timed())
        assert self._task is not None
        return await asyncio.shield(self._task)

    async def _timed(self) -> T:
        try:
            return await self._read()
        finally:
            self._read_at = self._clock()  # before the task is done: `fresh` never sees it done with an old time


class HostState:
    """Reads of the machine that do not depend on the target, each through a `Recent` (see the module)."""

    def __init__(self, max_age: float = 0.0, system: str | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self._system = system
        self._clock = clock
        self._reads: dict[Hashable, Recent[Any]] = {}

    async def shared(self, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
        """`read()`'s answer, or the answer of the read made under the same `key` within the window.

        `key` names everything the answer depends on (the server asked, the resolvers, the proxy).
        """
        for stale in [k for k, recent in self._reads.items() if not recent.fresh()]:
            del self._reads[stale]  # a read no run asks for any more is not kept
        recent: Recent[T] | None = self._reads.get(key)
        if recent is None:
            recent = self._reads[key] = Recent(read, self.max_age, self._clock)
        return await recent.get()

    async def interfaces(self) -> list[Interface]:
        """The machine's interfaces (read-only: runs share them); CommandError when the OS cannot list them."""
        return await self.shared("interfaces", lambda: list_interfaces(self._system))

    async def route(self, destination: str) -> Route:
        """The route to `destination`; CommandError or ValueError when the OS cannot tell."""
        return await self.shared(("route", destination), lambda: route_to(destination, self._system))


async def shared(host: HostState | None, key: Hashable, read: Callable[[], Awaitable[T]]) -> T:
    """`host.shared(key, read)`, or `read()` itself for a run that shares nothing (`host` None)."""
    return await read() if host is None else await host.shared(key, read)
