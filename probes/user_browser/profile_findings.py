"""Findings from the user's browsers and profiles: version, site settings, extensions.

Each finding names the browser and profile ("Chromium, profile 'Work'") and says in
`remediation` exactly which setting to change and where.
"""

from __future__ import annotations

import re

from probes.evidence import Finding
from probes.user_browser.evidence import BrowserInstall, ProfileInfo, SiteSettings
from probes.user_browser.extensions import MAY_INTERFERE_SCALE
from probes.user_browser.workstation import browser_table

THIRD_PARTY_SCALE = 0.6
_SCHEME = {"chrome": "chrome", "chromium": "chrome", "edge": "edge", "brave": "brave"}


def _settings_url(browser: str, page: str) -> str:
    """Where the setting lives: chrome://settings/content/<page>, edge://..., Firefox about:preferences."""
    if browser == "firefox":
        return "about:preferences#privacy"
    return f"{_SCHEME.get(browser, 'chrome')}://settings/{page}"


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", version)[:4])


def where(browser: BrowserInstall, profile: ProfileInfo) -> str:
    return f"{browser.title}, profile '{profile.display_name}'"


def version_findings(browser: BrowserInstall, minimums: dict[str, str]) -> list[Finding]:
    """`browser.unsupported` when the version that last ran is below the portal's minimum."""
    minimum = minimums.get(str(browser_table()[browser.key]["supported_key"]))
    if minimum is None or browser.version is None or _key(browser.version) >= _key(minimum):
        return []
    return [Finding(
        id="browser.unsupported", severity="critical",
        summary=f"{browser.title} {browser.version} is older than the portal supports (minimum {minimum})",
        evidence=[f"{browser.title} version {browser.version} ({browser.version_source})"],
        data={"browser": browser.key, "version": browser.version, "minimum": minimum},
        remediation=[f"Update {browser.title} to version {minimum} or later "
                     f"({_settings_url(browser.key, 'help')} shows the version and updates it)"],
    )]


def _exception_fix(browser: BrowserInstall, profile: ProfileInfo, site: SiteSettings, kind: str, page: str) -> str:
    source = site.sources.get(kind, "default")
    if source.startswith("exception ") or source.startswith("permissions.sqlite "):
        what = f"remove the block for {source.split(' ', 1)[1]}"
    elif browser.key == "firefox" and kind == "javascript":
        return f"In {where(browser, profile)}: open about:config and set javascript.enabled to true"
    else:
        what = f"allow it for {site.host} (add it under 'Allowed to use')"
    return f"In {where(browser, profile)}: open {_settings_url(browser.key, page)} and {what}"


def site_findings(browser: BrowserInstall, profile: ProfileInfo, cross_site: list[str]) -> list[Finding]:
    """Cookies, JavaScript and pop-up settings that stop the portal or its sign-in in this profile."""
    found: list[Finding] = []
    label = where(browser, profile)
    for site in profile.site_settings:
        base = {"browser": browser.key, "profile": profile.dir_name, "host": site.host}
        if site.javascript == "block":
            found.append(Finding(
                id="browser.javascript_disabled", severity="critical",
                summary=f"{label} has JavaScript off for {site.host}",
                evidence=[f"javascript: block ({site.sources.get('javascript')})"],
                data=base, remediation=[_exception_fix(browser, profile, site, "javascript", "content/javascript")],
            ))
        if site.cookies == "block":
            found.append(Finding(
                id="browser.cookies_blocked", severity="critical",
                summary=f"{label} blocks cookies for {site.host}",
                evidence=[f"cookies: block ({site.sources.get('cookies')})"],
                data=base, remediation=[_exception_fix(browser, profile, site, "cookies", "content/siteData")],
            ))
        popup_source = site.sources.get("popups", "")
        if site.popups == "block" and not popup_source.endswith("default"):
            found.append(Finding(
                id="browser.popups_blocked", severity="warning",
                summary=f"{label} blocks pop-ups for {site.host} ({popup_source})",
                evidence=[f"popups: block ({popup_source})"],
                data=base, remediation=[_exception_fix(browser, profile, site, "popups", "content/popups")],
            ))
    if profile.third_party_cookies_blocked and cross_site:
        page = "cookies" if browser.key != "firefox" else ""
        found.append(Finding(
            id="browser.cookies_blocked", severity="warning",
            summary=f"{label} blocks third-party cookies, and the sign-in crosses sites ({', '.join(cross_site)})",
            evidence=["third-party cookies: blocked"],
            data={"browser": browser.key, "profile": profile.dir_name, "hosts": cross_site},
            confidence_scale=THIRD_PARTY_SCALE,
            remediation=[f"In {label}: open {_settings_url(browser.key, page).rstrip('/')} and allow "
                         f"third-party cookies for {', '.join(cross_site)} (sites allowed to use them)"],
        ))
    return found


def extension_findings(browser: BrowserInstall, profile: ProfileInfo) -> list[Finding]:
    """One finding per profile naming every enabled extension that may interfere."""
    flagged = [e for e in profile.extensions if e.flagged]
    if not flagged:
        return []
    names = ", ".join(f"{e.name} ({e.id})" for e in flagged)
    page = "about:addons" if browser.key == "firefox" else f"{_SCHEME.get(browser.key, 'chrome')}://extensions"
    return [Finding(
        id="browser.extension_interference", severity="warning",
        summary=f"{where(browser, profile)} has extensions that can block or rewrite the login: {names}",
        evidence=[f"{e.name} {e.version or ''}: {e.flagged}".replace("  ", " ") for e in flagged],
        data={"browser": browser.key, "profile": profile.dir_name, "extensions": [e.id for e in flagged]},
        confidence_scale=1.0 if any(e.known for e in flagged) else MAY_INTERFERE_SCALE,
        remediation=[f"In {where(browser, profile)}: open {page} and turn off {e.name}, "
                     f"or allow the portal in its settings, then reload the login page" for e in flagged],
    )]
