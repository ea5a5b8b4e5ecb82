"""macOS proxy settings from `scutil --proxy` (the SCDynamicStore proxies dictionary).

Keys read: `HTTPEnable/HTTPProxy/HTTPPort`, `HTTPSEnable/HTTPSProxy/HTTPSPort`,
`SOCKSEnable/SOCKSProxy/SOCKSPort`, `ExceptionsList`, `ExcludeSimpleHostnames`,
`ProxyAutoConfigEnable/ProxyAutoConfigURLString` and `ProxyAutoDiscoveryEnable`.
The manual keys match `kSCPropNetProxies*` in CPython's `Modules/_scproxy.c`.
"""

from __future__ import annotations

import re
from typing import Any

from probes.osinfo import SystemProxy
from probes.osinfo.commands import run_sync

SOURCE = "macOS network settings (scutil --proxy)"
_OPEN = re.compile(r"^(?P<key>[^:]+?) : <(?P<kind>dictionary|array)> \{$")
_ITEM = re.compile(r"^(?P<key>[^:]+?) : (?P<value>.*)$")


def parse_scutil(text: str) -> dict[str, Any]:
    """scutil's `<dictionary> { key : value ... }` print-out as nested dicts and lists of strings."""
    root: dict[str, Any] = {}
    stack: list[dict[str, Any] | list[Any]] = [root]
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line == "<dictionary> {":
            continue
        if line == "}":
            if len(stack) > 1:
                stack.pop()
            continue
        opened = _OPEN.match(line)
        if opened:
            child: dict[str, Any] | list[Any] = {} if opened["kind"] == "dictionary" else []
            _put(stack[-1], opened["key"], child)
            stack.append(child)
            continue
        item = _ITEM.match(line)
        if item:
            _put(stack[-1], item["key"], item["value"].strip())
    return root


def from_scutil(values: dict[str, Any]) -> SystemProxy:
    """The proxies, exceptions and PAC URL that `parse_scutil` found."""
    found = SystemProxy(source=SOURCE)
    for prefix, scheme, url_scheme in (("HTTP", "http", "http"), ("HTTPS", "https", "http"),
                                       ("SOCKS", "all", "socks5")):
        if _flag(values, f"{prefix}Enable") and values.get(f"{prefix}Proxy"):
            host = str(values[f"{prefix}Proxy"])
            port = str(values.get(f"{prefix}Port") or "").strip()
            found.proxies[scheme] = f"{url_scheme}://{host}" + (f":{port}" if port else "")
    if _flag(values, "ProxyAutoConfigEnable") and values.get("ProxyAutoConfigURLString"):
        found.pac_url = str(values["ProxyAutoConfigURLString"])
    found.auto_detect = _flag(values, "ProxyAutoDiscoveryEnable")
    exceptions = values.get("ExceptionsList")
    if isinstance(exceptions, list):
        found.bypass = [str(entry) for entry in exceptions]
    if _flag(values, "ExcludeSimpleHostnames"):
        found.bypass.append("<local>")
    return found


def read() -> SystemProxy:
    """The current proxy settings of the active network service."""
    return from_scutil(parse_scutil(run_sync(["scutil", "--proxy"])))


def _put(container: dict[str, Any] | list[Any], key: str, value: Any) -> None:
    if isinstance(container, list):
        container.append(value)
    else:
        container[key.strip()] = value


def _flag(values: dict[str, Any], key: str) -> bool:
    return str(values.get(key, "0")).strip() == "1"
