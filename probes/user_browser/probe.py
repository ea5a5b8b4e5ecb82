"""The `user_browser` probe: the user's own browsers and profiles, as they affect this portal.

The headless browser probe shows whether the portal works in a clean browser; this one
shows what is different in the user's: an old version, a site setting, an extension or
a policy. It only reads (locked files from a temporary copy) and never copies cookies,
passwords or history anywhere. A profile it cannot read is recorded as "could not
check", never as a fault.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from probes.base import ProbeContext, ProbeResult
from probes.evidence import Finding, Stopwatch, status_from
from probes.user_browser import policies, policy_findings, profile_findings, replay
from probes.user_browser.discovery import find_installs
from probes.user_browser.evidence import BrowserInstall, PolicySet, UserBrowserEvidence
from probes.user_browser.extensions import Catalog
from probes.user_browser.site_patterns import Site
from probes.user_browser.sites import crosses_sites, idp_site
from probes.user_browser.workstation import Workstation, browser_table
from probes.web.discovery import find_browser, read_version

REPLAY_SECONDS = 30.0  # at most, for both loads of --user-profile (within the probe's budget)


def _collect(view: Workstation, sites: list[Site], catalog: Catalog) -> tuple[
        list[BrowserInstall], list[PolicySet], list[str]]:
    installs = find_installs(view, sites, catalog)
    found: list[PolicySet] = []
    errors: list[str] = []
    for key in browser_table():
        sets, failed = policies.collect(view, key)
        found += sets
        errors += failed
    return installs, found, errors


class UserBrowserProbe:
    """Read the user's installed browsers, profiles and policies for what stops this portal's login."""

    name: ClassVar[str] = "user_browser"
    depends_on: ClassVar[tuple[str, ...]] = ()
    budget: ClassVar[float] = 0.3  # of --timeout

    def __init__(self, view: Workstation | None = None, catalog: Catalog | None = None) -> None:
        self.view = view or Workstation()
        self.catalog = catalog or Catalog.load()

    async def run(self, ctx: ProbeContext) -> ProbeResult:
        watch = Stopwatch()
        target = ctx.target
        profile = ctx.config.profile
        portal = Site.of(target.scheme, target.host, target.port)
        sites = [portal] + [idp_site(h) for h in (profile.idp_hosts if profile else [])]
        cross = [s.host for s in crosses_sites(portal, sites[1:])]
        evidence = UserBrowserEvidence(hosts=[s.host for s in sites])
        try:
            installs, found, errors = await asyncio.to_thread(_collect, self.view, sites, self.catalog)
            evidence.browsers, evidence.policies, evidence.policy_errors = installs, found, errors
            if not any(b.profiles for b in installs) and not found:
                evidence.support_browsers = [b.label() for b in installs]
                reason = "no browser profile or policy found (looked for Chrome, Edge, Chromium, Brave, Firefox)"
                return ProbeResult(name=self.name, status="skip", reason=reason, summary=reason,
                                   duration_ms=watch.ms(), evidence=evidence)
            # only now, with something of the user's to judge: asking an executable starts a whole browser
            for install in installs:
                if install.version is None and install.executable and self.view.platform == "linux":
                    install.version = await read_version(install.executable, max(0.1, ctx.time_left(5.0)))
                    install.version_source = f"{install.executable} --version" if install.version else None
        except Exception as exc:  # a probe reports, it never raises
            reason = f"could not check: {type(exc).__name__}: {exc}"
            return ProbeResult(name=self.name, status="error", reason=reason, summary=reason,
                               duration_ms=watch.ms(), evidence=evidence)
        evidence.support_browsers = [b.label() for b in installs]
        minimums: dict[str, str] = {str(k): v for k, v in profile.supported_browsers.items()} if profile else {}
        findings: list[Finding] = []
        for install in installs:
            findings += profile_findings.version_findings(install, minimums)
            for user_profile in install.profiles:
                findings += profile_findings.site_findings(install, user_profile, cross)
                findings += profile_findings.extension_findings(install, user_profile)
        for policy in found:
            family = browser_table()[policy.browser]["family"]
            rules = policy_findings.firefox if family == "firefox" else policy_findings.chromium
            findings += rules(policy, target.url, sites, cross)
        if ctx.config.user_profile is not None:
            findings += await _replay(ctx, installs, evidence)
        return ProbeResult(name=self.name, status=status_from(findings), summary=_summary(installs, findings),
                           duration_ms=watch.ms(), evidence=evidence, findings=findings)


async def _replay(ctx: ProbeContext, installs: list[BrowserInstall], evidence: UserBrowserEvidence) -> list[Finding]:
    """--user-profile: the page in a temporary copy of the user's profile against a clean one."""
    wanted = ctx.config.user_profile or ""
    try:
        install, info = replay.choose(installs, wanted)
        executable = install.executable if install.executable and Path(install.executable).is_file() \
            else find_browser(ctx.config.browser).path
        evidence.replay, findings = await replay.replay(
            install, info, executable, ctx.target.url, ctx.config.user_profile_with_cookies,
            ctx.time_left(REPLAY_SECONDS, keep=1.0))
    except Exception as exc:  # noqa: BLE001 - a profile that cannot be loaded is "could not check", never a fault
        task = asyncio.current_task()
        if task is not None and task.cancelling():  # the driver turned the cancellation into its own error
            raise asyncio.CancelledError from exc
        evidence.replay_error = f"could not load the page in the profile: {type(exc).__name__}: {exc}"
        return []
    return findings


def _summary(installs: list[BrowserInstall], findings: list[Finding]) -> str:
    if findings:
        first = sorted(findings, key=lambda f: f.severity != "critical")[0].summary
        more = f" (and {len(findings) - 1} more)" if len(findings) > 1 else ""
        return first + more
    profiles = sum(len(b.profiles) for b in installs)
    unread = sum(1 for b in installs for p in b.profiles if p.unreadable)
    checked = f"{profiles - unread} of {profiles} profiles" if unread else f"{profiles} profiles"
    names = ", ".join(b.label() for b in installs)
    return f"nothing in {checked} of {names} stops the portal's login"
