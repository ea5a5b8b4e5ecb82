"""The one way probes make HTTP requests: the workstation's proxy and trust, pinned addresses.

Every request a probe sends should travel as the user's browser would (through the proxy
`ctx.proxy` picks for that URL, trusting `--ca-bundle` or the system's CAs), and a request
to the portal's own host must reach the addresses the `dns` probe pinned (`--dns-server`),
while TLS still sends and verifies the portal's name. Redirects are never followed here:
callers follow them by hand so every hop is recorded.
"""

from __future__ import annotations

import os
import ssl
from typing import TYPE_CHECKING

# httpx loads httpcore with its first transport, and anyio loads its parts and its asyncio backend at first use:
# on the event loop, in the middle of a run (some 40 ms). Loaded here, they load with the agent.
import anyio._backends._asyncio  # noqa: F401
import anyio.streams.tls  # noqa: F401
import httpcore  # noqa: F401
import httpx

from probes.net.address import is_ip
from probes.net.host_lookup import lookup_once
from probes.net.proxy_settings import redact, unsupported
from probes.net.tls_handshake import BROWSER_CIPHERS, lenient_context
from probes.net.trust_store import trusting

if TYPE_CHECKING:
    from probes.base import ProbeContext

DEFAULT_TIMEOUT = 8.0
USER_AGENT = "diagnose (portal login diagnostics)"


def trust_context(ctx: ProbeContext) -> ssl.SSLContext:
    """The CAs the workstation trusts (`--ca-bundle` alone, else the system store plus Mozilla's), offering
    what Chrome offers (RSA key exchange included, TLS 1.2 at least), so a server Chrome talks to is fetched.
    Loaded once per store and shared by every client."""
    return trusting(ctx.config.ca_bundle, _offer_as_chrome)


def _offer_as_chrome(context: ssl.SSLContext) -> None:
    context.set_ciphers(BROWSER_CIPHERS)
    context.minimum_version = ssl.TLSVersion.TLSv1_2


