"""The machine's network state as runs read it: each read shared by the runs within a short window.

A command-line run reads the interfaces and its routes once (`max_age` 0: every call reads).
The exporter keeps one `HostState` across scrapes: none of this depends on the target, and on
Windows and macOS each read starts a process (`ipconfig /all`, `ifconfig`, `route`), on Linux
`ip route get` for every address. Within `max_age` seconds of a read, runs take its answer (a
failure too), and runs asking at once share the read in flight. A VPN that connects, or a route
that changes, shows in the runs that start at most `max_age` seconds later.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

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
    """The interfaces and the routes to addresses, read through `Recent` (see the module)."""

    def __init__(self, max_age: float = 0.0, system: str | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.max_age = max_age
        self._system = system
        self._clock = clock
        self._interfaces = Recent(lambda: list_interfaces(system), max_age, clock)
        self._routes: dict[str, Recent[Route]] = {}

    async def interfaces(self) -> list[Interface]:
        """The machine's interfaces (read-only: runs share them); CommandError when the OS cannot list them."""
        return await self._interfaces.get()

    async def route(self, destination: str) -> Route:
        """The route to `destination`; CommandError or ValueError when the OS cannot tell."""
        for address in [a for a, recent in self._routes.items() if not recent.fresh()]:
            del self._routes[address]  # an address no run asks for any more is not kept
        recent = self._routes.get(destination)
        if recent is None:
            recent = self._routes[destination] = Recent(lambda: route_to(destination, self._system),
                                                        self.max_age, self._clock)
        return await recent.get()
