"""Ask the server for a stapled OCSP response (RFC 6066 status_request), as Chromium does.

Chromium believes a stapled "revoked" even when no responder is reachable, so the probe
must see the staple too. Python's `ssl` cannot send status_request; pyOpenSSL can. Its
handshake runs on memory BIOs pumped over streams the caller opens (the pinned address,
or the proxy's tunnel), so it goes where the browser's would. Nothing is judged here:
whether the answer is for this leaf and signed by its issuer is `revocation.py`'s call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from functools import cache

from OpenSSL import SSL

from probes.net.address import is_ip
from probes.net.tls_handshake import BROWSER_CIPHERS
from probes.net.tunnel import TunnelError
from probes.text.durations import seconds

Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]
_CHUNK = 65536


# How long an answer serves again, for the same leaf on the same server: a minute, so that a server
# that starts stapling "revoked" is seen within a minute of when a fresh browser connection would see it.
KEEP_SECONDS = 60.0


@dataclass(frozen=True)
class Staple:
    """The DER OCSPResponse the server stapled (None when it stapled none), and what happened."""

    response: bytes | None
    note: str
    answered: bool = True  # the handshake ended: its answer (a staple or none) may be kept


class StapleSource:
    """The staple for one handshake with (host, port): asked alongside it; or the answer the same server gave
    for the same leaf within KEEP_SECONDS, as a browser keeps an OCSP answer. A monitor scraping every few
    seconds then makes one handshake fewer each time; a changed leaf is asked about afresh."""

    def __init__(self, opener: Callable[[], Awaitable[Streams]], host: str, port: int, timeout: float) -> None:
        self._opener, self._host, self._timeout = opener, host, timeout
        self._key = (host, port)
        self._kept = _KEPT.get(self._key)
        if self._kept is not None and time.monotonic() - self._kept[0] > KEEP_SECONDS:
            self._kept = None
        self._asking = None if self._kept is not None else self._start()

    async def for_leaf(self, leaf: bytes) -> Staple:
        """The staple for the leaf the handshake showed."""
        if self._kept is not None and self._kept[1] == leaf:
            age = time.monotonic() - self._kept[0]
            return replace(self._kept[2], note=f"{self._kept[2].note} ({age:.0f} s ago, same certificate)")
        if self._asking is None:
            self._asking = self._start()
        staple = await self._asking
        if staple.answered:
            _KEPT[self._key] = (time.monotonic(), leaf, staple)
        return staple

    def _start(self) -> asyncio.Task[Staple]:
        return asyncio.create_task(ask(self._opener, self._host, self._timeout))

    async def aclose(self) -> None:
        """Stop an ask still under way (the chain was not judged)."""
        if self._asking is not None:
            self._asking.cancel()
            await asyncio.gather(self._asking, return_exceptions=True)


_KEPT: dict[tuple[str, int], tuple[float, bytes, Staple]] = {}  # (host, port): (when, leaf DER, answer)


async def ask(opener: Callable[[], Awaitable[Streams]], host: str, timeout: float) -> Staple:
    """One handshake with status_request; the staple the server sent, if any, within `timeout` seconds."""
    seen: list[bytes] = []
    conn = SSL.Connection(_context(), None)
    conn.set_app_data(seen)
    if not is_ip(host):  # no SNI for an address, as browsers do
        conn.set_tlsext_host_name(host.rstrip(".").encode("idna"))
    conn.request_ocsp()
    conn.set_connect_state()
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(timeout):
            reader, writer = await opener()
            await _drive(conn, reader, writer)
    except TimeoutError:
        return Staple(None, f"stapled OCSP: no handshake within {seconds(timeout)} s", answered=False)
    except (OSError, EOFError, SSL.Error, TunnelError) as exc:
        return Staple(None, f"stapled OCSP: the handshake asking for it failed ({_why(exc)})", answered=False)
    finally:
        if writer is not None:
            writer.close()
    if not seen or not seen[0]:
        return Staple(None, "stapled OCSP: the server stapled no response")
    return Staple(seen[0], f"stapled OCSP: the server stapled {len(seen[0])} bytes")


@cache
def _context() -> SSL.Context:
    """What the browser offers; the chain itself is judged elsewhere, so nothing is verified.

    One per process (building one costs more than the handshake); each connection carries
    the list its staple goes to.
    """
    context = SSL.Context(SSL.TLS_CLIENT_METHOD)
    context.set_min_proto_version(SSL.TLS1_2_VERSION)
    context.set_cipher_list((BROWSER_CIPHERS + ":@SECLEVEL=0").encode())
    context.set_verify(SSL.VERIFY_NONE)

    def stapled(conn: SSL.Connection, data: bytes, _extra: object) -> bool:
        conn.get_app_data().append(data)  # b"" when the server stapled nothing
        return True  # the handshake goes on whatever was stapled: the answer is judged afterwards

    context.set_ocsp_client_callback(stapled)
    return context


async def _drive(conn: SSL.Connection, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        try:
            conn.do_handshake()
            _flush(conn, writer)
            return
        except SSL.WantReadError:
            _flush(conn, writer)
            await writer.drain()
            data = await reader.read(_CHUNK)
            if not data:
                raise EOFError("the server closed the connection") from None
            conn.bio_write(data)


def _flush(conn: SSL.Connection, writer: asyncio.StreamWriter) -> None:
    while True:
        try:
            data = conn.bio_read(_CHUNK)
        except SSL.WantReadError:
            return
        if not data or writer.is_closing():
            return
        writer.write(data)


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
