"""Ask the server for a stapled OCSP response (RFC 6066 status_request), as Chromium does.

Chromium believes a stapled "revoked" even when no responder is reachable, so the probe
must see the staple too. Python's `ssl` cannot send status_request; pyOpenSSL can. Its
handshake runs on memory BIOs pumped over streams the caller opens (the pinned address,
or the proxy's tunnel), so it goes where the browser's would. Nothing is judged here:
whether the answer is for this leaf and signed by its issuer is `revocation.py`'s call.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache

from OpenSSL import SSL

from probes.net.tls_handshake import BROWSER_CIPHERS
from probes.net.tunnel import TunnelError
from probes.target import is_ip

Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]
_CHUNK = 65536


@dataclass(frozen=True)
class Staple:
    """The DER OCSPResponse the server stapled (None when it stapled none), and what happened."""

    response: bytes | None
    note: str


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
        return Staple(None, f"stapled OCSP: no handshake within {timeout:g} s")
    except (OSError, EOFError, SSL.Error, TunnelError) as exc:
        return Staple(None, f"stapled OCSP: the handshake asking for it failed ({_why(exc)})")
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
