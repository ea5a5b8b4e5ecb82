"""This workstation against a reference run of the same portal: is the fault here only, or everywhere?

Support's first question is "is it only you?". A reference report (the same agent run as
a monitor elsewhere, or on a colleague's workstation) answers it: when the reference
passed at about the same time, the fault is here only; when it failed too, it is the
portal's side. Pure: two reports in, a `Comparison` out, no I/O.

    reference not the same portal, or too far apart in time  -> unknown
    here fails, reference passes                            -> here_only
    both fail                                               -> everywhere
    both pass                                               -> neither
    anything else (a run that could not check)              -> unknown
"""

from __future__ import annotations

from collections.abc import Callable

from agent.engine.causes import contact_advice
from agent.engine.ranking import rank
from agent.engine.verdict import decide, one_line
from probes.base import ProbeResult
from probes.browser.evidence import BrowserEvidence
from probes.clock.evidence import ClockEvidence
from probes.dns.evidence import DnsEvidence
from probes.evidence import Evidence
from probes.http.evidence import HttpEvidence
from probes.proxy.evidence import ProxyEvidence
from probes.tls.evidence import TlsEvidence
from reports.models import EXIT_CODES, CompareScope, Comparison, Difference, ReferenceRun, Report

SAME_TIME_MINUTES = 30.0  # runs further apart than this say nothing about each other
CLOCK_DIFFERENCE_SECONDS = 5.0  # clock offsets closer than this are the same clock, NTP noise aside
FAILING = ("critical",)
PASSING = ("ok", "warning")


def compare(here: Report, reference: Report, source: str) -> Comparison:
    """`here` against `reference` (read from `source`): the scope of the fault and what differs, probe by probe."""
    minutes = abs((here.started_at - reference.started_at).total_seconds()) / 60
    here_roots, ref_roots = _roots(here), _roots(reference)
    scope, summary = _scope(here, reference, minutes)
    return Comparison(
        scope=scope,
        summary=summary,
        reference=ReferenceRun(source=source, hostname=reference.workstation.hostname,
                               started_at=reference.started_at, status=reference.status,
                               first_cause=ref_roots[0] if ref_roots else None),
        minutes_apart=round(minutes, 1),
        differences=differences(here, reference),
        shared_causes=[c for c in here_roots if c in ref_roots],
        server_errors=sorted(set(server_errors(here)) & set(server_errors(reference))),
    )


def with_comparison(here: Report, reference: Report, source: str) -> Report:
    """`here` with the comparison added, its causes ranked again with what it tells, its status decided again."""
    comparison = compare(here, reference, source)
    causes = rank(here.probes, comparison)
    verdict = decide(here.probes, causes, interrupted=here.interrupted)
    roots = [c for c in causes if c.explained_by is None]
    support = here.support.model_copy(update={
        "when_to_contact": contact_advice(roots[0].id) if roots else here.support.when_to_contact})
    return here.model_copy(update={
        "comparison": comparison, "causes": causes, "status": verdict.status,
        "exit_code": EXIT_CODES[verdict.status], "unchecked": verdict.unchecked, "support": support,
        "status_reason": one_line(verdict, here.interrupted) if verdict.status == "unknown" else None,
    })


def _roots(report: Report) -> list[str]:
    return [c.id for c in report.causes if c.explained_by is None and c.severity == "critical"]


def _scope(here: Report, reference: Report, minutes: float) -> tuple[CompareScope, str]:
    where = f"the reference ({reference.workstation.hostname}, {minutes:.0f} min apart)"
    if (here.target.host or "").lower() != (reference.target.host or "").lower():  # the portal is its host name
        return "unknown", (f"the reference diagnosed {reference.target.url or reference.target.input}, "
                           f"not {here.target.url or here.target.input}")
    if minutes > SAME_TIME_MINUTES:
        return "unknown", f"{where} ran more than {SAME_TIME_MINUTES:.0f} minutes away from this run"
    if here.status in FAILING and reference.status in PASSING:
        return "here_only", f"{where} reached a usable login page, this workstation did not"
    if here.status in FAILING and reference.status in FAILING:
        return "everywhere", f"{where} failed too, so the fault is on the portal's side"
    if here.status in PASSING and reference.status in PASSING:
        return "neither", f"this workstation and {where} both reached a usable login page"
    return "unknown", (f"this run is {here.status} and {where} is {reference.status}; "
                       "one of them could not check")


def server_errors(report: Report) -> list[int]:
    """The 5xx statuses the login page answered in `report` (the http and browser probes)."""
    seen: list[int | None] = []
    for result in report.probes:
        if isinstance(result.evidence, HttpEvidence):
            seen.append(result.evidence.final_status)
        elif isinstance(result.evidence, BrowserEvidence):
            seen.append(result.evidence.main_status)
    return [s for s in seen if s is not None and 500 <= s < 600]


