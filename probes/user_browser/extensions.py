"""Which enabled extensions may break a login: known blockers by id, and any with the powers to.

The known list is data (`data/extensions.toml`, each entry with its store page). An
extension not on it is still flagged, with less confidence, when it can set the proxy
or block requests on every site.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from probes.user_browser.evidence import ExtensionInfo
from probes.user_browser.workstation import DATA

ALL_SITES = frozenset({"<all_urls>", "*://*/*", "http://*/*", "https://*/*", "*://*/"})
BLOCKING_APIS = frozenset({"declarativeNetRequest", "webRequestBlocking"})
MAY_INTERFERE_SCALE = 0.6


@dataclass(frozen=True)
class KnownExtension:
    name: str
    why: str
    source: str


@dataclass(frozen=True)
class Catalog:
    """Known interfering extensions by id, for Chromium-family browsers and for Firefox."""

    chrome: dict[str, KnownExtension] = field(default_factory=dict)
    firefox: dict[str, KnownExtension] = field(default_factory=dict)

    @classmethod
    def load(cls, path: Path = DATA / "extensions.toml") -> Catalog:
        chrome, firefox = _read(path)
        return cls(dict(chrome), dict(firefox))

    def plus(self, chrome: dict[str, KnownExtension] | None = None,
             firefox: dict[str, KnownExtension] | None = None) -> Catalog:
        """This catalog with more entries (an organisation's own list, or a test's)."""
        return Catalog(self.chrome | (chrome or {}), self.firefox | (firefox or {}))


def describe(
    catalog: Catalog, family: str, ext_id: str, name: str, version: str | None,
    permissions: Iterable[str], hosts: Iterable[str],
) -> ExtensionInfo:
    """The extension as evidence, with why it may interfere (None when it should not)."""
    known = (catalog.chrome if family == "chromium" else catalog.firefox).get(ext_id)
    if known is not None:
        return ExtensionInfo(id=ext_id, name=name or known.name, version=version, known=True,
                             flagged=f"{known.name}: {known.why}")
    perms = set(permissions)
    all_sites = bool(ALL_SITES & set(hosts))
    flagged: str | None = None
    if "proxy" in perms:
        flagged = "may interfere: can set the browser's proxy (proxy permission)"
    elif all_sites and BLOCKING_APIS & perms:
        api = sorted(BLOCKING_APIS & perms)[0]
        flagged = f"may interfere: can block requests on every site ({api} with access to all sites)"
    return ExtensionInfo(id=ext_id, name=name or ext_id, version=version, flagged=flagged)


@cache
def _read(path: Path) -> tuple[dict[str, KnownExtension], dict[str, KnownExtension]]:
    """The catalog file read once per process (a long-running exporter builds many probes)."""
    with path.open("rb") as handle:
        entries = tomllib.load(handle)["extension"]
    chrome: dict[str, KnownExtension] = {}
    firefox: dict[str, KnownExtension] = {}
    for entry in entries:
        known = KnownExtension(entry["name"], entry["why"], entry["source"])
        chrome.update(dict.fromkeys(entry.get("chrome", []), known))
        firefox.update(dict.fromkeys(entry.get("firefox", []), known))
    return chrome, firefox
