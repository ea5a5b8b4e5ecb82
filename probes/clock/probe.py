"""The `clock` probe: is the workstation's clock far enough off to break MFA codes or TLS?

Time-based one-time codes accept a step or two of 30 s, and certificates look expired
or not yet valid when the clock is far off; both fail silently at the login form. The
reference is NTP (the median of the servers that answered); when no server answers,
the portal's own HTTP `Date` header from the `http` probe, which only has 1-second
resolution. An unreachable reference means "could not check", never a fault.
"""

from __future__ import annotations

import asyncio
import platform
import statistics
import time
import tomllib
from collections.abc import Awaitable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

import httpx

from probes.base import ProbeContext, ProbeResult
from probes.clock.evidence import ClockEvidence, ClockReference, ClockSync
from probes.clock.sntp import NtpAnswer, query
from probes.evidence import Finding, Stopwatch, status_from
from probes.http.evidence import HttpEvidence
from probes.net.address import is_ip
from probes.net.host_lookup import lookup
from probes.net.httpclient import client_for
from probes.osinfo.host_state import shared

DEFAULT_TIME_SERVERS: list[tuple[str, int]] = [
    ("pool.ntp.org", 123), ("time.google.com", 123), ("time.cloudflare.com", 123), ("time.windows.com", 123),
]
# A workstation's clock breaks a login only through what it dates: TLS validity (the
# ranking promotes a skew that explains an "expired" certificate), cookies with an
# absolute expiry (a session cookie good for an hour looks expired to a clock an hour
# ahead) and time-bound tokens the page checks itself. MFA codes come from the phone.
CRITICAL_SECONDS = 3600.0  # from an hour off, cookies and sign-in tokens dated by the portal look expired
WARNING_SECONDS = 60.0  # a minute or two: nothing breaks yet, Kerberos and token checks allow about 5 minutes
HTTP_DATE = "http-date"
# a reference claiming a year outside this range is broken, not right: this release cannot
# run before 2024, and no clock here will still be checked by it in 2080
PLAUSIBLE_YEARS = (2024, 2080)
NTP_KEEP_SECONDS = 0.25  # of the probe's budget, after NTP's wait: the Date header's reading and the result
OUTLIER_SECONDS = 300.0  # further than this from the other references' median: set aside, named
_SYNC_DATA = Path(__file__).with_name("data") / "clock_sync.toml"


HTTP_WAIT_MARGIN = 0.5  # seconds of the budget kept to judge the NTP answers when the portal is slow


class ClockProbe:
    """Compare the local clock with NTP servers and the portal's Date header."""

    name: ClassVar[str] = "clock"
    depends_on: ClassVar[tuple[str, ...]] = ("dns", "http")
    budget: ClassVar[float] = 0.25  # of --timeout

    def __init__(self, ntp_timeout: float = 1.5) -> None:
        self.ntp_timeout = ntp_timeout

    async def run(self, ctx: ProbeContext) -> ProbeResult:
        watch = Stopwatch()
        local = datetime.now().astimezone()
        evidence = ClockEvidence(
            local_time=local.isoformat(timespec="seconds"),
            timezone=f"{local.tzname()} (UTC{local.strftime('%z')})",
            sync=os_sync_commands(),
        )
        servers = ctx.config.time_servers or DEFAULT_TIME_SERVERS
        try:
            # NTP's wait shrinks to the deadline, so that the portal's Date header can still decide in a short run
            ntp_wait = ctx.time_left(self.ntp_timeout, keep=NTP_KEEP_SECONDS)
            answers, http = await asyncio.gather(_ask_ntp(ctx, servers, ntp_wait), _http_result(ctx))
        except Exception as exc:  # a probe reports, it never raises
            reason = f"could not check: {type(exc).__name__}: {exc}"
            return ProbeResult(name=self.name, status="error", reason=reason, summary=reason,
                               duration_ms=watch.ms(), evidence=evidence)
        evidence.references = [
            ClockReference(reference=f"ntp:{a.server}", offset_seconds=a.offset_seconds,
                           delay_seconds=a.delay_seconds, stratum=a.stratum, error=a.error)
            for a in answers
        ]
        date = await portal_date(ctx, http)
        if date is not None:
            evidence.references.append(http_date_reference(*date))
        chosen = choose_reference(evidence.references, time.time())
        evidence.outliers = [r.reference for r in evidence.references if (r.detail or "").startswith("outlier")]
        if chosen is None:
            reason = "could not check: no time reference answered"
            return ProbeResult(name=self.name, status="error", reason=reason, summary=reason,
                               duration_ms=watch.ms(), evidence=evidence)
        evidence.offset_seconds, evidence.reference = chosen
        findings = skew_findings(evidence)
        summary = findings[0].summary if findings else (
            f"the clock is within {WARNING_SECONDS:g} s of {evidence.reference} "
            f"({describe_offset(evidence.offset_seconds)})"
        )
        return ProbeResult(name=self.name, status=status_from(findings), summary=summary,
                           duration_ms=watch.ms(), evidence=evidence, findings=findings)