def client_for(
    ctx: ProbeContext, url: str | None = None, *, timeout: float = DEFAULT_TIMEOUT, verify: bool = True
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` routed like the workstation; use it in `async with`.

    `url`, when given, is httpx's `base_url`: a relative request URL is appended to its
    path (a status page's `/api/v2/summary.json`). The proxy and the pinning are decided per request,
    so a redirect to another host (an identity provider, a NO_PROXY host) is routed
    right. A `ca_bundle` that cannot be read raises here (OSError, ssl.SSLError).
    `verify=False` is for the rare caller that must read an answer whatever the certificate.
    """
    transport = RoutingTransport(ctx, trust_context(ctx) if verify else lenient_context(alpn=("http/1.1",)), timeout)
    return _NoFollowClient(
        transport=transport,
        timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
        follow_redirects=False,
        trust_env=False,
        headers={"User-Agent": USER_AGENT},
        base_url=url or "",
    )


class _NoFollowClient(httpx.AsyncClient):
    """A client that hands any `Location` back as the server sent it, never raising on it.

    httpx builds the next request from `Location` even when it will not follow it, and a
    hostile value (`javascript:alert(1)`, a path without `/`) raises `InvalidURL` out of
    `send`, which is no `HTTPError`. Redirects are followed by callers, who judge the header.
    """

    def _build_redirect_request(self, request: httpx.Request, response: httpx.Response) -> httpx.Request:
        try:
            return super()._build_redirect_request(request, response)
        except httpx.InvalidURL:
            return request  # kept only as `response.next_request`, which no caller reads


class RoutingTransport(httpx.AsyncBaseTransport):
    """Sends each request direct or through its proxy, pinning the portal's host to the dns probe's addresses.

    Pinning rewrites the URL's host to the address and passes the name as httpx's
    `sni_hostname` extension; the `Host` header keeps the name, and certificate
    verification checks the certificate against the name. Other hosts (an identity
    provider, a status page) are resolved through `--dns-server` when one is given, and
    pinned the same way. Through a proxy nothing is pinned: the proxy resolves the name
    itself (SOCKS5 too: the name is sent to the proxy). A proxy scheme httpx cannot speak
    (socks4://) is raised as `httpx.ProxyError` naming it, never a crash. When several
    addresses are pinned, a refused connection moves on to the next one.
    """

    def __init__(self, ctx: ProbeContext, ssl_context: ssl.SSLContext, timeout: float) -> None:
        self._ctx = ctx
        self._ssl_context = ssl_context
        self._timeout = timeout
        self._transports: dict[str | None, httpx.AsyncHTTPTransport] = {}

    def _transport(self, proxy: str | None) -> httpx.AsyncHTTPTransport:
        transport = self._transports.get(proxy)
        if transport is None:
            transport = httpx.AsyncHTTPTransport(verify=self._ssl_context, trust_env=False, proxy=proxy)
            self._transports[proxy] = transport
        return transport

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        proxy = self._ctx.proxy.for_url(str(request.url))
        if proxy is not None and (why := unsupported(proxy)):
            raise httpx.ProxyError(f"{why}: {redact(proxy)}", request=request)
        transport = self._transport(proxy)
        addresses = None if proxy is not None else await self._addresses(request)
        if not addresses:
            return await transport.handle_async_request(request)
        last_error: httpx.ConnectError | None = None
        for address in addresses:
            pinned = httpx.Request(
                request.method,
                request.url.copy_with(host=address),
                headers=request.headers,
                stream=request.stream,
                extensions={**request.extensions, "sni_hostname": request.url.host},
            )
            try:
                return await transport.handle_async_request(pinned)
            except httpx.ConnectError as exc:
                if tls_error(exc) is not None:
                    raise  # a TLS verdict is about the server, not the address: do not retry
                last_error = exc
        assert last_error is not None
        raise last_error

    async def _addresses(self, request: httpx.Request) -> list[str] | None:
        """Where to send a direct request: the dns probe's answer for the portal's host; for any
        other name, the configured resolvers' answer (cached per run); None lets the OS resolve."""
        host = request.url.host
        if host == self._ctx.target.host:
            return await self._ctx.addresses()
        if not self._ctx.config.dns_servers or is_ip(host):
            return None
        found = await lookup_once(self._ctx, host, request.url.port or 443)
        if not found.addresses:
            raise httpx.ConnectError(f"cannot resolve {host} through {found.via}: {found.error or found.outcome}",
                                     request=request)
        return found.addresses

    async def aclose(self) -> None:
        for transport in self._transports.values():
            await transport.aclose()


def error_chain(exc: BaseException) -> list[BaseException]:
    """`exc` and the exceptions behind it (httpx wraps httpcore wraps the socket's error)."""
    chain: list[BaseException] = []
    seen: BaseException | None = exc
    while seen is not None and len(chain) < 8:  # the bound guards against a cycle
        chain.append(seen)
        seen = seen.__cause__ or seen.__context__
    return chain


def tls_error(exc: BaseException) -> ssl.SSLError | None:
    """The TLS error behind an httpx error, if the failure happened in the handshake."""
    return next((e for e in error_chain(exc) if isinstance(e, ssl.SSLError)), None)


def describe_error(exc: BaseException) -> str:
    """One line naming a request's failure (TLS, timeout, refused, name lookup) in the OS's words."""
    tls = tls_error(exc)
    if tls is not None:
        return f"TLS handshake failed: {getattr(tls, 'verify_message', None) or tls.reason or tls}"
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out ({type(exc).__name__})"
    root = next((e for e in reversed(error_chain(exc)) if isinstance(e, OSError) and e.strerror), None)
    if root is not None:
        words = os.strerror(root.errno) if isinstance(root.errno, int) and root.errno > 0 else root.strerror
        return f"{type(exc).__name__}: {words} ({type(root).__name__})"
    return f"{type(exc).__name__}: {exc or repr(exc)}"
