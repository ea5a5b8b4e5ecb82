"""Which browsers the user has, where their profiles are, and which version last ran each.

The version comes from the user's own data where the browser writes it (Chromium's
`Last Version` file or Local State, Firefox's `compatibility.ini`), so nothing is
started; only when that is missing is the Linux executable asked with `--version`.
"""

from __future__ import annotations

import re
from pathlib import Path

from probes.user_browser import chromium_profiles, firefox_profiles
from probes.user_browser.evidence import BrowserInstall
from probes.user_browser.extensions import Catalog
from probes.user_browser.safe_read import Unreadable, read_json
from probes.user_browser.site_patterns import Site
from probes.user_browser.workstation import Workstation, browser_table


def _chromium(key: str, title: str, user_data: Path, sites: list[Site], catalog: Catalog) -> BrowserInstall:
    found = BrowserInstall(key=key, title=title, user_data_dir=str(user_data))
    try:
        local_state = read_json(user_data / "Local State")
    except Unreadable:
        local_state = {}
    found.version, found.version_source = chromium_profiles.version_of(user_data, local_state)
    listed = chromium_profiles.profiles_in(local_state)
    if not listed:  # Local State missing or unreadable: the folders tell
        listed = [(p.parent.name, p.parent.name) for p in sorted(user_data.glob("*/Preferences"))]
    found.profiles = [chromium_profiles.read_profile(user_data, d, n, sites, catalog) for d, n in listed]
    return found


def _firefox(title: str, root: Path, sites: list[Site], catalog: Catalog) -> BrowserInstall:
    found = BrowserInstall(key="firefox", title=title, user_data_dir=str(root))
    try:
        listed = firefox_profiles.profiles_in(root)
    except Unreadable:
        listed = []
    for folder, name in listed:
        found.profiles.append(firefox_profiles.read_profile(folder, name, sites, catalog))
        version = firefox_profiles.version_of(folder)
        if version and (found.version is None or _key(version) > _key(found.version)):
            found.version, found.version_source = version, f"{folder.name}/compatibility.ini"
    return found


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version)[:4])


def find_installs(view: Workstation, sites: list[Site], catalog: Catalog) -> list[BrowserInstall]:
    """Every browser with a user-data dir here (blocking file reads: run it in a thread)."""
    found: list[BrowserInstall] = []
    for key, entry in browser_table().items():
        executables = [p for p in view.paths(key, "executables") if p.is_file()]
        for user_data in view.paths(key, "user_data"):
            if not user_data.is_dir():
                continue
            if entry["family"] == "firefox":
                install = _firefox(str(entry["title"]), user_data, sites, catalog)
            else:
                install = _chromium(key, str(entry["title"]), user_data, sites, catalog)
            install.executable = str(executables[0]) if executables else None
            found.append(install)
    return found