async def _ask_ntp(ctx: ProbeContext, servers: list[tuple[str, int]], timeout: float) -> list[NtpAnswer]:
    """Every server at once; with `--dns-server`, a server given by name is resolved there, like every name.

    The clock is the workstation's, not the target's: runs that share the machine's reads (the
    exporter's scrapes) take a server's answer of the last few seconds (`HostState`)."""

    async def one(host: str, port: int) -> NtpAnswer:
        if not ctx.config.dns_servers or is_ip(host):
            return await query(host, port, timeout)
        found = await lookup(ctx, host, port, timeout)
        if not found.addresses:
            why = f"the name did not resolve via {found.via}: {found.outcome}"
            return NtpAnswer(server=f"{host}:{port}", error=why)
        return await query(host, port, timeout, address=found.addresses[0])

    def asked(host: str, port: int) -> Awaitable[NtpAnswer]:
        key = ("ntp", host, port, tuple(ctx.config.dns_servers), timeout)
        return shared(ctx.resources.host, key, lambda: one(host, port))

    return list(await asyncio.gather(*(asked(host, port) for host, port in servers)))


async def _http_result(ctx: ProbeContext) -> HttpEvidence | None:
    """The http probe's result for its Date header, awaited no longer than this probe's own budget allows."""
    try:
        async with asyncio.timeout(max(0.0, ctx.time_left(60.0) - HTTP_WAIT_MARGIN)):
            return await ctx.evidence(HttpEvidence)
    except TimeoutError:
        return None


def choose_reference(references: list[ClockReference], now: float) -> tuple[float, str] | None:
    """The median of the sane references (NTP first when fewer than three), else None.

    A reference claiming a time outside `PLAUSIBLE_YEARS` is set aside (its `detail`
    says so), and so is one further than `OUTLIER_SECONDS` from the median of the rest:
    one absurd NTP answer can then not outvote a correct Date header. The low median of
    an even count is one reference's real answer, so offset and name go together.
    """
    usable = [r for r in references if r.offset_seconds is not None]
    sane = []
    for ref in usable:
        assert ref.offset_seconds is not None
        claimed = datetime.fromtimestamp(now - ref.offset_seconds, UTC) if abs(ref.offset_seconds) < 1e11 else None
        if claimed is None or not PLAUSIBLE_YEARS[0] <= claimed.year <= PLAUSIBLE_YEARS[1]:
            ref.detail = f"outlier: claims {claimed.isoformat(timespec='seconds') if claimed else 'an absurd time'}"
        else:
            sane.append(ref)
    ntp = [r for r in sane if r.reference != HTTP_DATE]
    pool = sane if len(sane) >= 3 else (ntp or sane)
    if not pool:
        return None
    median = statistics.median_low(r.offset_seconds for r in pool if r.offset_seconds is not None)
    for ref in pool:
        if ref.offset_seconds is not None and abs(ref.offset_seconds - median) > OUTLIER_SECONDS:
            ref.detail = f"outlier: {ref.offset_seconds - median:+.0f} s from the median of the references"
    chosen = next(r for r in pool if r.offset_seconds == median)
    return median, chosen.reference


