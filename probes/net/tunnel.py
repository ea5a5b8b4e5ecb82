"""A tunnel through a forward proxy (HTTP CONNECT or SOCKS5), as a browser opens one for an https:// URL.

The TLS probe handshakes through it so it sees the certificate the workstation is shown
behind its proxy. Only the tunnel is opened here; what the proxy's refusal means (407,
403, a closed connection) is the proxy probe's to judge, so a refusal is raised with the
status line as the proxy sent it.
"""

from __future__ import annotations

import asyncio
import base64
from urllib.parse import unquote, urlsplit

from probes.net.proxy_settings import redact, unsupported
from probes.net.socks import SocksError, socks5_connect


class TunnelError(Exception):
    """The proxy did not open the tunnel; `status` is its HTTP status (0 when it sent none)."""

    def __init__(self, message: str, status: int = 0, status_line: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.status_line = status_line


def proxy_endpoint(proxy_url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a proxy URL; ports default as curl does (80, 443, 1080), for every caller."""
    parts = urlsplit(proxy_url)
    scheme = parts.scheme.lower()
    default = {"http": 80, "https": 443}.get(scheme, 1080)
    return scheme, parts.hostname or "", parts.port or default


def proxy_request(proxy_url: str, first_line: str, headers: list[str]) -> bytes:
    """A request to a proxy, with `Proxy-Authorization` from the URL's user and password when it has them."""
    parts = urlsplit(proxy_url)
    lines = [first_line, *headers]
    if parts.username is not None:
        token = f"{unquote(parts.username)}:{unquote(parts.password or '')}"
        lines.append("Proxy-Authorization: Basic " + base64.b64encode(token.encode()).decode("ascii"))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


async def open_tunnel(
    proxy_url: str, host: str, port: int, timeout: float = 5.0
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """Streams to `host:port` through the proxy at `proxy_url` (http:// or socks5[h]://, [user:pass@]).

    Raises TunnelError when the proxy answers anything but 2xx (or a SOCKS refusal, status
    407 for credentials), OSError or TimeoutError when it cannot be reached. The caller
    owns the returned writer and closes it.
    """
    scheme, proxy_host, proxy_port = proxy_endpoint(proxy_url)
    if scheme in ("socks5", "socks5h") and proxy_host:
        return await _socks_tunnel(proxy_url, host, port, timeout)
    if scheme != "http" or not proxy_host:
        raise TunnelError(unsupported(proxy_url) or f"no proxy host in {redact(proxy_url)}")
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    request = proxy_request(proxy_url, f"CONNECT {authority} HTTP/1.1", [f"Host: {authority}"])

    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(proxy_host, proxy_port)
        try:
            writer.write(request)
            await writer.drain()
            head = await reader.readuntil(b"\r\n\r\n")
        except asyncio.IncompleteReadError as exc:
            writer.close()
            raise TunnelError("the proxy closed the connection without answering CONNECT") from exc
        except asyncio.LimitOverrunError as exc:
            writer.close()
            raise TunnelError("the proxy's answer to CONNECT has no end of headers") from exc
        except BaseException:
            writer.close()
            raise
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1").strip()
    fields = status_line.split(" ", 2)
    status = int(fields[1]) if len(fields) > 1 and fields[1].isdigit() else 0
    if not 200 <= status < 300:
        writer.close()
        raise TunnelError(f"the proxy answered CONNECT with {status_line!r}", status, status_line)
    return reader, writer


async def _socks_tunnel(
    proxy_url: str, host: str, port: int, timeout: float
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    """A SOCKS5 CONNECT to host:port; a refusal becomes TunnelError (status 407 when about credentials)."""
    _, proxy_host, proxy_port = proxy_endpoint(proxy_url)
    parts = urlsplit(proxy_url)
    user = unquote(parts.username) if parts.username is not None else None
    async with asyncio.timeout(timeout):
        reader, writer = await asyncio.open_connection(proxy_host, proxy_port)
        try:
            await socks5_connect(reader, writer, host, port, user, unquote(parts.password or ""))
        except SocksError as exc:
            writer.close()
            raise TunnelError(str(exc), 407 if exc.auth else 0, f"SOCKS5: {exc}") from exc
        except BaseException:
            writer.close()
            raise
    return reader, writer
