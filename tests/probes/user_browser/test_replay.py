"""`--user-profile`: the login page in a copy of a profile the real Chromium made, against a clean one.

The differential case: a loopback portal whose `login.js` a test extension (MV3
declarativeNetRequest) blocks, the extension loaded into the fixture profile by Chromium
itself. The page works in a clean profile and fails in the copy, and the extension is
named. The user's profile is never written, the copy is deleted, and the stores that
must not leave the profile are never copied.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
from pathlib import Path

import pytest

from probes.base import ProbeContext, ProbeResult, RunConfig
from probes.net.proxy_settings import ProxySettings
from probes.target import Target
from probes.user_browser.evidence import UserBrowserEvidence
from probes.user_browser.extensions import Catalog
from probes.user_browser.probe import UserBrowserProbe
from probes.user_browser.replay import copy_profile
from probes.user_browser.workstation import Workstation
from tests.probes.user_browser.chromium_fixture import CHROMIUM, blocking_extension, visit

needs_chromium = pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs /usr/bin/chromium")


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where the temporary copies go, to check they are gone afterwards."""
    folder = tmp_path / "scratch"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


async def _probe(home: Path, url: str, wanted: str = "") -> ProbeResult:
    view = Workstation(platform="linux", home=home, environ={}, root=home.parent / "root")
    config = RunConfig(user_profile=wanted, browser=CHROMIUM, timeout=60)
    ctx = ProbeContext(Target.parse(url), config, proxy=ProxySettings())
    return await UserBrowserProbe(view, Catalog()).run(ctx)


def _evidence(result: ProbeResult) -> UserBrowserEvidence:
    assert isinstance(result.evidence, UserBrowserEvidence)
    return result.evidence


@needs_chromium
async def test_works_in_a_clean_browser_fails_in_the_profile_with_the_extension_named(
        home: Path, url: str, tmp_path: Path, scratch: Path) -> None:
    user_data = home / ".config" / "chromium"
    folder = blocking_extension(tmp_path / "blocker")
    assert (await visit(user_data, url, extension=folder))["login"] == "login.js did not run"
    assert (await visit(tmp_path / "clean", url))["login"] == "login.js ran"
    before = _digest(home)
    result = await _probe(home, url, "chromium:Default")
    replay = _evidence(result).replay
    assert replay is not None, _evidence(result).replay_error
    assert replay.clean.loaded and not [f for f in replay.clean.failed_requests if "login.js" in f]
    assert any(f.endswith("/login.js: net::ERR_BLOCKED_BY_CLIENT") for f in replay.user.failed_requests), replay
    (finding,) = [f for f in result.findings if f.summary.startswith("The page works in a clean browser")]
    assert (finding.id, finding.severity) == ("browser.extension_interference", "critical")
    assert "extension 'Test Script Blocker' blocks login.js" in finding.summary
    assert f"Chromium, profile '{replay.profile}'" in finding.summary
    assert _digest(home) == before  # the user's profile was only read
    assert list(scratch.iterdir()) == []  # both temporary profiles are gone


@needs_chromium
async def test_a_clean_profile_gives_no_replay_finding(home: Path, url: str, scratch: Path) -> None:
    result = await _probe(home, url)
    replay = _evidence(result).replay
    assert replay is not None and replay.clean.loaded and replay.user.loaded
    assert replay.only_in_profile == [] and result.findings == []
    assert list(scratch.iterdir()) == []


@needs_chromium
async def test_an_unknown_profile_is_could_not_check_not_a_fault(home: Path, url: str) -> None:
    result = await _probe(home, url, "chromium:Nobody")
    evidence = _evidence(result)
    assert evidence.replay is None and evidence.replay_error is not None and "Nobody" in evidence.replay_error
    assert result.findings == [] and result.status == "pass"


@needs_chromium
async def test_cancelled_run_deletes_the_copy(home: Path, url: str, scratch: Path) -> None:
    task = asyncio.create_task(_probe(home, url))
    for _ in range(200):  # until the copy exists
        if any(scratch.iterdir()):
            break
        await asyncio.sleep(0.05)
    assert any(scratch.iterdir())
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert list(scratch.iterdir()) == []


def test_the_copy_never_holds_passwords_history_or_forms(tmp_path: Path) -> None:
    user_data = tmp_path / "user"
    profile = user_data / "Work"
    (profile / "Network").mkdir(parents=True)
    (user_data / "Local State").write_text("{}")
    for name in ("Preferences", "Login Data", "Login Data-journal", "History", "Web Data", "Cookies",
                 "Network/Cookies", "Network/Cookies-journal"):
        (profile / name).write_text(name)
    copied, left_out = copy_profile(user_data, "Work", tmp_path / "plain", with_cookies=False)
    assert copied == ["Local State", "Work"]
    assert sorted(p.name for p in (tmp_path / "plain" / "Work").rglob("*") if p.is_file()) == ["Preferences"]
    assert "Work/Login Data" in left_out and "Work/Network/Cookies" in left_out
    copy_profile(user_data, "Work", tmp_path / "cookies", with_cookies=True)
    kept = sorted(str(p.relative_to(tmp_path / "cookies" / "Work")) for p in (tmp_path / "cookies").rglob("*")
                  if p.is_file() and p.parent.name != "cookies")
    assert kept == ["Cookies", "Network/Cookies", "Network/Cookies-journal", "Preferences"]
