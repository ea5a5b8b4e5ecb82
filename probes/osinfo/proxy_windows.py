"""Windows proxy settings: WinINET (what browsers use) and WinHTTP (what services use).

WinINET keeps the per-user settings in the registry key `_INTERNET_SETTINGS` below:
`ProxyEnable`, `ProxyServer` (`host:port` for every protocol, or the per-protocol form
`http=host:port;https=host:port;socks=host:port`), `ProxyOverride` (`;`-separated,
with `<local>` for names without a dot) and `AutoConfigURL` (a PAC file). WinHTTP's
settings come from `netsh winhttp show proxy`.
"""

from __future__ import annotations

import re
import sys

from probes.osinfo import SystemProxy
from probes.osinfo.commands import run_sync

_INTERNET_SETTINGS = r"Software\Microsoft\Windows\CurrentVersion\Internet Settings"
WININET_SOURCE = r"WinINET registry (HKCU\...\Internet Settings)"
WINHTTP_SOURCE = "WinHTTP (netsh winhttp show proxy)"
_REG_LINE = re.compile(r"^ {4}(?P<name>.+?) {4}(?P<type>REG_\w+)(?: {4}(?P<value>.*))?$")
_NETSH_LINE = re.compile(r"^\s*(?P<key>[^:]+?)\s*:\s+(?P<value>.*?)\s*$")
_VALUES = ("ProxyEnable", "ProxyServer", "ProxyOverride", "AutoConfigURL")


def parse_reg_query(text: str) -> dict[str, str | int]:
    """The values of the first key in `reg query <key>` output; DWORDs as integers."""
    values: dict[str, str | int] = {}
    keys_seen = 0
    for line in text.splitlines():
        if line.startswith("HKEY_"):
            keys_seen += 1
            if keys_seen > 1:
                break
            continue
        match = _REG_LINE.match(line.rstrip("\r"))
        if match is None:
            continue
        raw = (match["value"] or "").strip()
        if match["type"] in ("REG_DWORD", "REG_QWORD"):
            values[match["name"]] = int(raw, 16) if raw.lower().startswith("0x") else int(raw or 0)
        else:
            values[match["name"]] = raw
    return values


def from_internet_settings(values: dict[str, str | int]) -> SystemProxy:
    """WinINET's settings from the `Internet Settings` values (the registry or a `reg query` dump)."""
    found = SystemProxy(source=WININET_SOURCE)
    if int(values.get("ProxyEnable") or 0) == 1:
        found.proxies = parse_proxy_server(str(values.get("ProxyServer") or ""))
    if found.proxies:
        found.bypass = parse_override(str(values.get("ProxyOverride") or ""))
    pac = str(values.get("AutoConfigURL") or "").strip()
    found.pac_url = pac or None
    return found


def parse_proxy_server(text: str) -> dict[str, str]:
    """`ProxyServer`'s value as scheme -> proxy URL; `socks=` carries every other scheme, as WinINET does."""
    text = text.strip()
    if not text:
        return {}
    if "=" not in text:
        url = text if "://" in text else f"http://{text}"
        return {"http": url, "https": url}
    found: dict[str, str] = {}
    for part in text.split(";"):
        scheme, _, address = part.strip().partition("=")
        scheme, address = scheme.strip().lower(), address.strip()
        if not address:
            continue
        if scheme in ("http", "https"):
            found[scheme] = address if "://" in address else f"http://{address}"
        elif scheme == "socks":
            found["all"] = address if "://" in address else f"socks4://{address}"
    return found


def parse_override(text: str) -> list[str]:
    """`ProxyOverride` entries (`*.corp.example;10.*;<local>`), in order."""
    return [entry.strip() for entry in re.split(r"[;\s]+", text) if entry.strip()]


def parse_netsh_winhttp(text: str) -> SystemProxy:
    """`netsh winhttp show proxy` output: the first `key : value` line is the server, the next the bypass list.

    Reading the lines by position rather than by their English labels keeps localised
    Windows working; "Direct access (no proxy server)." has no such line at all.
    """
    found = SystemProxy(source=WINHTTP_SOURCE)
    fields = [m["value"] for line in text.splitlines() if (m := _NETSH_LINE.match(line)) and m["value"]]
    if fields:
        found.proxies = parse_proxy_server(fields[0])
    if len(fields) > 1 and found.proxies:
        found.bypass = parse_override(fields[1])
    return found


def read_wininet() -> SystemProxy:
    """The current user's WinINET settings, straight from the registry."""
    if sys.platform != "win32":
        raise OSError("the registry exists only on Windows")
    import winreg

    values: dict[str, str | int] = {}
    with winreg.OpenKey(winreg.HKEY_CURRENT_USER, _INTERNET_SETTINGS) as key:
        for name in _VALUES:
            try:
                values[name] = winreg.QueryValueEx(key, name)[0]
            except FileNotFoundError:
                continue
    return from_internet_settings(values)


def read_winhttp() -> SystemProxy:
    """The machine's WinHTTP settings."""
    return parse_netsh_winhttp(run_sync(["netsh", "winhttp", "show", "proxy"]))
