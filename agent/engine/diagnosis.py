"""One diagnosis: build the context, run the probes, rank the findings, assemble the report.

The command line, the exporter and the demo all call `diagnose`; none of them
reimplements any part of it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from agent import __version__
from agent.engine import registry, workstation
from agent.engine.causes import annotate, contact_advice, info
from agent.engine.ranking import rank
from agent.engine.runner import Observer, run_probes
from agent.engine.verdict import decide, one_line
from probes.base import ProbeContext, ProbeResult, RunConfig
from probes.browser.evidence import BrowserEvidence
from probes.dns.evidence import DnsEvidence
from probes.evidence import LEFT_OUT
from probes.login.evidence import LoginEvidence
from probes.net.proxy_settings import ProxySettings
from probes.profile import Profile
from probes.resources import RunResources
from probes.target import Target
from probes.user_browser.evidence import UserBrowserEvidence
from reports.models import EXIT_CODES, Cause, Report, Support, TargetInfo, ToolInfo

REPORT_MARGIN = 0.6  # seconds kept back from --timeout to rank, render and write the report
PAC_SHARE = 0.2  # of --timeout: fetching and running a PAC file before the probes start



async def diagnose(
    target: Target,
    config: RunConfig,
    *,
    only: set[str] | None = None,
    skip: frozenset[str] = frozenset(),
    observer: Observer | None = None,
    resources: RunResources | None = None,
    proxy: ProxySettings | None = None,
    stop: asyncio.Event | None = None,
    began: float | None = None,
) -> Report:
    """Diagnose `target` within `config.timeout` seconds and return the report.

    `resources` hands the run what a caller started ahead of it (a browser driver) or lends
    it (a browser kept across runs); the run closes what it started itself. `began` is when
    the caller's clock for the deadline started (`time.monotonic()`, e.g. the process start).
    """
    started = datetime.now(UTC)
    loop = asyncio.get_running_loop()
    t0 = began if began is not None else loop.time()
    settings = proxy if proxy is not None else await ProxySettings.detect()
    await settings.resolve_pac(pac_urls(target, config), seconds=config.timeout * PAC_SHARE,
                               verify=str(config.ca_bundle) if config.ca_bundle else True)
    ctx = ProbeContext(target, config, proxy=settings, resources=resources)

    names = registry.select(only, set(skip))
    if {"browser", "login"} & set(names) and ctx.resources.lent_browser is None and ctx.resources.launch is None:
        from probes.web.session import LaunchPlan, start_launch

        plan = LaunchPlan.of(ctx)
        if not (plan.pac_url and config.dns_servers):  # that one waits for the portal's address (get_browser)
            start_launch(ctx.resources, plan)  # the slowest step: the browser starts while the probes load
    probes, unloadable = [], {}
    for name in names:
        try:
            probes.append(registry.load(name))
        except Exception as exc:  # noqa: BLE001 - a probe that cannot load (a missing library) is an error result
            unloadable[name] = ProbeResult(name=name, status="error", summary="the probe could not be loaded",
                                           reason=f"{type(exc).__name__}: {exc}")
    deadline = max(0.5, config.timeout - REPORT_MARGIN - (loop.time() - t0))
    ran = {r.name: r for r in await run_probes(probes, ctx, deadline, observer, stop)} | unloadable
    results = [
        ran.get(name)
        or ProbeResult(name=name, status="skip", summary="left out of this run", reason=LEFT_OUT)
        for name in registry.PROBES
    ]

    causes = annotate(rank(results), results, started)
    interrupted = stop is not None and stop.is_set()
    verdict = decide(results, causes, interrupted=interrupted)
    status = verdict.status
    finished = datetime.now(UTC)
    return Report(
        tool=ToolInfo(version=__version__),
        target=TargetInfo(input=target.input, url=target.url, host=target.host, port=target.port,
                          profile=target.profile),
        started_at=started,
        finished_at=finished,
        duration_ms=int((finished - started).total_seconds() * 1000),
        status=status,
        exit_code=EXIT_CODES[status],
        workstation=workstation.describe(settings),
        probes=results,
        causes=causes,
        support=support_section(target, config, results, causes, started, finished),
        unchecked=verdict.unchecked,
        left_out=verdict.left_out,
        interrupted=interrupted,
        status_reason=one_line(verdict, interrupted) if status == "unknown" else None,
    )


def pac_urls(target: Target, config: RunConfig) -> list[str]:
    """The URLs a PAC file is asked about ahead: the portal, its status page, its identity providers."""
    profile = config.profile
    urls = [target.url, config.status_page or (profile.status_page if profile else None)]
    if profile is not None:
        urls += [profile.saml_metadata_url, profile.oidc_discovery_url]
        urls += [f"https://{host}/" for host in profile.idp_hosts]
    return [url for url in urls if url]


def support_section(
    target: Target,
    config: RunConfig,
    results: list[ProbeResult],
    causes: list[Cause],
    started: datetime,
    finished: datetime,
) -> Support:
    """Gather what support asks for from the probes' evidence: browser, exact errors, screenshot, HAR."""
    browser_ev = next((r.evidence for r in results if isinstance(r.evidence, BrowserEvidence)), None)
    login_ev = next((r.evidence for r in results if isinstance(r.evidence, LoginEvidence)), None)
    dns_ev = next((r.evidence for r in results if isinstance(r.evidence, DnsEvidence)), None)
    users = next((r.evidence for r in results if isinstance(r.evidence, UserBrowserEvidence)), None)
    error_text: list[str] = []
    for seen in (browser_ev, login_ev):
        if seen is None or (isinstance(seen, LoginEvidence) and seen.outcome in ("mfa", "success")):
            continue  # a second-factor prompt or a signed-in page is not an error
        error_text += [t for t in seen.error_text if t not in error_text]
    profile = config.profile
    roots = [c for c in causes if c.explained_by is None]
    advice = contact_advice(roots[0].id) if roots else "Nothing found that blocks logging in."
    shot, step = (browser_ev.screenshot, "browser") if browser_ev else (None, None)
    if login_ev is not None and login_ev.screenshot and (
            (roots and roots[0].id.startswith("account.")) or shot is None):
        shot, step = login_ev.screenshot, "login"  # the screen that shows the portal's answer
    user = config.credentials.username if config.credentials else None
    return Support(
        started_at=started,
        finished_at=finished,
        timezone=workstation.timezone_name(),
        os=workstation.os_description(),
        portal_url=target.url,
        resolved_addresses=list(dns_ev.addresses) if dns_ev else [],
        browser=dict(browser_ev.browser) if browser_ev else {},
        user_browsers=list(users.support_browsers) if users else [],
        error_text=error_text,
        screenshot=shot,
        screenshot_step=step if shot else None,
        har=(login_ev.har if step == "login" and login_ev else browser_ev.har if browser_ev else None),
        user_id=mask(user) if user else None,
        identifiers=dict(config.identifiers),
        identifiers_missing=[i for i in (profile.support_identifiers if profile else [])
                             if i not in config.identifiers],
        contact=_contact_dict(profile),
        when_to_contact=advice,
        owner=info(roots[0].id).owner if roots else None,
    )


def mask(user: str) -> str:
    """`j******e`: enough for support to find the account, not enough to give it away."""
    return user[0] + "*" * max(1, len(user) - 2) + user[-1] if len(user) > 2 else "*" * len(user)


def _contact_dict(profile: Profile | None) -> dict[str, str]:
    """The support contact's fields that are set and non-empty, as strings."""
    if profile is None:
        return {}
    return {k: str(v) for k, v in profile.support_contact.model_dump(exclude_none=True).items() if v}

