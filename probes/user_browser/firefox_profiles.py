"""A Firefox profiles folder read as evidence.

`profiles.ini` lists the profiles; each profile's `prefs.js` holds the user's changed
prefs as `user_pref("name", value);` lines (`javascript.enabled`,
`network.cookie.cookieBehavior`: 2 blocks all cookies, 1 third-party ones;
`dom.disable_open_during_load` for pop-ups); `permissions.sqlite` table `moz_perms`
holds per-site exceptions (`type` cookie/popup, `permission` 1 allow, 2 deny, 8 session);
`extensions.json` the add-ons; `compatibility.ini` the version that last ran it.
(https://support.mozilla.org/kb/profiles-where-firefox-stores-user-data;
https://searchfox.org/mozilla-central/source/modules/libpref/init/StaticPrefList.yaml)
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from probes.user_browser.evidence import ExtensionInfo, ProfileInfo, Setting, SiteSettings
from probes.user_browser.extensions import Catalog, describe
from probes.user_browser.safe_read import Unreadable, query_sqlite, read_json, read_text
from probes.user_browser.site_patterns import Site

if TYPE_CHECKING:
    import configparser

_USER_PREF = re.compile(r'^\s*user_pref\(\s*"([^"]+)"\s*,\s*(.+?)\s*\)\s*;', re.MULTILINE)
PERMISSION: dict[int, Setting] = {1: "allow", 2: "block", 8: "session_only"}


def _ini(path: Path) -> configparser.ConfigParser:
    import configparser  # only when a Firefox profile is there to read

    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    try:
        parser.read_string(read_text(path))
    except configparser.Error as exc:
        raise Unreadable(f"{path}: {exc}") from None
    return parser


def profiles_in(root: Path) -> list[tuple[Path, str]]:
    """(profile folder, name) of every profile in `profiles.ini`."""
    parser = _ini(root / "profiles.ini")
    found: list[tuple[Path, str]] = []
    for section in parser.sections():
        if not section.startswith("Profile") or "Path" not in parser[section]:
            continue
        entry = parser[section]
        path = Path(entry["Path"])
        folder = root / path if entry.get("IsRelative", "1") == "1" else path
        found.append((folder, entry.get("Name", path.name)))
    return found


def version_of(folder: Path) -> str | None:
    """`LastVersion` of the profile's compatibility.ini, e.g. "128.5.0_2024..." -> "128.5.0"."""
    try:
        value = _ini(folder / "compatibility.ini").get("Compatibility", "LastVersion", fallback="")
    except Unreadable:
        return None
    return value.split("_", 1)[0] or None


def user_prefs(folder: Path) -> dict[str, Any]:
    """The `user_pref` lines of prefs.js, values decoded (they are JSON literals)."""
    prefs: dict[str, Any] = {}
    for name, raw in _USER_PREF.findall(read_text(folder / "prefs.js")):
        try:
            prefs[name] = json.loads(raw)
        except ValueError:
            prefs[name] = raw
    return prefs


def _permissions(folder: Path) -> list[tuple[str, str, int]]:
    if not (folder / "permissions.sqlite").is_file():
        return []
    rows = query_sqlite(folder / "permissions.sqlite", "SELECT origin, type, permission FROM moz_perms")
    return [(str(o), str(t), int(p)) for o, t, p in rows]


def _host(origin: str) -> str:
    return re.sub(r"^[a-z]+://", "", origin.split("^", 1)[0]).split(":", 1)[0].split("/", 1)[0].lower()


def site_settings(prefs: dict[str, Any], perms: list[tuple[str, str, int]], site: Site) -> SiteSettings:
    found = SiteSettings(host=site.host)
    js_on = prefs.get("javascript.enabled", True) is not False
    found.javascript, found.sources["javascript"] = ("allow" if js_on else "block"), "prefs.js javascript.enabled"
    cookies: Setting = "block" if prefs.get("network.cookie.cookieBehavior") == 2 else "allow"
    popups: Setting = "block" if prefs.get("dom.disable_open_during_load", True) else "allow"
    found.sources |= {"cookies": "default", "popups": "default"}
    for origin, kind, value in perms:
        host = _host(origin)
        if kind in ("cookie", "popup") and (site.host == host or site.host.endswith("." + host)):
            key = "cookies" if kind == "cookie" else "popups"
            setting = PERMISSION.get(value)
            if setting is None:
                continue
            if key == "cookies":
                cookies = setting
            else:
                popups = setting
            found.sources[key] = f"permissions.sqlite {origin}"
    found.cookies, found.popups = cookies, popups
    return found


def extensions(folder: Path, catalog: Catalog) -> list[ExtensionInfo]:
    path = folder / "extensions.json"
    if not path.is_file():
        return []
    found: list[ExtensionInfo] = []
    for addon in read_json(path).get("addons", []):
        if not isinstance(addon, dict) or addon.get("type") != "extension":
            continue
        # app-builtin*, app-system-*: shipped with Firefox, not installed by the user
        if not addon.get("active") or str(addon.get("location", "")).startswith(("app-builtin", "app-system")):
            continue
        granted = addon.get("userPermissions") or {}
        name = str((addon.get("defaultLocale") or {}).get("name") or "")
        found.append(describe(catalog, "firefox", str(addon.get("id")), name, addon.get("version"),
                              granted.get("permissions", []), granted.get("origins", [])))
    return found


def read_profile(folder: Path, name: str, sites: list[Site], catalog: Catalog) -> ProfileInfo:
    info = ProfileInfo(display_name=name, dir_name=folder.name)
    try:
        prefs = user_prefs(folder) if (folder / "prefs.js").exists() else {}
        perms = _permissions(folder)
        info.site_settings = [site_settings(prefs, perms, site) for site in sites]
        info.third_party_cookies_blocked = prefs.get("network.cookie.cookieBehavior") == 1
        info.popups_blocked_by_default = prefs.get("dom.disable_open_during_load", True) is not False
        info.extensions = extensions(folder, catalog)
    except Unreadable as exc:
        info.unreadable = f"could not check: {exc}"
    return info
