"""One TLS handshake over streams already open, kept inspectable even when it fails.

The handshake is driven through memory BIOs rather than `start_tls`, so the SSL object
survives a failed verification: the chain the server sent, and OpenSSL's exact verdict,
are read from it either way. The `tls` probe observes with `browser_context` (what a
current Chrome offers, verifying nothing: the chain is judged afterwards by one verifier
with the browser's rules) and, when that fails, leniently (anything the server speaks),
which says what a server that refuses the browser does accept. `workstation_context` is
the Python/OpenSSL trust other probes use for their own requests. Each context is built
once and shared by every handshake, so none is changed per handshake.
"""

from __future__ import annotations

import _ssl
import asyncio
import ssl
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Literal
from weakref import WeakKeyDictionary

from probes.evidence import Stopwatch
from probes.net.trust_store import trusting
from probes.text.durations import seconds

ALPN = ["h2", "http/1.1"]
FailureKind = Literal["verify", "tls", "reset", "timeout"]
# What Chrome 120+ offers in TLS 1.2 (TLS 1.3 suites come on their own): ECDHE and plain RSA
# key exchange, AES-GCM, ChaCha20 and AES-CBC-SHA; no DHE (removed in Chrome 53), RC4 (48),
# 3DES (93), no TLS 1.0/1.1 (84). Source: BoringSSL ssl/ssl_cipher.cc and Chrome's ClientHello
# as recorded by https://tls.peet.ws and https://chromestatus.com/feature/6234597290622976
BROWSER_CIPHERS = ":".join([
    "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
    "ECDHE-RSA-AES128-SHA", "ECDHE-RSA-AES256-SHA", "AES128-GCM-SHA256", "AES256-GCM-SHA384",
    "AES128-SHA", "AES256-SHA",
])
_CERTIFICATE_REQUEST = 13  # TLS HandshakeType certificate_request (RFC 8446 section 4)
_SETTLE_SECONDS = 1.0  # a TLS 1.3 server rejects a missing client certificate right after Finished


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
    certificate_requested: bool = False
    client_certificate_refused: bool = False


_WATCHED: WeakKeyDictionary[ssl.SSLObject, Handshake] = WeakKeyDictionary()  # handshakes under way


def workstation_context(ca_bundle: Path | None) -> ssl.SSLContext:
    """The trust a browser on this workstation has: `--ca-bundle` alone, else the system's and Mozilla's
    (loaded once per store: the context is shared, so it is never changed after this)."""
    return trusting(ca_bundle, _offer_alpn)


def _offer_alpn(context: ssl.SSLContext) -> None:
    context.set_alpn_protocols(ALPN)


@cache
def browser_context() -> ssl.SSLContext:
    """Offer what a current Chrome offers, verify nothing: the chain is judged afterwards.

    Security level 0 lets a 1024-bit key or a SHA-1 signature through the handshake, as
    Chrome's does; whether the browser accepts them is the verifier's and policy's call.
    Built once and shared: nothing changes it after this.
    """
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_ciphers(BROWSER_CIPHERS + ":@SECLEVEL=0")
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(ALPN)
    return context


def lenient_context(alpn: Sequence[str] = ALPN) -> ssl.SSLContext:
    """Verify nothing and accept every protocol and cipher OpenSSL still has.

    For looking at what a server says (its chain, its Date header), never for judging
    it; `alpn` is what the client offers (an HTTP/1.1 client must not offer h2). One
    context per `alpn`, shared, as `browser_context`'s is.
    """
    return _lenient(tuple(alpn))


@cache
def _lenient(alpn: tuple[str, ...]) -> ssl.SSLContext:
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
    result = Handshake(ok=False)
    context._msg_callback = _message_seen  # type: ignore[attr-defined]  # no public API; same on every call
    tls = context.wrap_bio(incoming, outgoing, server_hostname=server_name)
    _WATCHED[tls] = result
    watch = Stopwatch()
    try:
        async with asyncio.timeout(timeout):
            await _drive(tls, incoming, outgoing, reader, writer)
        result.ok = True
        if result.certificate_requested:
            refusal = await _settle(tls, incoming, outgoing, reader, writer, min(timeout, _SETTLE_SECONDS))
            result.client_certificate_refused, result.error = refusal is not None, refusal
    except ssl.SSLCertVerificationError as exc:
        result.failure, result.error = "verify", _text(exc)
        result.verify_code, result.verify_message = exc.verify_code, exc.verify_message
    except ssl.SSLError as exc:
        result.failure, result.error = "tls", _text(exc)
        result.client_certificate_refused = result.certificate_requested
    except TimeoutError:
        result.failure, result.error = "timeout", f"no handshake within {seconds(timeout)} s"
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


def _message_seen(conn: object, direction: str, _version: object, _content: object, kind: object,
                  _data: bytes) -> None:
    """OpenSSL's message callback: note a CertificateRequest from the server on the handshake it belongs to
    (contexts are shared between handshakes, so the result is looked up by connection)."""
    if direction == "read" and kind == _CERTIFICATE_REQUEST and isinstance(conn, ssl.SSLObject):
        watched = _WATCHED.get(conn)
        if watched is not None:
            watched.certificate_requested = True


async def _settle(
    tls: ssl.SSLObject,
    incoming: ssl.MemoryBIO,
    outgoing: ssl.MemoryBIO,
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    wait: float,
) -> str | None:
    """After a handshake that asked for a client certificate: does the server then refuse ours (none)?

    In TLS 1.3 the client finishes before the server has read its (empty) Certificate; a
    server that requires one answers with an alert, which only a read shows. Returns the
    alert's text, or None when the server waits for a request (the certificate was optional).
    """
    _flush(outgoing, writer)
    try:
        async with asyncio.timeout(wait):
            while True:
                try:
                    tls.read(1)
                    return None
                except ssl.SSLWantReadError:
                    data = await reader.read(65536)
                    if not data:
                        raise EOFError("closed") from None
                    incoming.write(data)
    except ssl.SSLError as exc:
        return _text(exc)
    except (TimeoutError, EOFError, OSError):
        return None


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
