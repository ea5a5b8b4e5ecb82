"""The portal under diagnosis: a login URL, checked and split once."""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import re
from urllib.parse import urlsplit

from pydantic import BaseModel

from probes.net.address import is_ip

_HOST_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")


class TargetError(ValueError):
    """The target is not a usable http(s) URL; the message says why, in one line."""


class Target(BaseModel):
    """A login URL with its parts; `profile` names the portal profile it came from, if any."""

    input: str
    url: str
    scheme: str
    host: str
    port: int
    path: str
    profile: str | None = None

    @property
    def origin(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}" + ("" if self.port == default else f":{self.port}")

    @property
    def is_ip_literal(self) -> bool:
        return is_ip(self.host)

    @classmethod
    def parse(cls, text: str, profile: str | None = None) -> "Target":
        """Check `text` is an http(s) URL with a valid host; raise TargetError saying what is wrong."""
        raw = text.strip()
        text = without_userinfo(raw)  # a password typed into the URL goes nowhere: not the report, not stderr
        if not raw or any(c.isspace() for c in raw):
            raise TargetError(f"not a URL (it contains spaces or is empty): {text!r}")
        try:
            parts = urlsplit(raw)
        except ValueError as exc:  # an unclosed or invalid [IPv6] host
            raise TargetError(f"not a URL ({exc}): {text!r}") from None
        if not parts.scheme or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", parts.scheme):
            raise TargetError(f"not a URL (no valid scheme such as https://): {text!r}")
        scheme = parts.scheme.lower()
        if scheme not in ("http", "https"):
            raise TargetError(f"unsupported scheme {scheme!r} in {text!r}: use https:// or http://")
        try:
            host = parts.hostname
            port = parts.port
        except ValueError as exc:
            raise TargetError(f"bad host or port in {text!r}: {exc}") from None
        if not host:
            raise TargetError(f"no host name in {text!r}")
        host = host.rstrip(".").lower()
        if not _valid_host(host):
            raise TargetError(f"invalid host name {host!r} in {text!r}")
        port = port or (443 if scheme == "https" else 80)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        netloc_host = f"[{host}]" if ":" in host else host
        default = 443 if scheme == "https" else 80
        netloc = netloc_host + ("" if port == default else f":{port}")
        url = f"{scheme}://{netloc}{path}"
        return cls(input=text, url=url, scheme=scheme, host=host, port=port, path=path, profile=profile)


def without_userinfo(url: str) -> str:
    """`url` with any `user:password@` before its host removed (the rest kept as typed)."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    authority_end = min((i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest))
    authority = rest[:authority_end]
    if "@" not in authority:
        return url
    return f"{scheme}://{authority.rpartition('@')[2]}{rest[authority_end:]}"


def _valid_host(host: str) -> bool:
    if is_ip(host):
        return True
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.split(".")
    return len(ascii_host) <= 253 and all(_HOST_LABEL.match(label) for label in labels)
