"""Chrome's URLBlocklist / URLAllowlist filter format, for "does policy block the portal?".

A filter is `[scheme://][.]host[:port][/path]` (query filters are not checked here):
`example.com` covers the host and its subdomains, `.example.com` the host alone, `*`
every URL. The most specific matching filter wins, and an allow filter wins a tie
(https://support.google.com/chrome/a/answer/9942583 "URL blocklist filter format").
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass(frozen=True)
class UrlFilter:
    text: str
    scheme: str | None
    host: str | None
    exact: bool
    port: int | None
    path: str

    @classmethod
    def parse(cls, text: str) -> UrlFilter | None:
        raw = text.strip()
        if raw == "*":
            return cls(text, None, None, False, None, "")
        scheme: str | None = None
        if "://" in raw:
            scheme, raw = raw.split("://", 1)
            scheme = scheme.lower() or None
            if scheme in ("file", "javascript", "data", "chrome", "edge", "about"):
                return None
        raw = raw.split("@", 1)[0]
        hostport, slash, path = raw.partition("/")
        host, sep, port_text = hostport.rpartition(":")
        if not sep:
            host, port_text = hostport, ""
        if port_text and not port_text.isdigit() and port_text != "*":
            return None
        port = int(port_text) if port_text.isdigit() else None
        exact = host.startswith(".")
        host = host.lstrip(".").lower().rstrip(".")
        return cls(text, scheme, None if host in ("", "*") else host, exact, port, slash + path if slash else "")

    def matches(self, url: str) -> bool:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if self.scheme is not None and self.scheme != parts.scheme.lower():
            return False
        if self.port is not None and self.port != (parts.port or (443 if parts.scheme == "https" else 80)):
            return False
        if self.host is not None and not (
            host == self.host or (not self.exact and host.endswith("." + self.host))
        ):
            return False
        return (parts.path or "/").startswith(self.path or "/")

    def specificity(self) -> tuple[int, int, int, int]:
        return (len(self.host or ""), len(self.path), int(self.scheme is not None), int(self.port is not None))


def verdict(url: str, blocklist: list[str], allowlist: list[str]) -> tuple[bool, str | None]:
    """(blocked?, the deciding filter): the most specific match wins, allow wins a tie."""
    block = [f for t in blocklist if (f := UrlFilter.parse(t)) is not None and f.matches(url)]
    if not block:
        return False, None
    allow = [f for t in allowlist if (f := UrlFilter.parse(t)) is not None and f.matches(url)]
    worst = max(block, key=UrlFilter.specificity)
    best_allow = max(allow, key=UrlFilter.specificity, default=None)
    if best_allow is not None and best_allow.specificity() >= worst.specificity():
        return False, best_allow.text
    return True, worst.text
