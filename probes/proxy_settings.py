"""Which proxy the workstation would use for a URL: the environment first, then the OS.

Read once per run (cheap, no network) and handed to every probe through the context,
so TLS, HTTP and the browser all go the way the workstation's browser would.
"""

from __future__ import annotations

import os
import urllib.request
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

_ENV_NAMES = ("https_proxy", "http_proxy", "all_proxy", "no_proxy")


class ProxySettings(BaseModel):
    """Proxy URLs by scheme, the bypass list, and where they were read from."""

    proxies: dict[str, str] = Field(default_factory=dict, description="scheme -> proxy URL")
    no_proxy: list[str] = Field(default_factory=list)
    source: str = Field(default="none", description="environment | system | none")
    pac_url: str | None = None

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> ProxySettings:
        """Proxies from HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY, lower case winning."""
        env = os.environ if environ is None else environ
        found: dict[str, str] = {}
        no_proxy = ""
        for name in _ENV_NAMES:
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
        return cls(proxies=found, no_proxy=bypass, source="environment" if found else "none")

    @classmethod
    def detect(cls) -> ProxySettings:
        """The environment's proxies when set, else the OS's (Windows registry, macOS settings)."""
        env = cls.from_environment()
        if env.proxies:
            return env
        try:
            system = urllib.request.getproxies()
        except OSError:
            system = {}
        found = {k: _with_scheme(v) for k, v in system.items() if k in ("https", "http", "all") and v}
        bypass = [item.strip().lower() for item in system.get("no", "").split(",") if item.strip()]
        return cls(proxies=found, no_proxy=bypass, source="system" if found else "none")

    def for_url(self, url: str) -> str | None:
        """The proxy URL that carries `url`, or None when it goes direct."""
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if self.bypasses(host, parts.port):
            return None
        scheme = parts.scheme.lower()
        return self.proxies.get(scheme) or self.proxies.get("all")

    def bypasses(self, host: str, port: int | None = None) -> bool:
        """NO_PROXY matching as curl and httpx do it: '*', exact names, domain suffixes, host:port."""
        for entry in self.no_proxy:
            if entry == "*":
                return True
            name, _, entry_port = entry.partition(":") if entry.count(":") == 1 else (entry, "", "")
            if entry_port and port is not None and entry_port != str(port):
                continue
            name = name.lstrip(".").lstrip("*.")
            if host == name or host.endswith("." + name):
                return True
        return False


def _with_scheme(value: str) -> str:
    value = value.strip()
    return value if "://" in value else f"http://{value}"
