"""One diagnosis: build the context, run the probes, rank the findings, assemble the report.

The command line, the exporter and the demo all call `diagnose`; none of them
reimplements any part of it.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from agent import __version__
from agent.engine import registry, workstation
from agent.engine.causes import info
from agent.engine.ranking import rank
from agent.engine.runner import Observer, run_probes
from agent.engine.verdict import decide, one_line
from probes.base import LEFT_OUT, ProbeContext, ProbeResult, RunConfig
from probes.net.proxy_settings import ProxySettings
from probes.profile import Profile
from probes.target import Target
from reports.models import Cause, Report, ReportStatus, Support, TargetInfo, ToolInfo

EXIT_CODES: dict[ReportStatus, int] = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}
REPORT_MARGIN = 0.6  # seconds kept back from --timeout to rank, render and write the report

CONTACT_ADVICE = {
    "workstation": "This is usually fixed on the workstation: ask your IT support first.",
    "network": "This is usually fixed in your network (DNS, firewall, proxy, VPN): ask your IT support first.",
    "portal": "This is on the portal's side: contact the portal's support with this report.",
    "account": "This is about the account: ask your practice's portal administrator, "
    "or the portal's support if you are the administrator.",
}


async def diagnose(
    target: Target,
    config: RunConfig,
    *,
    only: set[str] | None = None,
    skip: frozenset[str] = frozenset(),
    observer: Observer | None = None,
    shared: dict[str, Any] | None = None,
    proxy: ProxySettings | None = None,
    stop: asyncio.Event | None = None,
) -> Report:
    """Diagnose `target` within `config.timeout` seconds and return the report."""
    started = datetime.now(UTC)
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    settings = proxy if proxy is not None else ProxySettings.detect()
    ctx = ProbeContext(target, config, proxy=settings)
    ctx.shared.update(shared or {})

    names = registry.select(only, set(skip))
    if {"browser", "login"} & set(names) and "browser" not in ctx.shared:
        from probes.web.driver import start_driver

        start_driver(ctx)  # the browser is the slowest step: its driver boots while the probes load
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

    causes = rank(results)
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


def support_section(
    target: Target,
    config: RunConfig,
    results: list[ProbeResult],
    causes: list[Cause],
    started: datetime,
    finished: datetime,
) -> Support:
    """Gather what support asks for from the probes' evidence: browser, exact errors, screenshot, HAR."""
    evidence = {r.name: r.evidence for r in results}
    browser_ev = evidence.get("browser")
    error_text: list[str] = []
    for result in results:
        for text in getattr(result.evidence, "error_text", None) or []:
            if text not in error_text:
                error_text.append(text)
    addresses = getattr(evidence.get("dns"), "addresses", None) or []
    profile = config.profile
    roots = [c for c in causes if c.explained_by is None]
    advice = CONTACT_ADVICE[info(roots[0].id).owner] if roots else "Nothing found that blocks logging in."
    return Support(
        started_at=started,
        finished_at=finished,
        timezone=workstation.timezone_name(),
        os=workstation.os_description(),
        portal_url=target.url,
        resolved_addresses=list(addresses),
        browser=dict(getattr(browser_ev, "browser", None) or {}),
        error_text=error_text,
        screenshot=getattr(browser_ev, "screenshot", None),
        har=getattr(browser_ev, "har", None),
        identifiers=dict(config.identifiers),
        identifiers_missing=[i for i in (profile.support_identifiers if profile else [])
                             if i not in config.identifiers],
        contact=_contact_dict(profile),
        when_to_contact=advice,
    )


def _contact_dict(profile: Profile | None) -> dict[str, str]:
    """The support contact's fields that are set and non-empty, as strings."""
    if profile is None:
        return {}
    return {k: str(v) for k, v in profile.support_contact.model_dump(exclude_none=True).items() if v}

