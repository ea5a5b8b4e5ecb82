"""Every place an enterprise can set a browser's policies, read into `PolicySet`s.

Linux: JSON files in the browser's `policies/managed` dirs, Firefox's `policies.json`;
Windows: the registry (`os_windows`); macOS: managed preferences (`os_macos`). Only the
keys in `data/policies.toml` are kept. An unreadable source is recorded, never a fault.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from probes.user_browser.evidence import PolicySet
from probes.user_browser.os_macos import managed_plists, read_plist
from probes.user_browser.os_windows import policies_from_registry
from probes.user_browser.safe_read import Unreadable, read_json
from probes.user_browser.workstation import DATA, Workstation, browser_table


@cache
def relevant_keys(family: str) -> frozenset[str]:
    with (DATA / "policies.toml").open("rb") as handle:
        return frozenset(tomllib.load(handle)[family])


def _keep(family: str, values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k in relevant_keys(family)}


def _json_files(view: Workstation, browser: str) -> list[Path]:
    files = [p for p in view.paths(browser, "policy_files") if p.is_file()]
    for folder in view.paths(browser, "policy_dirs"):
        if folder.is_dir():
            files += sorted(p for p in folder.glob("*.json") if p.is_file())
    return files


def collect(view: Workstation, browser: str) -> tuple[list[PolicySet], list[str]]:
    """The policies set for `browser` on this workstation, and the sources that could not be read."""
    entry = browser_table()[browser]
    family = str(entry["family"])
    found: list[PolicySet] = []
    errors: list[str] = []

    def add(source: str, values: dict[str, Any]) -> None:
        if family == "firefox" and isinstance(values.get("policies"), dict):
            values = values["policies"]
        kept = _keep(family, values)
        if kept:
            found.append(PolicySet(browser=browser, source=source, values=kept))

    for path in _json_files(view, browser):
        try:
            add(str(path), read_json(path))
        except Unreadable as exc:
            errors.append(str(exc))
    if view.platform == "win32" and entry.get("registry_key"):
        try:
            dump = view.registry([str(entry["registry_key"])])
        except OSError as exc:
            errors.append(f"registry {entry['registry_key']}: {exc}")
        else:
            for source, values in policies_from_registry(dump, str(entry["registry_key"])).items():
                add(source, values)
    if view.platform == "darwin" and entry.get("plist"):
        for path in managed_plists(view.root, view.environ.get("USER"), str(entry["plist"])):
            try:
                add(str(path), read_plist(path))
            except Unreadable as exc:
                errors.append(str(exc))
    return found, errors
