"""The client side of a SOCKS5 CONNECT (RFC 1928, RFC 1929 username/password).

httpx carries SOCKS5 for HTTP requests itself (socksio); the TLS probe's raw handshake
and the proxy probe's path check need the bare tunnel, and the proxy's exact reply, so
that a refusal is named (not allowed by its rules, host unreachable, bad credentials).
The host name is always sent to the proxy to resolve, as `socks5h://` asks and as
browsers do for SOCKS5.
"""

from __future__ import annotations

import asyncio
import ipaddress
import struct

REPLIES = {
    1: "general SOCKS server failure", 2: "connection not allowed by ruleset", 3: "network unreachable",
    4: "host unreachable", 5: "connection refused", 6: "TTL expired", 7: "command not supported",
    8: "address type not supported",
}


class SocksError(Exception):
    """The SOCKS5 proxy refused; `auth` is True when it was about credentials, `reply` its code (0 if none)."""

    def __init__(self, message: str, *, auth: bool = False, reply: int = 0) -> None:
        super().__init__(message)
        self.auth = auth
        self.reply = reply


async def socks5_connect(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    host: str,
    port: int,
    username: str | None = None,
    password: str | None = None,
) -> None:
    """Ask the SOCKS5 proxy on (reader, writer) for a stream to host:port; SocksError when it says no."""
    methods = b"\x00\x02" if username is not None else b"\x00"
    writer.write(b"\x05" + bytes([len(methods)]) + methods)
    await writer.drain()
    version, method = await _read(reader, 2)
    if version != 5:
        raise SocksError(f"not a SOCKS5 proxy (version byte {version})")
    if method == 0xFF:
        raise SocksError("the SOCKS5 proxy accepts none of the offered authentication methods", auth=True)
    if method == 2:
        if username is None:
            raise SocksError("the SOCKS5 proxy demands a username and password", auth=True)
        user, secret = username.encode()[:255], (password or "").encode()[:255]
        writer.write(b"\x01" + bytes([len(user)]) + user + bytes([len(secret)]) + secret)
        await writer.drain()
        _, status = await _read(reader, 2)
        if status != 0:
            raise SocksError("the SOCKS5 proxy rejected the username and password", auth=True)
    elif method != 0:
        raise SocksError(f"the SOCKS5 proxy chose an unknown authentication method {method}", auth=True)
    writer.write(b"\x05\x01\x00" + _address(host) + struct.pack("!H", port))
    await writer.drain()
    _, reply, _, kind = await _read(reader, 4)
    if reply != 0:
        raise SocksError(f"the SOCKS5 proxy answered: {REPLIES.get(reply, f'reply {reply}')}", reply=reply)
    length = {1: 4, 4: 16}.get(kind) or (await _read(reader, 1))[0]
    await _read(reader, length + 2)  # the bound address and port: not needed


def _address(host: str) -> bytes:
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        name = host.encode("idna")[:255]
        return b"\x03" + bytes([len(name)]) + name
    return (b"\x01" if address.version == 4 else b"\x04") + address.packed


async def _read(reader: asyncio.StreamReader, count: int) -> bytes:
    try:
        return await reader.readexactly(count)
    except asyncio.IncompleteReadError:
        raise SocksError("the SOCKS5 proxy closed the connection during the handshake") from None