async def portal_date(ctx: ProbeContext, http: HttpEvidence | None) -> tuple[str | None, float | None] | None:
    """The portal's Date header and the local time it arrived: from the http probe, else asked here.

    When the http probe could not read an answer (most often because the certificate
    looked expired or not yet valid, which a wrong clock causes), the header is read
    with verification off: it is the only reference left when NTP is unreachable, and
    the question is what time the portal says, not whether to trust it.
    """
    if http is not None and http.date_header:
        return http.date_header, http.received_at_epoch
    if http is not None and not http.tls_rejected:
        return None  # a portal that did not answer the http probe will not answer here either
    wait = ctx.time_left(3.0)
    try:
        async with asyncio.timeout(wait), client_for(ctx, timeout=wait, verify=False) as client:
            async with client.stream("GET", ctx.target.url) as answer:
                return answer.headers.get("date"), time.time()
    except (httpx.HTTPError, TimeoutError):
        return None


def http_date_reference(header: str | None, received: float | None) -> ClockReference:
    """The portal's Date header against the local time its answer arrived.

    The header is truncated to the second somewhere between the request and the
    answer, so half a second is added back; only offsets above about 2 s mean anything.
    """
    if not header or received is None:
        return ClockReference(reference=HTTP_DATE, error="the portal's answer had no Date header")
    try:
        stamped = parsedate_to_datetime(header)
    except (TypeError, ValueError):
        return ClockReference(reference=HTTP_DATE, error=f"unreadable Date header: {header!r}")
    if stamped.tzinfo is None:
        return ClockReference(reference=HTTP_DATE, error=f"Date header without a zone: {header!r}")
    offset = float(received) - (stamped.timestamp() + 0.5)
    return ClockReference(reference=HTTP_DATE, offset_seconds=offset,
                          detail=f"Date: {header} (1 s resolution)")


def skew_findings(evidence: ClockEvidence) -> list[Finding]:
    """`clock.skew`: a warning from a minute off, critical from an hour (see CRITICAL_SECONDS)."""
    offset = evidence.offset_seconds
    if offset is None or abs(offset) < WARNING_SECONDS:
        return []
    critical = abs(offset) >= CRITICAL_SECONDS
    effect = ("cookies and sign-in tokens the portal dates look expired, and certificates may too" if critical
              else "logins still work, but time-limited sign-in tokens fail as it drifts further")
    facts = [f"workstation minus {evidence.reference}: {offset:+.1f} s"]
    facts += [
        f"{r.reference}: " + (f"{r.offset_seconds:+.1f} s" if r.offset_seconds is not None else f"{r.error}")
        for r in evidence.references if r.reference != evidence.reference
    ]
    data: dict[str, Any] = {"reference": evidence.reference, "checked_at": evidence.local_time}
    if evidence.sync is not None:
        facts += [f"check ({evidence.sync.os}): {cmd}" for cmd in evidence.sync.check]
        facts += [f"fix ({evidence.sync.os}, as administrator): {cmd}" for cmd in evidence.sync.fix]
        data.update(check_commands=evidence.sync.check, fix_commands=evidence.sync.fix)
    return [Finding(
        id="clock.skew", severity="critical" if critical else "warning",
        summary=f"the workstation clock is {describe_offset(offset)} ({evidence.reference}): {effect}",
        evidence=facts, data=data, offset_seconds=round(offset, 3),
        remediation=["If sign-in codes from an authenticator app are refused, check the phone's clock too: "
                     "the codes come from the phone, so its time must be set automatically."],
    )]


def describe_offset(offset: float) -> str:
    """'5 min 3 s ahead', '2 days 1 h behind', '0.2 s ahead'."""
    way = "ahead" if offset >= 0 else "behind"
    left = abs(offset)
    if left < 60:
        return f"{left:.1f} s {way}"
    parts: list[str] = []
    for unit, size in (("days", 86400), ("h", 3600), ("min", 60), ("s", 1)):
        count, left = divmod(left, size)
        if count and len(parts) < 2:
            parts.append(f"{int(count)} {'day' if unit == 'days' and count == 1 else unit}")
    return f"{' '.join(parts)} {way}"


def os_sync_commands(system: str | None = None) -> ClockSync | None:
    """This OS's clock-sync check and fix commands, from data/clock_sync.toml."""
    entry = _sync_table().get(system or platform.system())
    if entry is None:
        return None
    return ClockSync(os=entry["name"], check=entry["check"], check_hint=entry.get("check_hint", ""),
                     fix=entry["fix"], fix_hint=entry.get("fix_hint", ""))


@cache
def _sync_table() -> dict[str, Any]:
    return tomllib.loads(_SYNC_DATA.read_text(encoding="utf-8"))
