"""The browser's command line and context options for one run: quiet, resolving and trusting as the run does.

Chromium cannot be pointed at another DNS server, so with `--dns-server` every name the
login is known to visit (the portal, the profile's identity providers, the hosts the
`http` probe was redirected through) is resolved through that server first and mapped
with `--host-resolver-rules`; a name it could not resolve is mapped to `~NOTFOUND`, so
the browser never asks the system's resolver instead.

`--ignore-certificate-errors-spki-list` accepts a certificate, whatever its errors,
when a certificate in the chain the server sends has a listed public-key hash. The
bundle's own certificates are listed (for servers that send their CA), and the
portal's certificate too, but only once Python has verified it against the bundle
(chain, dates, name): most servers send no CA, and listing the portal's key after that
check makes the browser trust what the bundle trusts and nothing more.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import hashlib
import os
import ssl
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from probes.http.evidence import HttpEvidence
from probes.net.host_lookup import lookup
from probes.net.httpclient import trust_context
from probes.target import is_ip

BASE_ARGS = (
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--no-first-run", "--disable-gpu", "--disable-quic",
)

if TYPE_CHECKING:
    from probes.base import ProbeContext
HTTP_WAIT = 2.0  # how long the launch waits for the http probe's redirect hosts
HANDSHAKE_TIMEOUT = 3.0
CLOSE_WAIT = 0.5


def needs_no_sandbox() -> bool:
    """Chromium's sandbox cannot start as root on Linux, nor in most containers."""
    if not sys.platform.startswith("linux"):
        return False
    in_container = Path("/.dockerenv").exists() or Path("/run/.containerenv").exists() or "container" in os.environ
    return os.geteuid() == 0 or in_container


async def launch_args(ctx: ProbeContext) -> list[str]:
    """The run's Chromium flags; waits for the dns probe only when `--dns-server` makes the mapping matter."""
    pinned = await portal_addresses(ctx)
    rules, spkis = await asyncio.gather(resolver_rules(ctx, pinned), trusted_spkis(ctx, pinned))
    args = list(BASE_ARGS)
    if rules:
        args.append(f"--host-resolver-rules={rules}")
    if spkis:
        args.append(f"--ignore-certificate-errors-spki-list={','.join(spkis)}")
    if ctx.proxy.pac_url and not ctx.proxy.proxies:
        args.append(f"--proxy-pac-url={ctx.proxy.pac_url}")
    return args


async def portal_addresses(ctx: ProbeContext) -> list[str] | None:
    """The portal's addresses from `--dns-server` (the dns probe's, else asked here); None when the OS resolves."""
    host = ctx.target.host
    if not ctx.config.dns_servers or is_ip(host):
        return None
    return await ctx.addresses() or (await lookup(ctx, host, ctx.target.port)).addresses


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


def spki_hash(certificate: x509.Certificate) -> str:
    """base64(sha256(SubjectPublicKeyInfo)), the form Chromium's SPKI lists take."""
    der = certificate.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode("ascii")


async def trusted_spkis(ctx: ProbeContext, pinned: list[str] | None) -> list[str]:
    """The bundle's certificates' hashes and, once verified against the bundle, the portal's; [] without a bundle."""
    bundle = ctx.config.ca_bundle
    if bundle is None:
        return []
    try:
        hashes = [spki_hash(c) for c in x509.load_pem_x509_certificates(bundle.read_bytes())]
    except (OSError, ValueError):
        return []  # the run's input checks report an unusable bundle; the browser then trusts nothing extra
    portal = await _verified_portal_certificate(ctx, pinned)
    if portal is not None:
        hashes.append(spki_hash(portal))
    return list(dict.fromkeys(hashes))


async def _verified_portal_certificate(ctx: ProbeContext, pinned: list[str] | None) -> x509.Certificate | None:
    """The portal's certificate if it verifies against the bundle for the portal's name; None otherwise."""
    target = ctx.target
    if target.scheme != "https" or ctx.proxy.for_url(target.url) is not None:
        return None
    addresses = [target.host] if pinned is None else pinned
    context = trust_context(ctx)
    for address in addresses[:2]:
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(address, target.port, ssl=context, server_hostname=target.host),
                HANDSHAKE_TIMEOUT,
            )
        except (OSError, ssl.SSLError, TimeoutError):
            continue
        der = writer.get_extra_info("ssl_object").getpeercert(binary_form=True)
        writer.close()
        with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
            await asyncio.wait_for(writer.wait_closed(), CLOSE_WAIT)  # a hung server never answers close_notify
        return x509.load_der_x509_certificate(der) if der else None
    return None


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
