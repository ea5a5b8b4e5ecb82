"""Linux desktop proxy settings: GNOME's `org.gnome.system.proxy` and KDE's `kioslaverc`.

GNOME (and desktops built on its settings) is read with one
`gsettings list-recursively org.gnome.system.proxy`; `mode` is none, manual or auto
(`autoconfig-url` = PAC, empty = WPAD). KDE keeps `[Proxy Settings]` in
`~/.config/kioslaverc`: `ProxyType` 1 manual, 2 PAC (`Proxy Config Script`), 3 WPAD,
4 "use the environment" (already read). Command-line tools ignore both; browsers follow them.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from pathlib import Path

from probes.osinfo import SystemProxy
from probes.osinfo.commands import run_sync

GNOME_SOURCE = "GNOME settings (org.gnome.system.proxy)"
KDE_SOURCE = "KDE settings (kioslaverc)"
_GNOME_DESKTOPS = ("gnome", "unity", "cinnamon", "pantheon", "deepin", "ukui")  # as Chromium reads them
_GSETTINGS_LINE = re.compile(r"^(?P<schema>org\.gnome\.system\.proxy(?:\.\w+)?) (?P<key>[\w-]+) (?P<value>.*)$")


def parse_gsettings(text: str) -> dict[str, object]:
    """`gsettings list-recursively` lines as `{"http.host": "proxy", "mode": "manual", ...}`."""
    values: dict[str, object] = {}
    for line in text.splitlines():
        match = _GSETTINGS_LINE.match(line.strip())
        if match is None:
            continue
        section = match["schema"].removeprefix("org.gnome.system.proxy").lstrip(".")
        values[f"{section}.{match['key']}" if section else match["key"]] = _gvariant(match["value"])
    return values


def from_gsettings(values: Mapping[str, object]) -> SystemProxy:
    """GNOME's proxies by mode: manual proxies with `ignore-hosts`, or the PAC URL / WPAD."""
    found = SystemProxy(source=GNOME_SOURCE)
    mode = values.get("mode")
    if mode == "auto":
        found.pac_url = str(values.get("autoconfig-url") or "") or None
        found.auto_detect = found.pac_url is None
        return found
    if mode != "manual":
        return found
    for section, scheme, url_scheme in (("http", "http", "http"), ("https", "https", "http"),
                                        ("socks", "all", "socks5")):
        host = str(values.get(f"{section}.host") or "")
        port = values.get(f"{section}.port") or 0
        if host:
            found.proxies[scheme] = f"{url_scheme}://{host}" + (f":{port}" if port else "")
    if values.get("use-same-proxy") is True and "http" in found.proxies:
        found.proxies.setdefault("https", found.proxies["http"])
    ignore = values.get("ignore-hosts")
    if isinstance(ignore, list) and found.proxies:
        found.bypass = [str(entry) for entry in ignore]
    return found


def parse_kioslaverc(text: str) -> SystemProxy:
    """KDE's `[Proxy Settings]`: proxies written `http://host:port` or the older `http://host port`."""
    import configparser  # only for KDE's settings file, when there is one

    found = SystemProxy(source=KDE_SOURCE)
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment, method-assign]  # keys are case-sensitive
    parser.read_string(text)
    if not parser.has_section("Proxy Settings"):
        return found
    settings = parser["Proxy Settings"]
    kind = settings.get("ProxyType", "0").strip()
    if kind == "2":
        found.pac_url = settings.get("Proxy Config Script", "").strip() or None
    elif kind == "3":
        found.auto_detect = True
    elif kind == "1":
        for key, scheme in (("httpProxy", "http"), ("httpsProxy", "https"), ("socksProxy", "all")):
            value = settings.get(key, "").strip()
            if value:
                value = re.sub(r"\s+(\d+)$", r":\1", value)
                found.proxies[scheme] = value if "://" in value else f"http://{value}"
        found.bypass = [e.strip() for e in settings.get("NoProxyFor", "").split(",") if e.strip()]
    return found


def read(environ: Mapping[str, str]) -> SystemProxy | None:
    """The desktop's settings, read only under a desktop that uses them (named in XDG_CURRENT_DESKTOP)."""
    desktop = environ.get("XDG_CURRENT_DESKTOP", "").lower()
    if "kde" in desktop:
        config_home = Path(environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
        rc = config_home / "kioslaverc"
        return parse_kioslaverc(rc.read_text(encoding="utf-8", errors="replace")) if rc.is_file() else None
    if any(name in desktop for name in _GNOME_DESKTOPS):
        text = run_sync(["gsettings", "list-recursively", "org.gnome.system.proxy"])
        return from_gsettings(parse_gsettings(text))
    return None


def _gvariant(text: str) -> object:
    """A GVariant text value: 'strings', numbers, true/false, string arrays (`@as []` when empty)."""
    text = text.strip().removeprefix("@as ")
    if text in ("true", "false"):
        return text == "true"
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text
