"""Browser discovery on each OS's layout, built in a temporary folder, and versions read without launching."""

from __future__ import annotations

import os
import plistlib
import stat
from pathlib import Path

import pytest

from probes.web.discovery import BrowserUnavailable, find_browser, read_version, version_from_files


def _exe(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\necho 'Google Chrome 124.0.6367.91 '\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_playwright_browsers_come_first_newest_revision(tmp_path: Path) -> None:
    home = tmp_path / "home"
    cache = home / ".cache" / "ms-playwright"
    _exe(cache / "chromium-1100" / "chrome-linux" / "chrome")
    newest = _exe(cache / "chromium-1200" / "chrome-linux64" / "chrome")
    _exe(cache / "chromium_headless_shell-1300" / "chrome-headless-shell-linux64" / "chrome-headless-shell")
    found = find_browser(None, "linux", {}, home)
    assert (found.channel, found.path, found.source) == ("chromium", str(newest), "playwright")


def test_playwright_browsers_path_variable_replaces_the_default_folder(tmp_path: Path) -> None:
    chosen = _exe(tmp_path / "browsers" / "chromium-7" / "chrome-linux64" / "chrome")
    found = find_browser(None, "linux", {"PLAYWRIGHT_BROWSERS_PATH": str(tmp_path / "browsers")}, tmp_path / "home")
    assert found.path == str(chosen)


def test_windows_install_places_and_version_folder(tmp_path: Path) -> None:
    program_files = tmp_path / "Program Files (x86)"
    exe = _exe(program_files / "Microsoft" / "Edge" / "Application" / "msedge.exe")
    (exe.parent / "124.0.2478.51").mkdir()
    (exe.parent / "123.0.2420.97").mkdir()
    env = {"PROGRAMFILES(X86)": str(program_files)}  # PROGRAMFILES and LOCALAPPDATA unset: those places are skipped
    found = find_browser(None, "win32", env, tmp_path / "home")
    assert (found.channel, found.path) == ("msedge", str(exe))
    assert found.title == "Microsoft Edge"
    assert version_from_files(found.path, "win32") == "124.0.2478.51"


def test_macos_app_version_from_info_plist(tmp_path: Path) -> None:
    app = tmp_path / "Applications" / "Google Chrome.app"
    exe = _exe(app / "Contents" / "MacOS" / "Google Chrome")
    with (app / "Contents" / "Info.plist").open("wb") as handle:
        plistlib.dump({"CFBundleShortVersionString": "124.0.6367.91"}, handle)
    assert version_from_files(str(exe), "darwin") == "124.0.6367.91"


def test_channel_choice_and_given_path(tmp_path: Path) -> None:
    given = _exe(tmp_path / "opt" / "edge" / "msedge")
    found = find_browser(str(given), "linux", {}, tmp_path)
    assert (found.channel, found.source) == ("msedge", "given")
    with pytest.raises(BrowserUnavailable) as missing:
        find_browser("msedge", "win32", {}, tmp_path / "empty-home")
    assert "msedge" in str(missing.value) and "--browser" in missing.value.fix


def test_a_missing_path_says_so(tmp_path: Path) -> None:
    with pytest.raises(BrowserUnavailable, match="no such file"):
        find_browser(str(tmp_path / "chrome.exe"), "linux", {}, tmp_path)


def test_nothing_found_gives_the_fix(tmp_path: Path) -> None:
    with pytest.raises(BrowserUnavailable) as nothing:
        find_browser(None, "darwin", {}, tmp_path / "nobody")
    assert "no browser found" in str(nothing.value)
    assert nothing.value.fix.startswith("install Google Chrome or Microsoft Edge")


@pytest.mark.skipif(os.name != "posix", reason="runs a shell script as the browser")
async def test_version_from_the_browser_itself_on_linux(tmp_path: Path) -> None:
    assert await read_version(str(_exe(tmp_path / "chrome"))) == "124.0.6367.91"