def differences(here: Report, reference: Report) -> list[Difference]:
    """What each probe saw differently, for the probes both runs ran to an end."""
    theirs = {r.name: r for r in reference.probes}
    found: list[Difference] = []
    for mine in here.probes:
        other = theirs.get(mine.name)
        if other is None or "skip" in (mine.status, other.status):
            continue
        if mine.status != other.status:
            found.append(Difference(probe=mine.name, aspect="status", here=_status(mine),
                                    reference=_status(other)))
        aspect = ASPECTS.get(type(mine.evidence))
        if aspect is not None and type(other.evidence) is type(mine.evidence):
            found += aspect(mine.evidence, other.evidence)
    return found


def _status(result: ProbeResult) -> str:
    return f"{result.status}: {result.summary}" if result.summary else result.status


def _differ(probe: str, aspect: str, here: str, reference: str, note: str = "") -> list[Difference]:
    if here == reference:
        return []
    return [Difference(probe=probe, aspect=aspect, here=here or "none", reference=reference or "none", note=note)]


def _dns(here: Evidence, ref: Evidence) -> list[Difference]:
    assert isinstance(here, DnsEvidence) and isinstance(ref, DnsEvidence)
    return _differ("dns", "resolved addresses", ", ".join(sorted(here.addresses)), ", ".join(sorted(ref.addresses)))


def _issuer(evidence: TlsEvidence) -> str:
    if not evidence.certificates:
        return ""
    leaf = evidence.certificates[0]
    return leaf.issuer_common_name or leaf.issuer_organization or leaf.issuer


def _tls(here: Evidence, ref: Evidence) -> list[Difference]:
    assert isinstance(here, TlsEvidence) and isinstance(ref, TlsEvidence)
    note = ""
    if here.intercepted_by and not ref.intercepted_by:
        note = f"interception here only: {here.intercepted_by} re-signs the portal's certificate on this workstation"
    elif _issuer(here) and _issuer(ref) and _issuer(here) != _issuer(ref):
        note = "the certificate issuer differs here: something on this path re-signs or serves another certificate"
    return _differ("tls", "certificate issuer", _issuer(here), _issuer(ref), note)


def _proxy(here: Evidence, ref: Evidence) -> list[Difference]:
    assert isinstance(here, ProxyEvidence) and isinstance(ref, ProxyEvidence)
    return _differ("proxy", "proxy path", here.proxy_for_target or "direct", ref.proxy_for_target or "direct")


def _clock(here: Evidence, ref: Evidence) -> list[Difference]:
    assert isinstance(here, ClockEvidence) and isinstance(ref, ClockEvidence)
    if here.offset_seconds is None or ref.offset_seconds is None:
        return []
    if abs(here.offset_seconds - ref.offset_seconds) < CLOCK_DIFFERENCE_SECONDS:
        return []
    return [Difference(probe="clock", aspect="clock", here=f"{here.offset_seconds:+.1f} s",
                       reference=f"{ref.offset_seconds:+.1f} s")]


def _http(here: Evidence, ref: Evidence) -> list[Difference]:
    assert isinstance(here, HttpEvidence) and isinstance(ref, HttpEvidence)
    return _differ("http", "page outcome", _answer(here.final_status, here.hops[-1].error if here.hops else None),
                   _answer(ref.final_status, ref.hops[-1].error if ref.hops else None))


def _answer(status: int | None, error: str | None) -> str:
    return f"HTTP {status}" if status is not None else (error or "no answer")


def _browser(here: Evidence, ref: Evidence) -> list[Difference]:
    assert isinstance(here, BrowserEvidence) and isinstance(ref, BrowserEvidence)
    return _differ("browser", "page outcome", _page(here), _page(ref))


def _page(evidence: BrowserEvidence) -> str:
    if evidence.navigation_error:
        return f"did not load ({evidence.navigation_error})"
    form = "a usable login form" if evidence.login_form_usable else (
        "a login form that does not work" if evidence.login_form else "no login form")
    errors = f", {len(evidence.page_errors)} script errors" if evidence.page_errors else ""
    return f"{_answer(evidence.main_status, None)}, {form}{errors}"


ASPECTS: dict[type[Evidence], Callable[[Evidence, Evidence], list[Difference]]] = {
    DnsEvidence: _dns, TlsEvidence: _tls, ProxyEvidence: _proxy, ClockEvidence: _clock,
    HttpEvidence: _http, BrowserEvidence: _browser,
}
