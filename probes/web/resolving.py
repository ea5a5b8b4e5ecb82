"""How the browser's relay resolves: as the run resolves, the portal in the order the network probe reached it.

`ResolvingRelay` asks `run_resolver(ctx)` for each host when the browser connects: every
name through the run's resolvers (`--dns-server`), a name reached only by a script
included, once per run and shared with the HTTP client; the portal's addresses are the
`dns` probe's, those the `network` probe connected to first.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import TYPE_CHECKING

from probes.net.address import is_ip
from probes.net.host_lookup import lookup_once
from probes.network.evidence import NetworkEvidence

if TYPE_CHECKING:
    from probes.base import ProbeContext
    from probes.web.relay import Resolve

NETWORK_WAIT = 2.0  # how long the portal's first connection waits for the network probe's order


def run_resolver(ctx: ProbeContext) -> Resolve:
    """How the browser's relay resolves: the portal as `portal_addresses`, any other host as the run's HTTP
    client does (`lookup_once`: one answer per host and run)."""

    async def resolve(host: str, port: int) -> list[str]:
        if host == ctx.target.host:
            return await portal_addresses(ctx) or []
        return (await lookup_once(ctx, host, port)).addresses

    return resolve


async def portal_addresses(ctx: ProbeContext) -> list[str] | None:
    """The portal's addresses from `--dns-server` (the dns probe's, else asked here); None when the OS resolves."""
    host = ctx.target.host
    if not ctx.config.dns_servers or is_ip(host):
        return None
    addresses = await ctx.addresses() or (await lookup_once(ctx, host, ctx.target.port)).addresses
    return await _reachable_first(ctx, addresses)


async def _reachable_first(ctx: ProbeContext, addresses: list[str]) -> list[str]:
    """With several addresses, the ones the network probe reached first: the relay tries them in this order."""
    if len(addresses) < 2:
        return addresses
    network = None
    with contextlib.suppress(TimeoutError):
        network = await asyncio.wait_for(ctx.evidence(NetworkEvidence), NETWORK_WAIT)
    reached = {a.address for a in network.attempts if a.outcome == "connected"} if network else set()
    return sorted(addresses, key=lambda address: address not in reached)
