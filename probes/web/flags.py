"""The browser's command line and context options for one run: quiet, and resolving as the run does.

Chromium cannot be pointed at another DNS server, so with `--dns-server` every name the
login is known to visit (the portal, the profile's identity providers, the hosts the
`http` probe was redirected through) is resolved through that server first and mapped
with `--host-resolver-rules`; a name it could not resolve is mapped to `~NOTFOUND`, so
the browser never asks the system's resolver instead.

Trust is not a flag: with `--ca-bundle` the browser reads the bundle from a throwaway
NSS database (`probes.web.trust`), so it judges certificates by its own rules.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from probes.http.evidence import HttpEvidence
from probes.net.host_lookup import lookup
from probes.network.evidence import NetworkEvidence
from probes.target import is_ip

_QUIET = tomllib.loads((Path(__file__).with_name("data") / "quiet.toml").read_text(encoding="utf-8"))
BASE_ARGS = (*_QUIET["switches"], "--disable-features=" + ",".join(_QUIET["disable_features"]))
UNSWITCHABLE_HOSTS: tuple[str, ...] = tuple(_QUIET["unswitchable_hosts"])

if TYPE_CHECKING:
    from probes.base import ProbeContext
HTTP_WAIT = 2.0  # how long the launch waits for the http probe's redirect hosts


def needs_no_sandbox() -> bool:
    """Chromium's sandbox cannot start as root on Linux, nor in most containers."""
    if not sys.platform.startswith("linux"):
        return False
    in_container = Path("/.dockerenv").exists() or Path("/run/.containerenv").exists() or "container" in os.environ
    return os.geteuid() == 0 or in_container


async def launch_args(ctx: ProbeContext) -> list[str]:
    """The run's Chromium flags; waits for the dns probe only when `--dns-server` makes the mapping matter."""
    rules = await resolver_rules(ctx, await portal_addresses(ctx))
    args = list(BASE_ARGS)
    if rules:
        args.append(f"--host-resolver-rules={rules}")
    if ctx.proxy.pac_url and not ctx.proxy.proxies:
        args.append(f"--proxy-pac-url={ctx.proxy.pac_url}")
    return args


async def portal_addresses(ctx: ProbeContext) -> list[str] | None:
    """The portal's addresses from `--dns-server` (the dns probe's, else asked here); None when the OS resolves."""
    host = ctx.target.host
    if not ctx.config.dns_servers or is_ip(host):
        return None
    addresses = await ctx.addresses() or (await lookup(ctx, host, ctx.target.port)).addresses
    return await _reachable_first(ctx, addresses)


async def _reachable_first(ctx: ProbeContext, addresses: list[str]) -> list[str]:
    """With several addresses, the ones the network probe reached first: Chromium is pinned to one only."""
    if len(addresses) < 2:
        return addresses
    network = None
    with contextlib.suppress(TimeoutError):
        network = await asyncio.wait_for(ctx.evidence(NetworkEvidence), HTTP_WAIT)
    reached = {a.address for a in network.attempts if a.outcome == "connected"} if network else set()
    return sorted(addresses, key=lambda address: address not in reached)


async def resolver_rules(ctx: ProbeContext, pinned: list[str] | None) -> str | None:
    """`MAP host address` for every known host of the login, resolved as the run resolves; None without --dns-server.

    `pinned` is the portal's addresses (`portal_addresses`).
    """
    if not ctx.config.dns_servers:
        return None
    portal = ctx.target.host
    mapped: dict[str, list[str]] = {}
    if pinned is not None:
        mapped[portal] = pinned
    others = [h for h in await _other_hosts(ctx) if h != portal and not is_ip(h)]
    found = await asyncio.gather(*(lookup(ctx, host) for host in others))
    mapped |= {item.host: item.addresses for item in found}
    rules = []
    for host, addresses in mapped.items():
        address = addresses[0] if addresses else None
        target = "~NOTFOUND" if address is None else f"[{address}]" if ":" in address else address
        rules.append(f"MAP {host} {target}")
    return ", ".join(rules) or None


async def _other_hosts(ctx: ProbeContext) -> list[str]:
    """Identity-provider hosts from the profile, and hosts the http probe's redirects went through."""
    idp_hosts = ctx.config.profile.idp_hosts if ctx.config.profile else []
    hosts = [h.rpartition(":")[0] or h for h in idp_hosts]
    http = None
    with contextlib.suppress(TimeoutError):
        http = await asyncio.wait_for(ctx.evidence(HttpEvidence), HTTP_WAIT)
    if http is not None:
        hosts += http.redirect_hosts
    return list(dict.fromkeys(h.lower() for h in hosts if h))


def context_proxy(ctx: ProbeContext, url: str) -> dict[str, Any] | None:
    """Playwright's per-context `proxy` option for `url`, as the workstation routes it; None when direct."""
    proxy = ctx.proxy.for_url(url)
    if proxy is None or ctx.proxy.uses_pac:  # Chromium runs the same PAC itself (--proxy-pac-url), per host
        return None
    parts = urlsplit(proxy)
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
    server = f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    option: dict[str, Any] = {"server": server}
    if ctx.proxy.no_proxy:
        option["bypass"] = ",".join(ctx.proxy.no_proxy)
    if parts.username:
        option["username"] = unquote(parts.username)
        option["password"] = unquote(parts.password or "")
    return option
