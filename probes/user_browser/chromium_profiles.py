"""A Chromium-family user-data dir (Chrome, Edge, Chromium, Brave) read as evidence.

`Local State` lists the profiles (`profile.info_cache`: dir name -> display name). Each
profile's `Preferences` holds the site settings (`profile.default_content_setting_values`,
`profile.content_settings.exceptions.<type>` keyed `primary,secondary` with `setting`
1 allow, 2 block, 4 session only) and the third-party cookie switch
(`profile.cookie_controls_mode` 1, or the older `profile.block_third_party_cookies`).
Extension state is in `extensions.settings` of `Preferences` or, where Chrome protects
it (Windows, macOS), of `Secure Preferences`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from probes.user_browser.evidence import ExtensionInfo, ProfileInfo, Setting, SiteSettings
from probes.user_browser.extensions import Catalog, describe
from probes.user_browser.safe_read import Unreadable, read_json, read_text
from probes.user_browser.site_patterns import Site, best_match, primary

SETTING: dict[int, Setting] = {1: "allow", 2: "block", 3: "ask", 4: "session_only"}
BUILT_IN_DEFAULT: dict[str, Setting] = {"cookies": "allow", "javascript": "allow", "popups": "block"}
# chrome/common/extensions/... ManifestLocation: 5 COMPONENT, 10 EXTERNAL_COMPONENT (built into the browser)
COMPONENT_LOCATIONS = frozenset({5, 10})


def _get(tree: Any, *keys: str) -> Any:
    for key in keys:
        tree = tree.get(key) if isinstance(tree, dict) else None
    return tree


def profiles_in(local_state: dict[str, Any]) -> list[tuple[str, str]]:
    """(dir name, display name) of every profile Local State knows."""
    cache = _get(local_state, "profile", "info_cache")
    if not isinstance(cache, dict):
        return []
    return [(d, str(info.get("name") or d) if isinstance(info, dict) else d) for d, info in cache.items()]


def version_of(user_data: Path, local_state: dict[str, Any]) -> tuple[str | None, str | None]:
    """The version that last ran this user-data dir: the `Last Version` file, else Local State."""
    try:
        text = read_text(user_data / "Last Version").strip()
        if text:
            return text, "Last Version"
    except Unreadable:
        pass
    stats = _get(local_state, "user_experience_metrics", "stability", "stats_version")
    if isinstance(stats, str) and stats:
        return stats.split("-", 1)[0], "Local State user_experience_metrics.stability.stats_version"
    return None, None


def site_settings(prefs: dict[str, Any], site: Site) -> SiteSettings:
    """The effective cookies / javascript / popups setting for `site`, and what decided each."""
    found = SiteSettings(host=site.host)
    defaults = _get(prefs, "profile", "default_content_setting_values") or {}
    for kind in ("cookies", "javascript", "popups"):
        exceptions = _get(prefs, "profile", "content_settings", "exceptions", kind) or {}
        # a cookies exception with a secondary pattern is a third-party one; only site-wide ones decide here
        first_party = {primary(k): v for k, v in exceptions.items() if k.endswith(",*") or "," not in k}
        chosen = best_match(list(first_party), site)
        value: Setting | None
        if chosen is not None and isinstance(first_party[chosen], dict):
            value = SETTING.get(int(first_party[chosen].get("setting", 0)))
            found.sources[kind] = f"exception {chosen}"
        elif isinstance(defaults.get(kind), int):
            value = SETTING.get(defaults[kind])
            found.sources[kind] = "default"
        else:
            value = BUILT_IN_DEFAULT[kind]
            found.sources[kind] = "built-in default"
        setattr(found, kind, value)
    return found


def _enabled(settings: dict[str, Any]) -> bool:
    reasons = settings.get("disable_reasons")
    if reasons is not None:
        return not reasons
    return bool(settings.get("state", 1) == 1)


def _manifest(profile: Path, ext_id: str, settings: dict[str, Any]) -> dict[str, Any]:
    """The extension's manifest: kept in the settings by older versions, else read from its folder."""
    if isinstance(settings.get("manifest"), dict):
        return dict(settings["manifest"])
    folders = [Path(settings["path"])] if Path(str(settings.get("path", ""))).is_absolute() else []
    installed = profile / "Extensions" / ext_id
    if installed.is_dir():
        folders += sorted(installed.iterdir(), reverse=True)
    for folder in folders:
        try:
            return read_json(folder / "manifest.json")
        except Unreadable:
            continue
    return {}


def extensions(profile: Path, prefs: dict[str, Any], secure: dict[str, Any], catalog: Catalog) -> list[ExtensionInfo]:
    """Every enabled, user-installed extension, flagged where it may interfere."""
    merged: dict[str, Any] = dict(_get(prefs, "extensions", "settings") or {})
    merged.update(_get(secure, "extensions", "settings") or {})
    found: list[ExtensionInfo] = []
    for ext_id, settings in sorted(merged.items()):
        if not isinstance(settings, dict) or settings.get("location") in COMPONENT_LOCATIONS:
            continue
        if not _enabled(settings):
            continue
        manifest = _manifest(profile, ext_id, settings)
        active = settings.get("active_permissions") or {}
        perms = set(active.get("api", [])) | set(active.get("manifest_permissions", []))
        perms |= {p for p in manifest.get("permissions", []) if isinstance(p, str)}
        hosts = set(active.get("explicit_host", [])) | set(active.get("scriptable_host", []))
        hosts |= set(manifest.get("host_permissions", [])) | perms
        name = str(manifest.get("name", ""))
        version = manifest.get("version")
        found.append(describe(catalog, "chromium", ext_id, "" if name.startswith("__MSG_") else name,
                              str(version) if version else None, perms, hosts))
    return found


def read_profile(user_data: Path, dir_name: str, display: str, sites: list[Site], catalog: Catalog) -> ProfileInfo:
    """One profile as evidence; a profile that cannot be read says why instead."""
    profile = user_data / dir_name
    info = ProfileInfo(display_name=display, dir_name=dir_name)
    try:
        prefs = read_json(profile / "Preferences")
    except Unreadable as exc:
        info.unreadable = f"could not check: {exc}"
        return info
    try:
        secure = read_json(profile / "Secure Preferences")
    except Unreadable:
        secure = {}
    info.site_settings = [site_settings(prefs, site) for site in sites]
    mode = _get(prefs, "profile", "cookie_controls_mode")
    info.third_party_cookies_blocked = mode == 1 or _get(prefs, "profile", "block_third_party_cookies") is True
    popups = _get(prefs, "profile", "default_content_setting_values", "popups")
    info.popups_blocked_by_default = popups != 1
    info.extensions = extensions(profile, prefs, secure, catalog)
    return info
