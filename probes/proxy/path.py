"""Asking a proxy to carry one request to the portal, and recording its answer verbatim.

For an https portal the proxy gets `CONNECT host:port` (any 2xx opens the tunnel);
for an http portal a GET with the absolute URI. Credentials in the proxy URL are
sent as Basic `Proxy-Authorization`, as curl does, and never recorded. A SOCKS5 proxy
is asked for the same connection with its own CONNECT, so its reply is named too.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
import ssl
from urllib.parse import unquote, urlsplit

from probes.evidence import Stopwatch
from probes.net.socks import SocksError, socks5_connect
from probes.net.tunnel import proxy_endpoint, proxy_request
from probes.proxy.evidence import ProxyPath
from probes.target import Target
from probes.text.durations import seconds

_HEAD_LIMIT = 64 * 1024
_BODY_PEEK = 4096
_TAG = re.compile(r"<[^>]*>")





async def check_proxy_path(
    proxy_url: str,
    display: str,
    target: Target,
    ssl_context: ssl.SSLContext | None = None,
    connect_timeout: float = 3.0,
    answer_timeout: float = 5.0,
) -> ProxyPath:
    """Connect to the proxy and ask it for the portal; `display` is the proxy URL without credentials."""
    scheme, host, port = proxy_endpoint(proxy_url)
    outcome = ProxyPath(proxy=display)
    clock = Stopwatch()
    try:
        async with asyncio.timeout(connect_timeout):
            reader, writer = await asyncio.open_connection(
                host, port, ssl=(ssl_context or ssl.create_default_context()) if scheme == "https" else None,
                server_hostname=host if scheme == "https" else None,
            )
    except TimeoutError:
        outcome.error = f"no connection within {seconds(connect_timeout)} s"
        return outcome
    except OSError as exc:
        outcome.error = _describe(exc)
        return outcome
    outcome.connected, outcome.connect_ms = True, clock.ms()
    peer = writer.get_extra_info("peername")
    outcome.peer = f"{peer[0]}:{peer[1]}" if peer else None
    try:
        if scheme in ("socks5", "socks5h"):
            return await _socks_path(proxy_url, target, reader, writer, outcome, answer_timeout)
        outcome.request, request = _request(proxy_url, target)
        writer.write(request)
        sent = Stopwatch()
        try:
            async with asyncio.timeout(answer_timeout):
                head = await reader.readuntil(b"\r\n\r\n")
        except TimeoutError:
            outcome.error = f"no answer within {seconds(answer_timeout)} s"
            return outcome
        except asyncio.IncompleteReadError as exc:
            outcome.error = "closed the connection without answering" if not exc.partial.strip() else (
                "closed the connection in the middle of its answer")
            return outcome
        except asyncio.LimitOverrunError:
            outcome.error = f"answer headers longer than {_HEAD_LIMIT} bytes"
            return outcome
        outcome.answer_ms = sent.ms()
        lines = head.decode("iso-8859-1").split("\r\n")
        outcome.status_line = lines[0]
        match = re.match(r"HTTP/\d(?:\.\d)?\s+(\d{3})", lines[0])
        outcome.status = int(match.group(1)) if match else None
        headers = [line.partition(":") for line in lines[1:] if ":" in line]
        outcome.auth_schemes = [v.strip().split(" ", 1)[0] for k, _, v in headers
                                if k.strip().lower() == "proxy-authenticate" and v.strip()]
        if outcome.status is None or not 200 <= outcome.status < 300:
            fields = {k.strip().lower(): v.strip() for k, _, v in headers}
            outcome.body_first_line = await _first_body_line(
                reader, fields.get("content-length"), "chunked" in fields.get("transfer-encoding", "").lower()
            )
        return outcome
    except OSError as exc:
        outcome.error = _describe(exc)
        return outcome
    finally:
        writer.close()
        with contextlib.suppress(OSError, TimeoutError):
            async with asyncio.timeout(1):
                await writer.wait_closed()


async def _socks_path(
    proxy_url: str, target: Target, reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
    outcome: ProxyPath, answer_timeout: float,
) -> ProxyPath:
    """A SOCKS5 CONNECT to the portal through an open connection: the proxy's reply, named."""
    parts = urlsplit(proxy_url)
    outcome.request = f"SOCKS5 CONNECT {target.host}:{target.port}"
    sent = Stopwatch()
    try:
        async with asyncio.timeout(answer_timeout):
            await socks5_connect(reader, writer, target.host, target.port,
                                 unquote(parts.username) if parts.username is not None else None,
                                 unquote(parts.password or ""))
    except TimeoutError:
        outcome.error = f"no answer within {seconds(answer_timeout)} s"
        return outcome
    except SocksError as exc:
        outcome.answer_ms, outcome.status_line = sent.ms(), f"SOCKS5: {exc}"
        if exc.auth:
            outcome.auth_failed, outcome.auth_schemes = True, ["SOCKS5 username/password"]
        else:
            outcome.error = str(exc).removeprefix("the SOCKS5 proxy ")
        return outcome
    outcome.answer_ms, outcome.status_line = sent.ms(), "SOCKS5: succeeded"
    return outcome


def _request(proxy_url: str, target: Target) -> tuple[str, bytes]:
    host = f"[{target.host}]" if ":" in target.host else target.host
    authority = f"{host}:{target.port}"
    if target.scheme == "https":
        line = f"CONNECT {authority} HTTP/1.1"
        headers = [f"Host: {authority}"]
    else:
        line = f"GET {target.url} HTTP/1.1"
        headers = [f"Host: {target.origin.split('://', 1)[1]}", "Accept: */*", "Connection: close"]
    headers.append("User-Agent: diagnose")
    return line, proxy_request(proxy_url, line, headers)


async def _first_body_line(reader: asyncio.StreamReader, length: str | None, chunked: bool) -> str | None:
    """The first non-empty line of the body's text (tags removed), read briefly and only in part."""
    try:
        async with asyncio.timeout(1.0):
            if length is not None and length.isdigit():
                body = await reader.read(min(int(length), _BODY_PEEK)) if int(length) else b""
            else:
                body = await reader.read(_BODY_PEEK)
    except (TimeoutError, OSError):
        return None
    if chunked:
        body = body.partition(b"\r\n")[2]  # drop the first chunk's size line
    text = _TAG.sub("\n", body.decode("utf-8", errors="replace"))
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:200]
    return None


def _describe(exc: OSError) -> str:
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, socket.gaierror):
        return f"proxy name not resolved ({exc.strerror or exc})"
    if isinstance(exc, ssl.SSLError):
        return f"TLS to the proxy failed ({exc.reason or exc})"
    return f"{type(exc).__name__}: {exc.strerror or exc}"
