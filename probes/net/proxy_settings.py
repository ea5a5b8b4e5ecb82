"""Which proxy the workstation would use for a URL: the environment first, then the OS.

Read once per run (cheap, no network) and handed to every probe through the context,
so TLS, HTTP and the browser all go the way the workstation's browser would. The OS
sources (WinINET / WinHTTP, `scutil --proxy`, GNOME, KDE) live in `probes.osinfo`.
A PAC file (configured, or found by WPAD when auto-detection is on) is fetched and run
once at the start of the run (`resolve_pac`), so `for_url` stays the one, synchronous,
decision point and answers as the browser's PAC evaluation would.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import asyncio
import fnmatch
import ipaddress
import os
import re
from collections.abc import Callable
from typing import NamedTuple
from urllib.parse import urlsplit, urlunsplit

from pydantic import BaseModel, Field, PrivateAttr, field_serializer

from probes.net.pac import PacError, PacScript, choose, fetch_pac, parse_answer
from probes.net.pac_report import PacDecision, PacReport
from probes.osinfo import wpad
from probes.osinfo.system_proxy import read_system_proxy

_ENV_NAMES = ("https_proxy", "http_proxy", "all_proxy", "no_proxy")
_USERINFO = re.compile(r"(?<=://)[^\s/]*@")
SUPPORTED_SCHEMES = ("http", "https", "socks5", "socks5h")  # what httpx (with socksio) can carry
PROXY_TRY_SECONDS = 1.0  # per proxy of a PAC fallback list


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
    no_proxy: list[str] = []
    source: str = Field(default="none", description="environment | system | none")
    pac_url: str | None = None
    detail: str | None = Field(default=None, description="which OS setting the proxies came from")
    auto_detect: bool = Field(default=False, description="WPAD auto-discovery is on (not evaluated)")
    variables: dict[str, str] = Field(default_factory=dict, description="proxy environment variables seen")
    pac: PacReport | None = Field(default=None, description="the PAC file's fetch, parse and answers")
    _script: PacScript | None = PrivateAttr(default=None)
    _pac_cache: dict[str, ProxyDecision] = PrivateAttr(default_factory=dict)
    _dead: set[str] = PrivateAttr(default_factory=set)

    @field_serializer("proxies", "variables")
    def _redact_values(self, values: dict[str, str]) -> dict[str, str]:
        return {name: redact(value) for name, value in values.items()}

    @field_serializer("pac_url")
    def _redact_pac(self, value: str | None) -> str | None:
        return redact(value) if value else value

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> "ProxySettings":
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
    async def detect(cls) -> "ProxySettings":
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

    @property
    def uses_pac(self) -> bool:
        """A PAC file decides (the OS names one or auto-detects) and no manual proxy overrides it."""
        return not self.proxies and (self.pac_url is not None or self.auto_detect)

    async def resolve_pac(self, urls: list[str], seconds: float, verify: str | bool = True) -> None:
        """Fetch and load the PAC file, and decide each of `urls` with it, within `seconds`.

        The engine awaits this once before the probes start. A PAC that cannot be fetched or
        run leaves `pac.failure` set and every URL going direct, as browsers then do.
        """
        if not self.uses_pac:
            return
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        report = self.pac = PacReport(url=redact(self.pac_url) if self.pac_url else None,
                                      source="configured" if self.pac_url else "wpad")
        try:
            text = await self._fetch(report, lambda: max(0.1, end - loop.time()), verify)
            if text is None:
                return
            report.fetched, report.bytes = True, len(text.encode())
            self._script = await PacScript.load(text, seconds=max(0.5, end - loop.time()))
            report.parsed = True
            for url in dict.fromkeys(urls):
                await self._pac_decide(url, max(0.1, min(PROXY_TRY_SECONDS, end - loop.time())))
        except PacError as exc:
            report.failure, report.error = exc.failure, redact(str(exc))
            self._script = None

    async def _fetch(self, report: PacReport, left: Callable[[], float], verify: str | bool) -> str | None:
        """The PAC text: the configured URL's, else the first WPAD candidate that serves one."""
        if self.pac_url is not None:
            return await fetch_pac(self.pac_url, left(), verify)
        report.tried = await asyncio.wait_for(asyncio.to_thread(wpad.discovery_urls), left())
        for url in report.tried:
            try:
                text = await fetch_pac(url, min(left(), 2.0), verify)
            except PacError:
                continue
            report.url = redact(url)
            self.pac_url = url
            return text
        report.error = "WPAD found no PAC file" + (f" (asked {', '.join(report.tried)})" if report.tried else "")
        return None

    async def _pac_decide(self, url: str, seconds: float) -> ProxyDecision:
        """Evaluate the PAC for `url` (once per host) and pick from its list as the browser would."""
        assert self._script is not None and self.pac is not None
        key = _host_key(url)
        if key not in self._pac_cache:
            returned = await self._script.answer_async(url)
            try:
                entries = parse_answer(returned)
            except ValueError as exc:
                raise PacError(str(exc), "invalid") from None
            chosen, why = await choose(entries, seconds, self._dead)
            self._remember(url, returned, chosen, why)
        return self._pac_cache[key]

    def _remember(self, url: str, returned: str, chosen: str | None, why: str) -> None:
        assert self.pac is not None
        reason = f"PAC {redact(self.pac.url or '')} returned {returned!r}: {why}"
        self._pac_cache[_host_key(url)] = ProxyDecision(chosen, reason)
        self.pac.decisions.append(PacDecision(url=redact(url), returned=returned,
                                              chosen=redact(chosen) if chosen else None, reason=why))

    def _pac_sync(self, url: str) -> ProxyDecision:
        """The PAC's decision for a URL not decided ahead (a host met on a redirect): asked now."""
        if self._script is None or self.pac is None:
            failure = self.pac.error if self.pac is not None and self.pac.error else "no PAC file read"
            return ProxyDecision(None, f"PAC not used ({failure}): going direct, as browsers do")
        key = _host_key(url)
        if key not in self._pac_cache:
            try:
                returned = self._script.answer(url)
                entries = parse_answer(returned)
            except (PacError, ValueError) as exc:
                return ProxyDecision(None, f"PAC failed for {redact(url)} ({exc}): going direct")
            live = [e for e in entries if e is None or e not in self._dead] or entries[-1:]
            self._remember(url, returned, live[0], live[0] or "DIRECT")
        return self._pac_cache[key]

    def for_url(self, url: str) -> str | None:
        """The proxy URL that carries `url`, or None when it goes direct."""
        return self.decide(url).proxy

    def decide(self, url: str) -> ProxyDecision:
        """`for_url` with its reason: which setting picked the proxy, or which bypass entry matched."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        scheme = parts.scheme.lower()
        origin = "the environment" if self.source == "environment" else (self.detail or self.source)
        if self.uses_pac:
            return self._pac_sync(url)
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
    """`value` with any `user:password@` in a URL replaced by `***@`.

    A URL is taken apart (its user information ends at the last `@` of the authority, so a
    password holding `@` or `:` goes whole); URLs inside free text are matched the same way.
    """
    parts = urlsplit(value) if "://" in value and " " not in value.strip() else None
    if parts is not None and "@" in parts.netloc:
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=f"***@{host}"))
    return _USERINFO.sub("***@", value)


def unsupported(proxy_url: str) -> str | None:
    """Why a proxy URL cannot be used by the probes' HTTP client (its scheme), or None when it can."""
    scheme = urlsplit(proxy_url).scheme.lower()
    if scheme in SUPPORTED_SCHEMES:
        return None
    return f"proxy scheme {scheme}:// is not supported (only {', '.join(SUPPORTED_SCHEMES)})"


def _host_key(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}"


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
