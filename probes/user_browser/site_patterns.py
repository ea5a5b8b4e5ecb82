"""Chromium's content-settings patterns, matched the way Chromium matches them.

Site settings (`profile.content_settings.exceptions.*`) and the content-setting
policies (`CookiesBlockedForUrls`, `JavaScriptBlockedForUrls`, ...) name sites as
`[scheme://][[*.]]host[:port][/path]`, e.g. `[*.]example.com` or
`https://portal.example.com:443`; the most specific matching pattern decides
(components/content_settings/core/common/content_settings_pattern.cc: host first,
then scheme, then port).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Site:
    """A URL's origin as patterns see it."""

    scheme: str
    host: str
    port: int

    @classmethod
    def of(cls, scheme: str, host: str, port: int | None = None) -> Site:
        default = 443 if scheme == "https" else 80
        return cls(scheme.lower(), host.lower().rstrip("."), port or default)


@dataclass(frozen=True)
class SitePattern:
    """One parsed pattern; `None` fields are wildcards."""

    text: str
    scheme: str | None
    host: str | None
    subdomains: bool
    port: int | None

    @classmethod
    def parse(cls, text: str) -> SitePattern | None:
        """The pattern, or None for a form this reader does not understand (it is then ignored)."""
        raw = text.strip().lower()
        if raw in ("*", ""):
            return cls(text, None, None, True, None)
        scheme: str | None = None
        if "://" in raw:
            scheme, raw = raw.split("://", 1)
            scheme = None if scheme == "*" else scheme
        raw = raw.split("/", 1)[0]
        port: int | None = None
        host, sep, port_text = raw.rpartition(":")
        if not sep or "]" in port_text:
            host = raw
        elif port_text == "*":
            port = None
        elif port_text.isdigit():
            port = int(port_text)
        else:
            return None
        subdomains = host.startswith("[*.]")
        host = host.removeprefix("[*.]")
        if host == "*":
            return cls(text, scheme, None, True, port)
        if not host or "*" in host:
            return None
        return cls(text, scheme, host.rstrip("."), subdomains, port)

    def matches(self, site: Site) -> bool:
        if self.scheme is not None and self.scheme != site.scheme:
            return False
        if self.port is not None and self.port != site.port:
            return False
        if self.host is None:
            return True
        return site.host == self.host or (self.subdomains and site.host.endswith("." + self.host))

    def specificity(self) -> tuple[int, int, int, int]:
        """Larger is more specific: an exact host, then more labels, then a scheme, then a port."""
        host_rank = 0 if self.host is None else (1 if self.subdomains else 2)
        labels = 0 if self.host is None else self.host.count(".") + 1
        return (host_rank, labels, int(self.scheme is not None), int(self.port is not None))


def primary(pattern_pair: str) -> str:
    """The primary (site) half of a stored `primary,secondary` exception key."""
    return pattern_pair.split(",", 1)[0]


def best_match(patterns: list[str], site: Site) -> str | None:
    """The most specific of `patterns` that matches `site`, or None."""
    parsed = [p for text in patterns if (p := SitePattern.parse(text)) is not None and p.matches(site)]
    if not parsed:
        return None
    return max(parsed, key=SitePattern.specificity).text
