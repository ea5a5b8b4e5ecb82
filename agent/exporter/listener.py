"""The exporter's listening socket: aiohttp's HTTP/1.1 server behind a cap on open connections.

aiohttp parses requests, keeps connections alive and closes one idle for
`idle_timeout` seconds (a client that connects and sends nothing, or only part of a
request head, included). What aiohttp has no setting for is how many connections may
be open at once: an exporter reachable by others must not let idle sockets use up its
file descriptors, nor starve Prometheus. So a new connection past `max_connections`
first closes the oldest idle one (no request being answered); only when every open
connection is busy with a request is the new one answered 503 and closed. Each of
these is a counter in `/metrics`, never a log line: a flood writes nothing to stderr.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from agent.exporter.metrics import ExporterMetrics

RESERVED_FDS = 1024  # descriptors kept for the diagnoses themselves: sockets, the driver's pipes, files
MAX_FIELD = 8190  # bytes per request line or header line, aiohttp's default, named here because the tests pin it
REFUSED = b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

Handler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


class _CountingHandler(logging.Handler):
    """aiohttp's per-connection errors (malformed requests, resets) as a counter, never as text."""

    def __init__(self, metrics: ExporterMetrics) -> None:
        super().__init__()
        self.metrics = metrics

    def emit(self, record: logging.LogRecord) -> None:
        kind = record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else "error"
        self.metrics.http_errors.labels(kind).inc()


class _Refused(asyncio.Protocol):
    """A connection past the cap while every other one is busy: a 503 and closed, nothing read."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        transport.write(REFUSED)
        transport.close()


class _Counted(asyncio.Protocol):
    """aiohttp's protocol for one connection, telling the listener when the connection is gone.

    aiohttp registers a connection only once asyncio has called `connection_made`, which
    comes after a whole burst of accepts: the cap must count from the accept on.
    """

    def __init__(self, inner: RequestHandler, open_now: dict[RequestHandler, None]) -> None:
        self.inner = inner
        self.open_now = open_now
        open_now[inner] = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.inner.connection_made(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        self.open_now.pop(self.inner, None)
        self.inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self.inner.data_received(data)

    def eof_received(self) -> None:
        self.inner.eof_received()

    def pause_writing(self) -> None:
        self.inner.pause_writing()

    def resume_writing(self) -> None:
        self.inner.resume_writing()


class Listener:
    """aiohttp's low-level server for `handler`, listening on host:port with a connection cap."""

    def __init__(self, handler: Handler, metrics: ExporterMetrics, max_connections: int, idle_timeout: float) -> None:
        self.metrics = metrics
        self.max_connections = fd_budget(max_connections)
        self.busy: set[RequestHandler] = set()  # connections answering a request now; the others are idle
        self.open_now: dict[RequestHandler, None] = {}  # accepted and not yet lost, oldest first
        logger = logging.getLogger(f"diagnose.exporter.http.{id(self)}")
        logger.propagate = False
        logger.addHandler(_CountingHandler(metrics))
        self._logger = logger
        metrics.connections_open.set_function(lambda: len(self.open_now))
        self.http = web.Server(_tracking(handler, self.busy), logger=logger, access_log=None,
                               keepalive_timeout=idle_timeout, max_line_size=MAX_FIELD, max_field_size=MAX_FIELD)
        self.server: asyncio.Server | None = None

    async def start(self, host: str, port: int) -> asyncio.Server:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(self._connection, host, port, reuse_address=True, backlog=512)
        return self.server

    def _connection(self) -> asyncio.Protocol:
        """The protocol for a new connection: aiohttp's, after making room under the cap."""
        if len(self.open_now) >= self.max_connections:
            # the oldest connected one not answering a request (one accepted in this burst has no socket yet)
            idle = next((conn for conn in self.open_now if conn.transport is not None and conn not in self.busy), None)
            if idle is None:
                self.metrics.connections_closed.labels("refused").inc()
                return _Refused()
            del self.open_now[idle]
            idle.force_close()
            self.metrics.connections_closed.labels("evicted_idle").inc()
        self.metrics.connections.inc()
        return _Counted(self.http(), self.open_now)

    async def close(self, timeout: float = 2.0) -> None:
        """Stop listening, let requests being answered end within `timeout`, close the rest."""
        if self.server is not None:
            self.server.close()
        await self.http.shutdown(timeout)
        for handler in list(self._logger.handlers):
            self._logger.removeHandler(handler)


def _tracking(handler: Handler, busy: set[RequestHandler]) -> Handler:
    """`handler`, marking its connection busy while it answers, so the cap never closes it mid-answer."""

    async def answer(request: web.BaseRequest) -> web.StreamResponse:
        connection = request.protocol
        assert isinstance(connection, RequestHandler)
        busy.add(connection)
        try:
            return await handler(request)
        finally:
            busy.discard(connection)

    return answer


def fd_budget(wanted: int) -> int:
    """The connection cap this process can honour: raise the soft file limit as far as needed, else lower the cap.

    Past the descriptor limit asyncio's accept loop logs a traceback per attempt; keeping
    the cap under the limit (less what the diagnoses need) keeps it from getting there.
    """
    try:
        import resource
    except ImportError:  # Windows: no such limit to run into
        return wanted
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    needed = wanted + RESERVED_FDS
    if soft != resource.RLIM_INFINITY and soft < needed:
        target = needed if hard == resource.RLIM_INFINITY else min(needed, hard)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(8, min(wanted, soft - RESERVED_FDS))
