"""Resolving and reaching hosts other than the portal's: status pages and identity providers.

`--dns-server` means "ask this resolver instead of the system's" for every name the
login needs, not only the portal's; `probes.httpclient` pins the portal's own host to
the dns probe's answer, and this module does the same for the other hosts a probe
visits: resolve through the configured resolvers (or the OS), then send the request
to that address with the host name kept for SNI, certificate checks and `Host`.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket

import httpx
from pydantic import BaseModel, Field

from probes.base import ProbeContext, Stopwatch
from probes.httpclient import tls_error
from probes.resolvers import ask, server_label

LOOKUP_TIMEOUT = 3.0


class HostLookup(BaseModel):
    """How a name resolved: its addresses, or the resolver's failure, and who was asked."""

    host: str
    addresses: list[str] = Field(default_factory=list)
    via: str = Field(description="'system' or the host:port of the configured resolvers asked")
    outcome: str = Field(description="answer | nxdomain | no_answer | servfail | refused | timeout | error")
    error: str | None = None
    ms: int = 0


def is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def lookup(ctx: ProbeContext, host: str, port: int = 443, timeout: float = LOOKUP_TIMEOUT) -> HostLookup:
    """Resolve `host` the way the run resolves names: the configured resolvers, else the OS."""
    watch = Stopwatch()
    if is_ip(host):
        return HostLookup(host=host, addresses=[host], via="literal", outcome="answer")
    servers = ctx.config.dns_servers
    if servers:
        answers = [await ask(server, host, timeout) for server in servers]
        via = ", ".join(server_label(s) for s in servers)
        for answer in answers:
            if answer.addresses:
                return HostLookup(host=host, addresses=answer.addresses, via=via, outcome="answer", ms=watch.ms())
        return HostLookup(host=host, via=via, outcome=answers[0].outcome, ms=watch.ms(),
                          error=f"{answers[0].server} answered {answers[0].outcome}")
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(loop.getaddrinfo(host, port, type=socket.SOCK_STREAM), timeout)
    except TimeoutError:
        return HostLookup(host=host, via="system", outcome="timeout", ms=watch.ms(),
                          error=f"no answer within {timeout:g} s")
    except OSError as exc:
        outcome = "nxdomain" if isinstance(exc, socket.gaierror) and exc.errno == socket.EAI_NONAME else "error"
        return HostLookup(host=host, via="system", outcome=outcome, ms=watch.ms(), error=exc.strerror or str(exc))
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    return HostLookup(host=host, addresses=addresses, via="system", outcome="answer", ms=watch.ms())


def needs_pinning(ctx: ProbeContext, url: str) -> bool:
    """True when a request to `url` must go to resolved addresses rather than let httpx resolve.

    Only with `--dns-server`, only for hosts other than the portal's (httpclient pins that one),
    and never through a proxy (the proxy resolves the name itself).
    """
    host = httpx.URL(url).host
    return bool(ctx.config.dns_servers) and host != ctx.target.host and not is_ip(host) \
        and ctx.proxy.for_url(url) is None


async def get(
    ctx: ProbeContext, client: httpx.AsyncClient, url: str, addresses: list[str] | None = None
) -> httpx.Response:
    """GET `url` with `client`; sent to `addresses` (in turn, on refusal) when the name needs pinning."""
    request = client.build_request("GET", url)
    if not addresses or not needs_pinning(ctx, url):
        return await client.send(request)
    last: httpx.ConnectError | None = None
    for address in addresses:
        pinned = httpx.Request(
            "GET",
            request.url.copy_with(host=address),
            headers=request.headers,
            extensions={**request.extensions, "sni_hostname": request.url.host},
        )
        try:
            return await client.send(pinned)
        except httpx.ConnectError as exc:
            if tls_error(exc) is not None:
                raise  # a certificate verdict is about the host, not this address
            last = exc
    assert last is not None
    raise last
