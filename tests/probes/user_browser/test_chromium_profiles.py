"""The probe against profiles the real Chromium made, with each setting first proven in that Chromium.

Every edit is written the way Chromium stores it in `Preferences`, then the same
Chromium loads a loopback portal with the profile to show the setting takes effect,
and only then is the probe asked what it sees.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from probes.base import ProbeContext, ProbeResult, RunConfig
from probes.net.proxy_settings import ProxySettings
from probes.profile import Profile
from probes.target import Target
from probes.user_browser.evidence import UserBrowserEvidence
from probes.user_browser.extensions import Catalog, KnownExtension
from probes.user_browser.probe import UserBrowserProbe
from probes.user_browser.workstation import Workstation
from tests.probes.user_browser.chromium_fixture import (
    blocking_extension,
    edit_preferences,
    extension_id,
    visit,
)

pytestmark = pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="needs /usr/bin/chromium")


def _user_data(home: Path) -> Path:
    return home / ".config" / "chromium"


def _pattern(url: str) -> str:
    return url.rsplit("/", 1)[0] + ",*"


async def _probe(home: Path, url: str, profile: Profile | None = None, catalog: Catalog | None = None) -> ProbeResult:
    view = Workstation(platform="linux", home=home, environ={}, root=home.parent / "root")
    ctx = ProbeContext(Target.parse(url), RunConfig(profile=profile), proxy=ProxySettings())
    return await UserBrowserProbe(view, catalog or Catalog()).run(ctx)


def _evidence(result: ProbeResult) -> UserBrowserEvidence:
    assert isinstance(result.evidence, UserBrowserEvidence)
    return result.evidence


def _tree_digest(folder: Path) -> dict[str, tuple[int, str]]:
    return {str(p.relative_to(folder)): (p.stat().st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
            for p in sorted(folder.rglob("*")) if p.is_file()}


async def test_a_clean_profile_passes_and_is_never_written(home: Path, url: str) -> None:
    seen = await visit(_user_data(home), url)
    assert seen["js"] == "on" and seen["cookie"] == "sid=1" and seen["popup"] == "blocked"  # default pop-up block
    before = _tree_digest(home)
    result = await _probe(home, url)
    assert _tree_digest(home) == before
    ev = _evidence(result)
    assert result.status == "pass", result.summary
    (browser,) = ev.browsers
    assert browser.key == "chromium" and browser.version and browser.version_source == "Last Version"
    assert ev.support_browsers == [f"Chromium {browser.version}"]
    (profile,) = browser.profiles
    assert profile.dir_name == "Default" and profile.unreadable is None
    (site,) = profile.site_settings
    assert (site.javascript, site.cookies, site.popups) == ("allow", "allow", "block")
    assert profile.popups_blocked_by_default is True


async def test_javascript_blocked_for_the_portal(home: Path, url: str) -> None:
    pattern = _pattern(url)
    edit_preferences(_user_data(home), {"profile": {"content_settings": {"exceptions": {
        "javascript": {pattern: {"setting": 2}}}}}})
    assert (await visit(_user_data(home), url))["js"] == "off"
    result = await _probe(home, url)
    assert result.status == "fail"
    (finding,) = result.findings
    assert (finding.id, finding.severity) == ("browser.javascript_disabled", "critical")
    assert "Chromium, profile " in finding.summary and "127.0.0.1" in finding.summary
    fix = finding.remediation[0]
    assert "chrome://settings/content/javascript" in fix and pattern.split(",")[0] in fix


async def test_javascript_off_by_default(home: Path, url: str) -> None:
    edit_preferences(_user_data(home), {"profile": {"default_content_setting_values": {"javascript": 2}}})
    assert (await visit(_user_data(home), url))["js"] == "off"
    (finding,) = (await _probe(home, url)).findings
    assert finding.id == "browser.javascript_disabled" and finding.evidence == ["javascript: block (default)"]


async def test_cookies_blocked_for_the_portal(home: Path, url: str) -> None:
    edit_preferences(_user_data(home), {"profile": {"content_settings": {"exceptions": {
        "cookies": {_pattern(url): {"setting": 2}}}}}})
    seen = await visit(_user_data(home), url)
    assert seen["js"] == "on" and seen["cookie"] == "none"
    (finding,) = (await _probe(home, url)).findings
    assert (finding.id, finding.severity) == ("browser.cookies_blocked", "critical")
    assert "chrome://settings/content/siteData" in finding.remediation[0]


async def test_popups_blocked_by_an_exception_not_by_the_default(home: Path, url: str) -> None:
    user_data = _user_data(home)
    edit_preferences(user_data, {"profile": {"default_content_setting_values": {"popups": 1}}})
    assert (await visit(user_data, url))["popup"] == "opened"
    assert (await _probe(home, url)).findings == []
    edit_preferences(user_data, {"profile": {"content_settings": {"exceptions": {
        "popups": {_pattern(url): {"setting": 2}}}}}})
    assert (await visit(user_data, url))["popup"] == "blocked"
    result = await _probe(home, url)
    assert result.status == "warn"
    (finding,) = result.findings
    assert (finding.id, finding.severity) == ("browser.popups_blocked", "warning")


async def test_too_old_and_third_party_cookies_for_a_cross_site_sign_in(home: Path, url: str) -> None:
    edit_preferences(_user_data(home), {"profile": {"cookie_controls_mode": 1}})
    profile = Profile(name="p", title="P", login_url=url, idp_hosts=["login.idp-example.net"],
                      supported_browsers={"chromium": "999"})
    result = await _probe(home, url, profile)
    found = {f.id: f for f in result.findings}
    old = found["browser.unsupported"]
    assert old.severity == "critical" and old.data["minimum"] == "999"
    assert old.data["version"] == _evidence(result).browsers[0].version
    third = found["browser.cookies_blocked"]
    assert third.severity == "warning" and third.confidence_scale == 0.6
    assert third.data["hosts"] == ["login.idp-example.net"]


async def test_an_interfering_extension_is_named(home: Path, url: str, tmp_path: Path) -> None:
    folder = blocking_extension(tmp_path / "blocker")
    user_data = _user_data(home)
    assert (await visit(user_data, url, extension=folder))["login"] == "login.js did not run"
    ext_id = extension_id(folder)
    prefs = json.loads((user_data / "Default" / "Preferences").read_text())
    secure = json.loads((user_data / "Default" / "Secure Preferences").read_text())
    stored = prefs.get("extensions", {}).get("settings", {}) | secure.get("extensions", {}).get("settings", {})
    assert ext_id in stored  # Chromium recorded it where the probe reads extensions
    unknown = await _probe(home, url)
    assert [e.id for e in _evidence(unknown).browsers[0].profiles[0].extensions] == [ext_id]
    assert unknown.findings == []  # no host access, not on the list: not flagged
    catalog = Catalog().plus(chrome={ext_id: KnownExtension("Test Script Blocker", "blocks login.js", "test")})
    result = await _probe(home, url, catalog=catalog)
    (finding,) = result.findings
    assert (finding.id, finding.severity) == ("browser.extension_interference", "warning")
    assert "Test Script Blocker" in finding.summary and finding.confidence_scale == 1.0
    (ext,) = _evidence(result).browsers[0].profiles[0].extensions
    assert (ext.name, ext.version, ext.known) == ("Test Script Blocker", "1.2.3", True)


async def test_a_profile_that_cannot_be_read_is_could_not_check(home: Path, url: str) -> None:
    local_state = _user_data(home) / "Local State"
    state = json.loads(local_state.read_text())
    state["profile"]["info_cache"]["Profile 3"] = {"name": "Work"}
    local_state.write_text(json.dumps(state))
    result = await _probe(home, url)
    assert result.status == "pass"
    work = [p for p in _evidence(result).browsers[0].profiles if p.display_name == "Work"][0]
    assert work.unreadable is not None and work.unreadable.startswith("could not check")


async def test_no_profiles_skips(tmp_path: Path, url: str) -> None:
    result = await _probe(tmp_path / "empty-home", url)
    assert result.status == "skip" and result.reason
