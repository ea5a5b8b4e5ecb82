"""Resolving and reaching hosts other than the portal's: status pages and identity providers.

`--dns-server` means "ask this resolver instead of the system's" for every name the
login needs, not only the portal's: the portal's own host is pinned to the dns probe's
answer, and every other host a probe visits (a status page, an identity provider) is
resolved here, through the configured resolvers or else the OS. `probes.net.httpclient`
sends requests to these addresses with the host name kept for SNI and `Host`.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import asyncio
import socket
from typing import TYPE_CHECKING

from pydantic import BaseModel, Field

from probes.evidence import Stopwatch
from probes.net.address import is_ip
from probes.net.resolvers import ask, server_label
from probes.text.durations import seconds

if TYPE_CHECKING:
    from probes.base import ProbeContext

LOOKUP_TIMEOUT = 3.0


class HostLookup(BaseModel):
    """How a name resolved: its addresses, or the resolver's failure, and who was asked."""

    host: str
    addresses: list[str] = []
    via: str = Field(description="'system' or the host:port of the configured resolvers asked")
    outcome: str = Field(description="answer | nxdomain | no_answer | servfail | refused | timeout | error")
    error: str | None = None
    ms: int = 0


async def lookup(ctx: "ProbeContext", host: str, port: int = 443, timeout: float = LOOKUP_TIMEOUT) -> HostLookup:
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
                          error=f"no answer within {seconds(timeout)} s")
    except OSError as exc:
        outcome = "nxdomain" if isinstance(exc, socket.gaierror) and exc.errno == socket.EAI_NONAME else "error"
        return HostLookup(host=host, via="system", outcome=outcome, ms=watch.ms(), error=exc.strerror or str(exc))
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    return HostLookup(host=host, addresses=addresses, via="system", outcome="answer", ms=watch.ms())


async def lookup_once(ctx: "ProbeContext", host: str, port: int = 443) -> HostLookup:
    """`lookup`, once per run and host: the HTTP client and the browser's relay share the answer (and a lookup
    still under way, so two connections at once ask once)."""
    known = ctx.resources.resolved_hosts
    if host not in known:
        known[host] = asyncio.ensure_future(lookup(ctx, host, port))
    return await asyncio.shield(known[host])
