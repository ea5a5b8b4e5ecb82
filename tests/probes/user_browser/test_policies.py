"""Enterprise policies from recorded sources: a regedit export, a macOS managed plist, Linux JSON.

The `.reg` dump goes through the same dump -> policies code the live `winreg` reader
feeds; the plist and JSON files sit where the OS keeps them under a fixture root.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from probes.base import ProbeContext, RunConfig
from probes.evidence import Finding
from probes.net.proxy_settings import ProxySettings
from probes.profile import Profile
from probes.target import Target
from probes.user_browser import policies, policy_findings
from probes.user_browser.evidence import PolicySet, UserBrowserEvidence
from probes.user_browser.extensions import Catalog
from probes.user_browser.os_windows import load_reg_file, policies_from_registry
from probes.user_browser.probe import UserBrowserProbe
from probes.user_browser.site_patterns import Site
from probes.user_browser.workstation import RegistryDump, Workstation

DATA = Path(__file__).parents[2] / "data" / "user_browser"
URL = "https://portal.example.com/login"
SITES = [Site.of("https", "portal.example.com"), Site.of("https", "login.idp-example.net")]
CROSS = ["login.idp-example.net"]


def _dump(site_list: Path | None = None) -> RegistryDump:
    dump = load_reg_file((DATA / "policies.reg").read_bytes())
    edge = dump["HKLM\\SOFTWARE\\Policies\\Microsoft\\Edge"]
    edge["InternetExplorerIntegrationSiteList"] = str(site_list) if site_list else "https://it.corp.example/sites.xml"
    return dump


def _by_summary(findings: list[Finding]) -> dict[str, Finding]:
    return {f.summary: f for f in findings}


def test_the_regedit_export_parses_to_nested_policies() -> None:
    chrome = policies_from_registry(_dump(), "SOFTWARE\\Policies\\Google\\Chrome")
    machine = chrome["HKLM\\SOFTWARE\\Policies\\Google\\Chrome"]
    assert machine["URLBlocklist"] == ["javascript://*", "portal.example.com/login"]
    assert machine["DefaultPopupsSetting"] == 2 and machine["ProxyServer"] == "proxy.corp.example:8080"
    assert chrome["HKCU\\SOFTWARE\\Policies\\Google\\Chrome"]["DefaultJavaScriptSetting"] == 2
    firefox = policies_from_registry(_dump(), "SOFTWARE\\Policies\\Mozilla\\Firefox")
    assert firefox["HKLM\\SOFTWARE\\Policies\\Mozilla\\Firefox"]["WebsiteFilter"] == {
        "Block": ["https://portal.example.com/*"]}


def test_windows_registry_policies_through_the_collector() -> None:
    view = Workstation(platform="win32", environ={}, registry=lambda keys: _dump())
    chrome, errors = policies.collect(view, "chrome")
    assert errors == []
    machine, user = chrome
    assert "PasswordManagerEnabled" not in machine.values  # only what matters to a login is kept
    found = [f for p in chrome for f in policy_findings.chromium(p, URL, SITES, CROSS)]
    summaries = " | ".join(f.summary for f in found)
    assert "URLBlocklist blocks https://portal.example.com/login (portal.example.com/login)" in summaries
    proxy = [f for f in found if "forces the proxy" in f.summary][0]
    assert proxy.severity == "warning" and proxy.data["proxy"] == "proxy.corp.example:8080"
    js = [f for f in found if "DefaultJavaScriptSetting" in f.summary]
    assert len(js) == 2 and all(f.severity == "critical" for f in js)
    assert all(f.id == "browser.policy_blocked" for f in found)
    assert "HKCU\\SOFTWARE\\Policies\\Google\\Chrome" in js[0].remediation[0]
    (ff,) = policies.collect(view, "firefox")[0]
    ff_found = _by_summary(policy_findings.firefox(ff, URL, SITES, CROSS))
    assert set(ff_found) == {
        "Mozilla Firefox policy: WebsiteFilter blocks https://portal.example.com/login (https://portal.example.com/*)",
        "Mozilla Firefox policy: forces the proxy http://wpad.corp.example/proxy.pac (autoConfig)",
    }


def test_edge_ie_mode_site_list() -> None:
    listed = Workstation(platform="win32", environ={}, registry=lambda keys: _dump(DATA / "ie-sitelist.xml"))
    (edge,) = policies.collect(listed, "edge")[0]
    (finding,) = policy_findings.chromium(edge, URL, SITES, CROSS)
    assert finding.severity == "critical" and "portal.example.com" in finding.summary
    remote = Workstation(platform="win32", environ={}, registry=lambda keys: _dump())
    (edge,) = policies.collect(remote, "edge")[0]
    (finding,) = policy_findings.chromium(edge, URL, SITES, CROSS)
    assert finding.severity == "warning" and finding.confidence_scale == 0.5


def test_macos_managed_preferences(tmp_path: Path) -> None:
    managed = tmp_path / "Library" / "Managed Preferences" / "alice"
    managed.mkdir(parents=True)
    shutil.copy(DATA / "com.google.Chrome.plist", managed / "com.google.Chrome.plist")
    view = Workstation(platform="darwin", environ={"USER": "alice"}, root=tmp_path)
    (chrome,) = policies.collect(view, "chrome")[0]
    assert set(chrome.values) == {"CookiesBlockedForUrls", "ProxySettings"}
    found = policy_findings.chromium(chrome, URL, SITES, CROSS)
    assert [(f.severity, "pac.corp.example" in f.summary or "login.idp-example.net" in f.summary) for f in found] == [
        ("warning", True), ("critical", True)]


def test_linux_managed_json_and_firefox_policies_json(tmp_path: Path) -> None:
    chrome_dir = tmp_path / "etc" / "opt" / "chrome" / "policies" / "managed"
    chrome_dir.mkdir(parents=True)
    shutil.copy(DATA / "linux-chrome-policy.json", chrome_dir / "corp.json")
    (chrome_dir / "broken.json").write_text("{not json")
    firefox_dir = tmp_path / "etc" / "firefox" / "policies"
    firefox_dir.mkdir(parents=True)
    shutil.copy(DATA / "firefox-policies.json", firefox_dir / "policies.json")
    view = Workstation(platform="linux", environ={}, root=tmp_path)
    chrome_sets, errors = policies.collect(view, "chrome")
    assert len(errors) == 1 and "broken.json" in errors[0]
    found = _by_summary(policy_findings.chromium(chrome_sets[0], URL, SITES, CROSS))
    assert "Google Chrome policy: URLBlocklist blocks https://portal.example.com/login (*)" in found
    # ".idp-example.net" allows that exact host only, so the IdP's login host stays blocked
    assert "Google Chrome policy: URLBlocklist blocks https://login.idp-example.net:443/ (*)" in found
    third = [f for f in found.values() if "BlockThirdPartyCookies" in f.summary][0]
    assert third.severity == "warning"
    (ff,) = policies.collect(view, "firefox")[0]
    severities = sorted(f.severity for f in policy_findings.firefox(ff, URL, SITES, CROSS))
    assert severities == ["critical", "critical"]  # cookies blocked for the IdP, JavaScript locked off


async def test_the_probe_reports_policies_even_without_a_profile() -> None:
    view = Workstation(platform="win32", environ={}, registry=lambda keys: _dump())
    profile = Profile(name="p", title="P", login_url=URL, idp_hosts=["login.idp-example.net"])
    ctx = ProbeContext(Target.parse(URL), RunConfig(profile=profile), proxy=ProxySettings())
    result = await UserBrowserProbe(view, Catalog()).run(ctx)
    assert result.status == "fail"
    assert isinstance(result.evidence, UserBrowserEvidence)
    assert {p.browser for p in result.evidence.policies} == {"chrome", "edge", "firefox"}
    assert {f.id for f in result.findings} == {"browser.policy_blocked"}


@pytest.mark.parametrize(
    ("values", "blocked"),
    [
        ({"URLBlocklist": ["example.com"]}, True),
        ({"URLBlocklist": [".example.com"]}, False),  # leading dot: that host only, not portal.example.com
        ({"URLBlocklist": ["https://portal.example.com:8443"]}, False),
        ({"URLBlocklist": ["*"], "URLAllowlist": ["portal.example.com"]}, False),
        ({"URLBlocklist": ["portal.example.com"], "URLAllowlist": ["example.com"]}, True),  # more specific wins
        ({"URLBlocklist": ["portal.example.com"], "URLAllowlist": ["portal.example.com"]}, False),  # tie: allow
        ({"URLBlocklist": ["http://portal.example.com"]}, False),
    ],
)
def test_url_filter_forms(values: dict[str, list[str]], blocked: bool) -> None:
    found = policy_findings.chromium(PolicySet(browser="chrome", source="t", values=values), URL, SITES[:1], [])
    assert bool(found) is blocked
