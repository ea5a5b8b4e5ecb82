"""The hosts the login touches (the portal, then its identity providers) and whether it crosses sites.

A sign-in that crosses sites (the IdP's registrable domain differs from the portal's)
needs third-party cookies for silent or framed SSO; one that stays on one site does not.
"""

from __future__ import annotations

import tomllib
from functools import cache

from probes.user_browser.site_patterns import Site
from probes.user_browser.workstation import DATA


@cache
def _suffixes() -> frozenset[str]:
    with (DATA / "public_suffixes.toml").open("rb") as handle:
        return frozenset(tomllib.load(handle)["suffixes"])


def registrable_domain(host: str) -> str:
    """`login.example.co.uk` -> `example.co.uk`; an IP address stays as it is."""
    labels = host.lower().rstrip(".").split(".")
    if labels[-1].isdigit() or len(labels) <= 2:
        return ".".join(labels)
    size = 3 if ".".join(labels[-2:]) in _suffixes() else 2
    return ".".join(labels[-size:])


def idp_site(host_port: str) -> Site:
    """An IdP entry of a profile (`host` or `host:port`) as the https site it is."""
    host, _, port = host_port.partition(":")
    return Site.of("https", host, int(port) if port else None)


def crosses_sites(portal: Site, idps: list[Site]) -> list[Site]:
    """The IdP sites whose registrable domain is not the portal's."""
    own = registrable_domain(portal.host)
    return [s for s in idps if registrable_domain(s.host) != own]
