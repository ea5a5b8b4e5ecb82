"""A small HTTP/1.1 server on asyncio streams, enough for Prometheus to scrape.

GET and HEAD only, no request bodies worth reading, keep-alive as Prometheus uses it.
Limits are tight because the exporter may listen beyond loopback: a request head
larger than `MAX_HEAD` bytes, or a client that sends nothing for `IDLE_SECONDS`, is
dropped rather than allowed to hold a connection open.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

MAX_HEAD = 16 * 1024
MAX_BODY = 64 * 1024
IDLE_SECONDS = 60.0


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names lower-cased

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    content_type: str = "text/plain; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def text(cls, status: int, message: str) -> Response:
        return cls(status, (message.rstrip("\n") + "\n").encode("utf-8"))


Handler = Callable[[Request], Awaitable[Response]]


class BadRequest(Exception):
    """The request cannot be parsed; the connection is answered with 400 and closed."""


async def start(handler: Handler, host: str, port: int) -> asyncio.Server:
    """Listen on host:port (port 0 picks one) and answer every request with `handler`."""

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await _serve(reader, writer, handler)
        except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
            pass
        except asyncio.CancelledError:
            pass  # the server is shutting down: this task ends here, quietly
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    return await asyncio.start_server(connection, host, port, limit=MAX_HEAD, reuse_address=True)


async def _serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, handler: Handler) -> None:
    while True:
        try:
            async with asyncio.timeout(IDLE_SECONDS):
                head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.LimitOverrunError:
            await _write(writer, Response.text(431, "request head too large"), "GET", keep_alive=False)
            return
        except asyncio.IncompleteReadError as exc:
            if exc.partial.strip():
                raise
            return  # the client closed an idle keep-alive connection
        try:
            request, version = _parse(head)
            length = int(request.headers.get("content-length") or 0)
            if "transfer-encoding" in request.headers or not 0 <= length <= MAX_BODY:
                raise BadRequest("request bodies are not accepted")
        except (BadRequest, ValueError) as exc:
            await _write(writer, Response.text(400, f"bad request: {exc}"), "GET", keep_alive=False)
            return
        if length:
            await reader.readexactly(length)
        connection = request.headers.get("connection", "").lower()
        keep_alive = connection != "close" and (version == "HTTP/1.1" or connection == "keep-alive")
        if request.method not in ("GET", "HEAD"):
            response = Response.text(405, f"method {request.method} not allowed: use GET")
            response.headers["Allow"] = "GET, HEAD"
        else:
            response = await handler(request)
        await _write(writer, response, request.method, keep_alive)
        if not keep_alive:
            return


def _parse(head: bytes) -> tuple[Request, str]:
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise BadRequest(f"malformed request line {lines[0][:80]!r}")
    method, target, version = parts
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if not line:
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadRequest(f"malformed header line {line[:80]!r}")
        headers[name.lower()] = value.strip()
    split = urlsplit(target)
    query = parse_qs(split.query, keep_blank_values=True)
    return Request(method.upper(), split.path or "/", query, headers), version


async def _write(writer: asyncio.StreamWriter, response: Response, method: str, keep_alive: bool) -> None:
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = ""
    head = [
        f"HTTP/1.1 {response.status} {reason}",
        f"Content-Type: {response.content_type}",
        f"Content-Length: {len(response.body)}",
        f"Connection: {'keep-alive' if keep_alive else 'close'}",
        *(f"{name}: {value}" for name, value in response.headers.items()),
    ]
    writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
    if method != "HEAD":
        writer.write(response.body)
    await writer.drain()
