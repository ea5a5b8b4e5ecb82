"""The `dns` probe: what the portal's name resolves to, and who says so.

Without `--dns-server`, the system's own lookup (getaddrinfo: hosts file, resolver,
search list, exactly what the browser gets) is the answer every later probe uses,
and the system's resolvers are asked directly to explain a failure or to show a
disagreement. With `--dns-server`, those resolvers are the answer and the system's
lookup is not consulted at all; only the hosts file is read, since it would override
them on this workstation.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path
from typing import ClassVar, Literal

from probes.base import MIN_SILENCE_SECONDS, ProbeContext, ProbeResult
from probes.dns import hosts_file, rules
from probes.dns.evidence import DnsEvidence, SystemAnswer
from probes.evidence import Finding, Stopwatch, status_from
from probes.net.resolvers import ask, system_resolvers
from probes.text.durations import seconds

SystemLookup = Callable[[str, int], Awaitable[list[str]]]


async def getaddrinfo_addresses(host: str, port: int) -> list[str]:
    """Addresses the OS gives for `host`, in its preference order, each once."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return _unique(str(info[4][0]) for info in infos)


_SYSTEM_EXTRA = 0.5  # seconds more for the system's lookup than for one resolver: it may try several in turn
_KEEP_SECONDS = 0.25  # of the probe's budget: the resolver library and a busy event loop overshoot a wait


