"""One TLS handshake over streams already open, kept inspectable even when it fails.

The handshake is driven through memory BIOs rather than `start_tls`, so the SSL object
survives a failed verification: the chain the server sent, and OpenSSL's exact verdict,
are read from it either way. The contexts here are the three ways the probe looks:
as the workstation does, for trust alone (no name, no time), and leniently (anything the
server speaks), which says what a server that refuses the workstation does accept.
"""

from __future__ import annotations

import _ssl
import asyncio
import ssl
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import certifi

from probes.evidence import Stopwatch

ALPN = ["h2", "http/1.1"]
_NO_CHECK_TIME = 0x200000  # X509_V_FLAG_NO_CHECK_TIME: dates are judged against the injected clock
FailureKind = Literal["verify", "tls", "reset", "timeout"]


@dataclass
class Handshake:
    """How one handshake ended, and what the server showed."""

    ok: bool
    chain: list[bytes] = field(default_factory=list)
    protocol: str | None = None
    cipher: str | None = None
    alpn: str | None = None
    ms: int = 0
    failure: FailureKind | None = None
    error: str | None = None
    verify_code: int | None = None
    verify_message: str | None = None


def workstation_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """The trust a browser on this workstation has: `--ca-bundle` alone, else the system's and Mozilla's."""
    if ca_bundle is not None:
        context = ssl.create_default_context(cafile=str(ca_bundle))
    else:
        context = ssl.create_default_context()
        context.load_verify_locations(cafile=certifi.where())
    context.set_alpn_protocols(ALPN)
    return context


def trust_only_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """The same trust, blind to host names and dates: does the chain lead to a trusted root?"""
    context = workstation_context(ca_bundle)
    context.check_hostname = False
    context.verify_flags |= _NO_CHECK_TIME
    return context


def lenient_context(alpn: Sequence[str] = ALPN) -> ssl.SSLContext:
    """Verify nothing and accept every protocol and cipher OpenSSL still has.

    For looking at what a server says (its chain, its Date header), never for judging
    it; `alpn` is what the client offers (an HTTP/1.1 client must not offer h2).
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers("ALL:@SECLEVEL=0")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = ssl.TLSVersion.TLSv1
    context.set_alpn_protocols(list(alpn))
    return context


async def handshake(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    context: ssl.SSLContext,
    server_name: str,
    timeout: float,
) -> Handshake:
    """Handshake as a client with SNI `server_name`, then close the connection."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_name)
    watch = Stopwatch()
    result = Handshake(ok=False)
    try:
        async with asyncio.timeout(timeout):
            await _drive(tls, incoming, outgoing, reader, writer)
        result.ok = True
    except ssl.SSLCertVerificationError as exc:
        result.failure, result.error = "verify", _text(exc)
        result.verify_code, result.verify_message = exc.verify_code, exc.verify_message
    except ssl.SSLError as exc:
        result.failure, result.error = "tls", _text(exc)
    except TimeoutError:
        result.failure, result.error = "timeout", f"no handshake within {timeout:g} s"
    except (OSError, EOFError) as exc:
        result.failure, result.error = "reset", _text(exc) or type(exc).__name__
    finally:
        result.ms = watch.ms()
        _flush(outgoing, writer)
        writer.close()
    result.chain = _chain(tls)
    if result.ok:
        cipher = tls.cipher()
        result.protocol, result.cipher = tls.version(), cipher[0] if cipher else None
        result.alpn = tls.selected_alpn_protocol()
    return result


async def _drive(
    tls: ssl.SSLObject,
    incoming: ssl.MemoryBIO,
    outgoing: ssl.MemoryBIO,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
) -> None:
    while True:
        try:
            tls.do_handshake()
            _flush(outgoing, writer)
            return
        except ssl.SSLWantReadError:
            _flush(outgoing, writer)
            await writer.drain()
            data = await reader.read(65536)
            if not data:
                raise EOFError("the server closed the connection during the handshake") from None
            incoming.write(data)


def _flush(outgoing: ssl.MemoryBIO, writer: asyncio.StreamWriter) -> None:
    data = outgoing.read()
    if data and not writer.is_closing():
        writer.write(data)


def _chain(tls: ssl.SSLObject) -> list[bytes]:
    """The certificates the server sent, verified or not (public API only from Python 3.13)."""
    public = getattr(tls, "get_unverified_chain", None)
    if public is not None:
        return list(public() or [])
    private = getattr(tls._sslobj, "get_unverified_chain", None)  # type: ignore[attr-defined]
    if private is not None:
        return [cert.public_bytes(_ssl.ENCODING_DER) for cert in private() or []]
    try:
        leaf = tls.getpeercert(binary_form=True)
    except ValueError:
        return []
    return [leaf] if leaf else []


def _text(exc: BaseException) -> str:
    """The error as OpenSSL or the OS worded it, without Python's source location."""
    return str(exc).split(" (_ssl.c:")[0]
