"""A small SNTP client (RFC 4330): how far the workstation's own clock is from a time server.

The point is to measure the real local clock, so the timestamps come from
`time.time()`, never from an injected clock. Offsets are given as local minus
reference: positive means the workstation is ahead. A server that does not answer,
a name that does not resolve or a kiss-of-death is an `error` on that answer, never
an exception: the caller decides what "no reference" means.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import asyncio
import os
import struct
import time

from pydantic import BaseModel

from probes.text.durations import seconds

NTP_EPOCH_OFFSET = 2_208_988_800  # seconds from 1900-01-01 (NTP era 0) to 1970-01-01
_PACKET = struct.Struct("!BBbb4s4s4s8s8s8s8s")  # the 48-byte header without extensions
_CLIENT_FIRST_BYTE = (0 << 6) | (4 << 3) | 3  # LI 0, version 4, mode 3 (client)


class NtpAnswer(BaseModel):
    """One server's answer, or why there was none."""

    server: str
    offset_seconds: float | None = None
    delay_seconds: float | None = None
    stratum: int | None = None
    error: str | None = None


def to_ntp(seconds: float) -> bytes:
    """A Unix time as a 64-bit NTP timestamp."""
    value = seconds + NTP_EPOCH_OFFSET
    whole = int(value)
    return struct.pack("!II", whole & 0xFFFFFFFF, int((value - whole) * 2**32) & 0xFFFFFFFF)


def from_ntp(raw: bytes) -> float:
    """A 64-bit NTP timestamp as a Unix time, era chosen as RFC 4330 section 3 says.

    The seconds field wraps on 2036-02-07 (era 1). A value with its top bit set is in
    era 0 (1968 to 2036); with it clear, in era 1 (2036 to 2104), so an answer from
    2100 reads as 2100, never as 1964.
    """
    whole, fraction = struct.unpack("!II", raw)
    if not whole & 0x8000_0000:
        whole += 2**32
    return float(whole - NTP_EPOCH_OFFSET + fraction / 2**32)


class _Exchange(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.reply: asyncio.Future[tuple[bytes, float]] = asyncio.get_running_loop().create_future()

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        if not self.reply.done():
            self.reply.set_result((data, time.time()))

    def error_received(self, exc: Exception) -> None:
        if not self.reply.done():
            self.reply.set_exception(exc)


async def query(host: str, port: int = 123, timeout: float = 1.5, address: str | None = None) -> NtpAnswer:
    """Ask one server once; the whole exchange, name lookup included, is bounded by `timeout`.

    `address`, when given, is where `host` was resolved to (through `--dns-server`): the
    packet goes there and the answer is still labelled with the name.
    """
    label = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    loop = asyncio.get_running_loop()
    transport: asyncio.DatagramTransport | None = None
    try:
        async with asyncio.timeout(timeout):
            transport, exchange = await loop.create_datagram_endpoint(_Exchange, remote_addr=(address or host, port))
            # the transmit timestamp we send is random, so a stray or spoofed reply cannot match it
            nonce = os.urandom(8)
            t1 = time.time()
            zeros = (b"\0" * 4,) * 3 + (b"\0" * 8,) * 3
            transport.sendto(_PACKET.pack(_CLIENT_FIRST_BYTE, 0, 0, 0, *zeros, nonce))
            data, t4 = await exchange.reply
    except TimeoutError:
        return NtpAnswer(server=label, error=f"no answer within {seconds(timeout)} s")
    except OSError as exc:
        return NtpAnswer(server=label, error=f"{type(exc).__name__}: {exc.strerror or exc}")
    finally:
        if transport is not None:
            transport.close()
    return parse_reply(label, data, nonce, t1, t4)


def parse_reply(label: str, data: bytes, nonce: bytes, t1: float, t4: float) -> NtpAnswer:
    """Check a reply the way RFC 4330 section 5 asks, then compute offset and delay."""
    if len(data) < _PACKET.size:
        return NtpAnswer(server=label, error=f"short reply ({len(data)} bytes)")
    first, stratum, _poll, _precision, _delay, _disp, refid, _ref, origin, receive, transmit = (
        _PACKET.unpack_from(data)
    )
    leap, mode = first >> 6, first & 0x7
    if mode not in (4, 5):
        return NtpAnswer(server=label, error=f"not a server reply (mode {mode})")
    if origin != nonce:
        return NtpAnswer(server=label, error="reply does not answer our request (originate timestamp)")
    if stratum == 0:
        code = refid.decode("ascii", errors="replace").strip("\0")
        return NtpAnswer(server=label, stratum=0, error=f"kiss-of-death {code or '(no code)'}")
    if leap == 3 or stratum > 15:
        return NtpAnswer(server=label, stratum=stratum, error="server clock not synchronized")
    if transmit == b"\0" * 8:
        return NtpAnswer(server=label, stratum=stratum, error="reply without a transmit timestamp")
    t2, t3 = from_ntp(receive), from_ntp(transmit)
    reference_minus_local = ((t2 - t1) + (t3 - t4)) / 2
    delay = (t4 - t1) - (t3 - t2)
    return NtpAnswer(
        server=label, offset_seconds=-reference_minus_local, delay_seconds=delay, stratum=stratum
    )
