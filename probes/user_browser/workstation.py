"""The filesystem view the probe reads through: OS, home, environment and a root for absolute paths.

Injecting it is what lets tests point the probe at fixture folders (a fake home, a fake
/etc, a recorded registry dump) while production reads the real ones.
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from probes.user_browser.os_windows import RegistryDump

DATA = Path(__file__).with_name("data")

# key path ("HKLM\\SOFTWARE\\Policies\\Google\\Chrome\\URLBlocklist") -> value name -> value


@cache
def browser_table() -> dict[str, dict[str, Any]]:
    """`data/browsers.toml`: per browser, its user-data dirs, executables and policy places."""
    with (DATA / "browsers.toml").open("rb") as handle:
        table: dict[str, dict[str, Any]] = tomllib.load(handle)["browser"]
    return table


def _live_registry(keys: list[str]) -> RegistryDump:
    from probes.user_browser.os_windows import read_registry  # winreg exists on Windows alone

    return read_registry(keys)


@dataclass(frozen=True)
class Workstation:
    """Where the user's browsers keep their data, and where policies are read from."""

    platform: str = sys.platform
    home: Path = field(default_factory=Path.home)
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    root: Path = Path("/")
    registry: Callable[[list[str]], RegistryDump] = _live_registry

    def expand(self, template: str) -> Path | None:
        """`~`, `%NAME%` filled in and absolute paths put under `root`; None if a variable is unset."""
        missing = False

        def variable(match: re.Match[str]) -> str:
            nonlocal missing
            value = self.environ.get(match.group(1))
            missing = missing or not value
            return value or ""

        text = re.sub(r"%([^%]+)%", variable, template)
        if missing:
            return None
        if text.startswith("~/"):
            return self.home / text[2:]
        if text.startswith("/") and self.root != Path("/"):
            return self.root / text.lstrip("/")
        return Path(text)

    def paths(self, browser: str, kind: str) -> list[Path]:
        """The expanded `kind` paths (user_data, executables, policy_dirs, policy_files) of `browser` here."""
        templates = browser_table()[browser].get(kind, {}).get(self.platform, [])
        return [p for t in templates if (p := self.expand(t)) is not None]