class DnsProbe:
    """Resolves the target's host; `hosts_path` and `system_lookup` are injectable for tests."""

    name: ClassVar[str] = "dns"
    depends_on: ClassVar[tuple[str, ...]] = ()
    budget: ClassVar[float] = 0.25  # of --timeout

    def __init__(
        self,
        hosts_path: Path | None = None,
        lifetime: float = 2.0,
        system_lookup: SystemLookup = getaddrinfo_addresses,
    ) -> None:
        self.hosts_path = hosts_path
        self.lifetime = lifetime
        self.system_lookup = system_lookup

    async def run(self, ctx: ProbeContext) -> ProbeResult:
        watch = Stopwatch()
        host = ctx.target.host
        wait = self._wait(ctx)
        try:
            if ctx.target.is_ip_literal:
                address = str(ipaddress.ip_address(host))
                evidence = DnsEvidence(host=host, mode="ip_literal", addresses=[address])
                findings: list[Finding] = []
            elif ctx.config.dns_servers:
                evidence, findings = await self._with_servers(host, ctx.config.dns_servers, wait)
            else:
                evidence, findings = await self._with_system(host, ctx, wait)
        except Exception as exc:  # a probe never raises out; "could not check" is a result
            return ProbeResult(
                name=self.name, status="error", duration_ms=watch.ms(), reason=f"{type(exc).__name__}: {exc}"
            )
        ms = watch.ms()
        if wait < min(MIN_SILENCE_SECONDS, self.lifetime) and any(f.id == "dns.timeout" for f in findings):
            return ProbeResult(
                name=self.name, status="timeout", duration_ms=ms, evidence=evidence,
                summary=f"no answer within {seconds(wait)} s: too short a wait to call the resolver silent",
                reason=f"the run's deadline left {seconds(wait)} s to wait for DNS (raise --timeout)",
            )
        return ProbeResult(
            name=self.name,
            status=status_from(findings),
            duration_ms=ms,
            summary=_summary(evidence, findings, ms),
            evidence=evidence,
            findings=findings,
        )

    def _wait(self, ctx: ProbeContext) -> float:
        """How long a resolver may stay silent: `lifetime`, or less when the run's deadline is nearer, so that a
        silent resolver is reported as such before the run has to cut this probe off (a short --timeout)."""
        return ctx.time_left(self.lifetime, keep=_KEEP_SECONDS)

    async def _with_servers(
        self, host: str, servers: list[tuple[str, int]], lifetime: float
    ) -> tuple[DnsEvidence, list[Finding]]:
        answers = list(await asyncio.gather(*(ask(s, host, lifetime) for s in servers)))
        hosts = hosts_file.lookup(host, self.hosts_path)
        addresses = _unique(a for answer in answers for a in answer.addresses)
        evidence = DnsEvidence(
            host=host, mode="dns_servers", addresses=addresses, hosts_file=hosts,
            resolvers=answers, resolvers_from="dns_servers",
        )
        if not addresses:
            finding = rules.failure_from_servers(host, answers, lifetime)
            if finding is not None and hosts.addresses:
                finding.evidence.append(
                    f"the hosts file {hosts.path} maps {host} to {', '.join(hosts.addresses)}, "
                    "so this workstation still resolves it"
                )
            return evidence, [finding] if finding else []
        first = next(a for a in answers if a.addresses)
        others = {a.server: a.addresses for a in answers if a is not first}
        others[f"hosts file {hosts.path}"] = hosts.addresses
        found = [
            rules.mismatch(host, first.server, first.addresses, others),
            rules.denial(host, answers),
        ]
        return evidence, [f for f in found if f is not None][:1]

    async def _with_system(
        self, host: str, ctx: ProbeContext, lifetime: float
    ) -> tuple[DnsEvidence, list[Finding]]:
        special = host == "localhost" or host.endswith(".localhost")  # RFC 6761: never sent to DNS
        servers, source = ([], "none") if special else _resolvers_for(ctx)
        (system, error), answers = await asyncio.gather(
            self._system_answer(host, ctx.target.port, ctx.time_left(lifetime + _SYSTEM_EXTRA, keep=_KEEP_SECONDS)),
            asyncio.gather(*(ask(s, host, lifetime) for s in servers)),
        )
        answers = list(answers)
        evidence = DnsEvidence(
            host=host, mode="system", addresses=system.addresses, system=system,
            hosts_file=hosts_file.lookup(host, self.hosts_path), resolvers=answers, resolvers_from=source,
        )
        if system.outcome != "answer":
            finding = rules.failure_from_servers(host, answers, lifetime)
            if finding is None:
                finding = rules.failure_from_gaierror(host, error, lifetime)
            finding.evidence.insert(0, f"system lookup: {system.error}")
            return evidence, [finding]
        found = rules.mismatch(
            host, "the system", system.addresses, {a.server: a.addresses for a in answers}
        )
        return evidence, [found] if found else []

    async def _system_answer(self, host: str, port: int, limit: float) -> tuple[SystemAnswer, OSError | None]:
        """The system's lookup within `limit` seconds, and the error it raised, if any."""
        watch = Stopwatch()
        try:
            async with asyncio.timeout(limit):
                addresses = await self.system_lookup(host, port)
        except TimeoutError:
            return SystemAnswer(outcome="timeout", error=f"no answer within {seconds(limit)} s", ms=watch.ms()), None
        except OSError as exc:
            return SystemAnswer(outcome="error", error=str(exc), ms=watch.ms()), exc
        return SystemAnswer(outcome="answer", addresses=addresses, ms=watch.ms()), None


def _resolvers_for(ctx: ProbeContext) -> tuple[list[tuple[str, int]], Literal["config", "os", "none"]]:
    if ctx.config.system_resolvers is not None:
        return list(ctx.config.system_resolvers), "config"
    found = system_resolvers()
    return found, "os" if found else "none"


def _summary(evidence: DnsEvidence, findings: list[Finding], ms: int) -> str:
    critical = [f for f in findings if f.severity == "critical"]
    if critical:
        return critical[0].summary
    if evidence.mode == "ip_literal":
        return f"{evidence.host} is an IP address: nothing to resolve"
    shown = ", ".join(evidence.addresses[:3])
    more = f" (+{len(evidence.addresses) - 3} more)" if len(evidence.addresses) > 3 else ""
    via = "" if evidence.mode == "system" else " via " + ", ".join(a.server for a in evidence.resolvers)
    line = f"{evidence.host} resolves to {shown}{more}{via} ({ms} ms)"
    return line + "; " + findings[0].summary if findings else line


def _unique(addresses: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for address in addresses:
        if address not in seen:
            seen.append(address)
    return seen
