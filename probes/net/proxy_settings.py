"""Which proxy the workstation would use for a URL: the environment first, then the OS.

Read once per run (cheap, no network) and handed to every probe through the context,
so TLS, HTTP and the browser all go the way the workstation's browser would. The OS
sources (WinINET / WinHTTP, `scutil --proxy`, GNOME, KDE) live in `probes.osinfo`;
a PAC file is recorded by URL, never evaluated.
"""

from __future__ import annotations

import asyncio
import fnmatch
import ipaddress
import os
import re
from typing import NamedTuple
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, field_serializer

from probes.osinfo.system_proxy import read_system_proxy

_ENV_NAMES = ("https_proxy", "http_proxy", "all_proxy", "no_proxy")
_USERINFO = re.compile(r"(?<=://)[^/@\s]+@")


class ProxyDecision(NamedTuple):
    """The proxy that carries a URL (None = direct), and why."""

    proxy: str | None
    reason: str
    bypass_entry: str | None = None


class ProxySettings(BaseModel):
    """Proxy URLs by scheme, the bypass list, and where they were read from.

    Serialising redacts credentials (`user:password@` becomes `***@`), so a report can
    carry the settings as they are; `for_url` still hands the full URL to the client.
    """

    proxies: dict[str, str] = Field(default_factory=dict, description="scheme -> proxy URL")
    no_proxy: list[str] = Field(default_factory=list)
    source: str = Field(default="none", description="environment | system | none")
    pac_url: str | None = None
    detail: str | None = Field(default=None, description="which OS setting the proxies came from")
    auto_detect: bool = Field(default=False, description="WPAD auto-discovery is on (not evaluated)")
    variables: dict[str, str] = Field(default_factory=dict, description="proxy environment variables seen")

    @field_serializer("proxies", "variables")
    def _redact_values(self, values: dict[str, str]) -> dict[str, str]:
        return {name: redact(value) for name, value in values.items()}

    @field_serializer("pac_url")
    def _redact_pac(self, value: str | None) -> str | None:
        return redact(value) if value else value

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> ProxySettings:
        """Proxies from HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY, lower case winning."""
        env = os.environ if environ is None else environ
        found: dict[str, str] = {}
        seen: dict[str, str] = {}
        no_proxy = ""
        for name in _ENV_NAMES:
            for spelling in (name, name.upper()):
                if spelling in env:
                    seen[spelling] = env[spelling]
            value = env.get(name) or env.get(name.upper()) or ""
            if env.get(name) is not None and env.get(name) == "":
                value = ""  # an explicitly empty lower-case variable clears the upper-case one
            if not value:
                continue
            if name == "no_proxy":
                no_proxy = value
            else:
                found[name.removesuffix("_proxy")] = _with_scheme(value)
        bypass = [item.strip().lower() for item in no_proxy.split(",") if item.strip()]
        return cls(
            proxies=found, no_proxy=bypass, source="environment" if found else "none", variables=seen
        )

    @classmethod
    async def detect(cls) -> ProxySettings:
        """The environment's proxies when set, else the OS's: manual proxies, PAC URL, bypass list.

        Reading the OS's settings may run a command (gsettings, scutil, netsh): it runs in a
        worker thread, off the event loop.
        """
        env = cls.from_environment()
        if env.proxies:
            return env
        system = await asyncio.to_thread(read_system_proxy)
        if system is None or not system.configured:
            return env
        return cls(
            proxies={scheme: _with_scheme(url) for scheme, url in system.proxies.items()},
            no_proxy=[entry.lower() for entry in system.bypass],
            source="system",
            pac_url=system.pac_url,
            detail=system.source,
            auto_detect=system.auto_detect,
            variables=env.variables,
        )

    def for_url(self, url: str) -> str | None:
        """The proxy URL that carries `url`, or None when it goes direct."""
        return self.decide(url).proxy

    def decide(self, url: str) -> ProxyDecision:
        """`for_url` with its reason: which setting picked the proxy, or which bypass entry matched."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        scheme = parts.scheme.lower()
        origin = "the environment" if self.source == "environment" else (self.detail or self.source)
        if not self.proxies:
            return ProxyDecision(None, "no proxy configured")
        entry = self.bypass_entry(host, parts.port)
        if entry is not None:
            listname = "NO_PROXY" if self.source == "environment" else "the bypass list"
            return ProxyDecision(None, f"{listname} entry {entry!r} matches {host}", entry)
        if scheme in self.proxies:
            return ProxyDecision(self.proxies[scheme], f"{scheme} proxy from {origin}")
        if "all" in self.proxies:
            return ProxyDecision(self.proxies["all"], f"proxy for all schemes from {origin}")
        return ProxyDecision(None, f"no {scheme} proxy configured (only {', '.join(sorted(self.proxies))})")

    def bypasses(self, host: str, port: int | None = None) -> bool:
        """NO_PROXY matching as curl and httpx do it: '*', exact names, domain suffixes, host:port."""
        return self.bypass_entry(host, port) is not None

    def bypass_entry(self, host: str, port: int | None = None) -> str | None:
        """The first bypass entry matching `host` (and `port`), or None.

        Beyond curl's rules it reads the OS forms: `<local>` (names without a dot),
        wildcards (`10.*`, `intranet*`) and networks (`10.0.0.0/8`, macOS's `169.254/16`).
        """
        host = host.strip("[]").lower()
        address = _ip(host)
        for entry in self.no_proxy:
            if entry == "*":
                return entry
            if entry == "<local>":
                if "." not in host and ":" not in host:
                    return entry
                continue
            name, entry_port = _split_port(entry)
            if entry_port and port is not None and entry_port != str(port):
                continue
            if "/" in name:
                network = _network(name)
                if address is not None and network is not None and address in network:
                    return entry
                continue
            name = name.lstrip(".").lstrip("*.")
            if "*" in name:
                if fnmatch.fnmatchcase(host, name):
                    return entry
            elif host == name or host.endswith("." + name):
                return entry
            elif address is not None and address == _ip(name):
                return entry
        return None


def redact(value: str) -> str:
    """`value` with any `user:password@` in a URL replaced by `***@`."""
    return _USERINFO.sub("***@", value)


def _with_scheme(value: str) -> str:
    value = value.strip()
    return value if "://" in value else f"http://{value}"


def _split_port(entry: str) -> tuple[str, str]:
    if entry.startswith("["):
        name, _, rest = entry[1:].partition("]")
        return name, rest.removeprefix(":")
    if entry.count(":") == 1:
        name, _, port = entry.partition(":")
        return name, port
    return entry, ""


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _network(text: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network | None:
    address, _, prefix = text.partition("/")
    if ":" not in address and address.count(".") < 3:
        address = ".".join((address.split(".") + ["0", "0", "0"])[:4])  # macOS writes 169.254/16
    try:
        return ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    except ValueError:
        return None
