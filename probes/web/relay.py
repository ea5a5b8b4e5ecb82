"""The browser's names resolved the way the run resolves them: a SOCKS5 relay on loopback, in-process.

Chromium cannot be pointed at a DNS server. With `--dns-server`, the run's browser goes
through this relay (`--proxy-server=socks5://127.0.0.1:PORT`): SOCKS5 hands the relay the
host name, which it resolves with the run's resolvers when the connection is made, then
tries the addresses in the order given and relays the bytes. So the browser can launch
before any name is known, and a host reached only by a script is resolved like the
portal. TLS stays end to end: the browser judges certificates itself.

A host that cannot be resolved or reached is refused, and Chromium then only says
`ERR_SOCKS_CONNECTION_FAILED`; the relay remembers what happened per host, and
`explain` gives Chromium's own name for it (`ERR_NAME_NOT_RESOLVED`...), the one the
workstation's browser would show. No library serves SOCKS5 inside an asyncio loop, hence
these few lines: CONNECT only, no authentication, loopback only, for the run's length.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import struct
from collections.abc import Awaitable, Callable

from probes.net.address import is_ip

Resolve = Callable[[str, int], Awaitable[list[str]]]  # addresses to try in order; [] when the name did not resolve

BIND_WAIT = 10.0  # a connection that comes before the run can resolve waits this long for it
HANDSHAKE_WAIT = 5.0
CHUNK = 64 * 1024

NOT_RESOLVED = "net::ERR_NAME_NOT_RESOLVED"
_SOCKS_FAILED = "net::ERR_SOCKS_CONNECTION_FAILED"
_REPLY_FAILED = b"\x05\x04\x00\x01" + bytes(6)  # host unreachable; Chromium reads every refusal alike
_REPLY_OK = b"\x05\x00\x00\x01" + bytes(6)


class ResolvingRelay:
    """A SOCKS5 CONNECT relay whose names resolve through the run's resolvers, once it is bound to them."""

    def __init__(self) -> None:
        self._server: asyncio.Server | None = None
        self._resolve: Resolve | None = None
        self._connect_wait = 5.0
        self._bound = asyncio.Event()
        self._streams: set[asyncio.StreamWriter] = set()
        self.outcomes: dict[str, str] = {}  # host -> Chromium's name for what went wrong, the last time

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)

    @property
    def port(self) -> int:
        assert self._server is not None, "start() first"
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def proxy_flag(self) -> str:
        """Chromium's switch that sends every connection here (loopback addresses stay direct, as Chromium does)."""
        return f"--proxy-server=socks5://127.0.0.1:{self.port}"

    def bind(self, resolve: Resolve, connect_wait: float) -> None:
        """Resolve from now on with `resolve`; connections already waiting go on."""
        self._resolve, self._connect_wait = resolve, connect_wait
        self._bound.set()

    def explain(self, host: str, error: str) -> str:
        """Chromium's error as the workstation's browser would name it, when the relay refused `host`."""
        if _SOCKS_FAILED in error and host in self.outcomes:
            return error.replace(_SOCKS_FAILED, self.outcomes[host])
        return error

    async def aclose(self) -> None:
        if self._server is not None:
            self._server.close()
        for writer in list(self._streams):
            writer.close()
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._streams.add(writer)
        try:
            async with asyncio.timeout(HANDSHAKE_WAIT):
                host, port = await _handshake(reader, writer)
            upstream = await self._connect(host, port)
            if upstream is None:
                writer.write(_REPLY_FAILED)
                await writer.drain()
                return
            self._streams.add(upstream[1])
            try:
                writer.write(_REPLY_OK)
                await _relay((reader, writer), upstream)
            finally:
                self._streams.discard(upstream[1])
                upstream[1].close()
        except Exception:  # noqa: BLE001 - a broken connection or lookup: the browser names what it saw
            return
        finally:
            self._streams.discard(writer)
            writer.close()

    async def _connect(self, host: str, port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        literal = is_ip(host)
        if not literal:
            await asyncio.wait_for(self._bound.wait(), BIND_WAIT)
        addresses = [host] if literal or self._resolve is None else await self._resolve(host, port)
        if not addresses:
            self.outcomes[host] = NOT_RESOLVED
            return None
        outcome = "net::ERR_CONNECTION_FAILED"
        for address in addresses:
            try:
                async with asyncio.timeout(self._connect_wait):
                    reader, writer = await asyncio.open_connection(address, port)
            except TimeoutError:
                outcome = "net::ERR_CONNECTION_TIMED_OUT"
                continue
            except OSError as exc:
                outcome = _chromium_name(exc)
                continue
            self.outcomes.pop(host, None)
            return reader, writer
        self.outcomes[host] = outcome
        return None


async def _handshake(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> tuple[str, int]:
    """RFC 1928 greeting and CONNECT request, without authentication; the destination asked for."""
    version, count = await reader.readexactly(2)
    await reader.readexactly(count)
    if version != 5:
        raise ValueError("not SOCKS5")
    writer.write(b"\x05\x00")
    version, command, _, kind = await reader.readexactly(4)
    if version != 5 or command != 1:
        writer.write(b"\x05\x07\x00\x01" + bytes(6))  # command not supported
        raise ValueError("only CONNECT is relayed")
    if kind == 1:
        host = str(ipaddress.IPv4Address(await reader.readexactly(4)))
    elif kind == 4:
        host = str(ipaddress.IPv6Address(await reader.readexactly(16)))
    elif kind == 3:
        host = (await reader.readexactly((await reader.readexactly(1))[0])).decode("idna").lower()
    else:
        raise ValueError("unknown address type")
    (port,) = struct.unpack("!H", await reader.readexactly(2))
    return host, port


async def _relay(browser: tuple[asyncio.StreamReader, asyncio.StreamWriter],
                 upstream: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> None:
    """Copy both ways until both sides end; a side that breaks closes the other (the caller closes both after)."""
    pipes = [asyncio.ensure_future(_pipe(browser[0], upstream[1])),
             asyncio.ensure_future(_pipe(upstream[0], browser[1]))]
    try:
        await asyncio.gather(*pipes)
    finally:
        for pipe in pipes:
            pipe.cancel()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(CHUNK):
            sink.write(data)
            await sink.drain()
        if sink.can_write_eof():
            sink.write_eof()
    except OSError:
        sink.close()


def _chromium_name(exc: OSError) -> str:
    """The name Chromium gives a failed connect (net/base/net_errors_posix.cc)."""
    names = {
        errno.ECONNREFUSED: "net::ERR_CONNECTION_REFUSED",
        errno.ECONNRESET: "net::ERR_CONNECTION_RESET",
        errno.EHOSTUNREACH: "net::ERR_ADDRESS_UNREACHABLE",
        errno.ENETUNREACH: "net::ERR_ADDRESS_UNREACHABLE",
        errno.ETIMEDOUT: "net::ERR_CONNECTION_TIMED_OUT",
        errno.EADDRNOTAVAIL: "net::ERR_ADDRESS_INVALID",
    }
    return names.get(exc.errno or 0, "net::ERR_CONNECTION_FAILED")
