"""Which browser to drive, found where browsers install themselves, and its exact version.

Support asks "which browser, which version?" first. Playwright's own Chromium comes
first (built for automation), then the workstation's Chrome, Chromium and Edge, in the
places their installers use (`data/browsers.toml`); `--browser` names one of those
channels or an executable. The version is read without starting the browser where the
OS keeps it beside the executable (a Windows install's version-named folder, a macOS
app's Info.plist); elsewhere the browser is asked with `--version`.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

_DATA = Path(__file__).with_name("data") / "browsers.toml"
_VERSION = re.compile(r"\d+(?:\.\d+){1,3}")
_REVISION = re.compile(r"-(\d+)$")
CHANNELS = ("chromium", "chrome", "msedge")
FIX = "install Google Chrome or Microsoft Edge, or pass --browser PATH (a Chromium-family browser's executable)"


class BrowserUnavailable(Exception):
    """No usable browser (none found, or it would not start); the message says why, `fix` what to do."""

    def __init__(self, message: str, fix: str = FIX, info: BrowserInfo | None = None) -> None:
        super().__init__(message)
        self.fix = fix
        self.info = info


@dataclass(frozen=True)
class BrowserInfo:
    """A browser executable: its channel (chromium, chrome, msedge), where it is, where it was found."""

    channel: str
    path: str
    source: str  # "playwright" | "system" | "given"
    version: str | None = None

    @property
    def title(self) -> str:
        return str(_table()["browser"].get(self.channel, {}).get("title", self.channel))

    def with_version(self, version: str | None) -> BrowserInfo:
        return replace(self, version=version or self.version)

    def support(self) -> dict[str, str]:
        """What the report's support section shows: name, exact version, executable."""
        found = {"name": self.title, "version": self.version or "unknown", "path": self.path}
        return found | {"channel": self.channel, "source": self.source}


@cache
def _table() -> dict[str, Any]:
    return tomllib.loads(_DATA.read_text(encoding="utf-8"))


def _expand(template: str, environ: Mapping[str, str], home: Path) -> Path | None:
    """`%NAME%` and `~` filled in; None when a variable the path needs is not set."""
    missing = False

    def variable(match: re.Match[str]) -> str:
        nonlocal missing
        value = environ.get(match.group(1))
        missing = missing or not value
        return value or ""

    text = re.sub(r"%([^%]+)%", variable, template)
    if missing:
        return None
    return home / text[2:] if text.startswith("~/") else Path(text)


def _playwright_browsers(platform: str, environ: Mapping[str, str], home: Path) -> list[Path]:
    """Playwright's installed Chromium builds, the newest revision of each kind first."""
    table = _table()["playwright"]
    override = environ.get("PLAYWRIGHT_BROWSERS_PATH")
    if override and override != "0":
        roots = [Path(override)]
    else:
        roots = [p for t in table["dirs"].get(platform, []) if (p := _expand(t, environ, home)) is not None]
    found: list[Path] = []
    for root in roots:
        if not root.is_dir():
            continue
        for prefix in table["prefixes"]:
            revisions = [d for d in root.glob(f"{prefix}-*") if _REVISION.search(d.name) and d.is_dir()]
            revisions.sort(key=lambda d: int(_REVISION.search(d.name).group(1)), reverse=True)  # type: ignore[union-attr]
            for folder in revisions:
                found += [folder / exe for exe in table["executables"].get(platform, []) if (folder / exe).is_file()]
    return found


def _system_browsers(channel: str, platform: str, environ: Mapping[str, str], home: Path) -> list[Path]:
    templates = _table()["browser"][channel].get(platform, [])
    return [p for t in templates if (p := _expand(t, environ, home)) is not None and p.is_file()]


def _channel_of(path: Path) -> str:
    name = path.name.lower()
    if "edge" in name:
        return "msedge"
    if "chrome" in name and "chromium" not in str(path).lower() and "testing" not in name:
        return "chrome"
    return "chromium"


def find_browser(
    choice: str | None = None,
    platform: str = sys.platform,
    environ: Mapping[str, str] | None = None,
    home: Path | None = None,
) -> BrowserInfo:
    """The browser to drive: `choice` (a channel or a path) or the first one found; BrowserUnavailable otherwise."""
    env = os.environ if environ is None else environ
    home = home or Path.home()
    if choice and choice.lower() not in CHANNELS:
        path = Path(choice).expanduser()
        if path.is_file():
            return BrowserInfo(_channel_of(path), str(path), "given")
        raise BrowserUnavailable(
            f"--browser {choice}: no such file, and not one of {', '.join(CHANNELS)}",
            "give the full path of a Chrome, Chromium or Edge executable, or one of " + ", ".join(CHANNELS),
        )
    channels = [choice.lower()] if choice else list(CHANNELS)
    own = _playwright_browsers(platform, env, home) if "chromium" in channels else []
    if own:
        return BrowserInfo("chromium", str(own[0]), "playwright")
    order = [c for c in ("chrome", "chromium", "msedge") if c in channels]
    for channel in order:
        installed = _system_browsers(channel, platform, env, home)
        if installed:
            return BrowserInfo(channel, str(installed[0]), "system")
    what = "no browser" if choice is None else f"the {choice} browser was not"
    where = ("Playwright's browser folder and " if "chromium" in channels else "") + "the usual install places"
    raise BrowserUnavailable(f"{what} found (looked in {where} of {', '.join(order)} on {platform})")


def version_from_files(path: str, platform: str = sys.platform) -> str | None:
    """The version the install states beside the executable, without starting it; None where it does not."""
    exe = Path(path)
    if platform == "win32":
        names = [p.name for p in exe.parent.iterdir()] if exe.parent.is_dir() else []
        versions = [m.group(0) for n in names if (m := _VERSION.fullmatch(n.removesuffix(".manifest")))]
        return max(versions, key=lambda v: tuple(int(x) for x in v.split(".")), default=None)
    if platform == "darwin":
        import plistlib  # macOS only

        plist = exe.parent.parent / "Info.plist"
        try:
            with plist.open("rb") as handle:
                value = plistlib.load(handle).get("CFBundleShortVersionString")
        except (OSError, plistlib.InvalidFileException):
            return None
        return str(value) if value else None
    return None


async def read_version(path: str, timeout: float = 5.0) -> str | None:
    """The browser's version: from its install's files, else from `PATH --version`; None if neither says."""
    found = version_from_files(path)
    if found or sys.platform == "win32":
        return found
    try:
        process = await asyncio.create_subprocess_exec(
            path, "--version", stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL
        )
    except OSError:
        return None
    try:
        out, _ = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        out = b""
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    match = _VERSION.search(out.decode(errors="replace"))
    return match.group(0) if match else None
