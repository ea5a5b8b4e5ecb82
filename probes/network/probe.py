"""The `network` probe: can the workstation open a TCP connection to the portal, and by which way?

It connects to every address the `dns` probe found (IPv4 and IPv6 alike, at once),
names how each attempt ended, records the local address and interface the route
went through, and checks for a captive portal. When DNS found nothing there is
nothing to connect to: the probe skips, since the failure is DNS's, not the network's.
When a proxy carries the portal's traffic, direct reachability is only evidence.
"""

from __future__ import annotations

import asyncio
import socket
from typing import ClassVar, Literal

from probes.base import ProbeContext, ProbeResult
from probes.evidence import Finding, Stopwatch, status_from
from probes.net.proxy_settings import redact
from probes.net.tcp_connect import ConnectAttempt, connect
from probes.network import captive_portal
from probes.network.evidence import CaptiveCheck, NetworkEvidence
from probes.osinfo.host_state import shared

_DESCRIBE = {"refused": "refused", "timeout": "timed out", "no_route": "no route", "error": "failed"}


class NetworkProbe:
    """TCP reachability of the target; timeouts are injectable so tests stay fast."""

    name: ClassVar[str] = "network"
    depends_on: ClassVar[tuple[str, ...]] = ("dns",)
    budget: ClassVar[float] = 0.3  # of --timeout

    def __init__(self, connect_timeout: float = 3.0, captive_timeout: float = 2.0) -> None:
        self.connect_timeout = connect_timeout
        self.captive_timeout = captive_timeout

    async def run(self, ctx: ProbeContext) -> ProbeResult:
        watch = Stopwatch()
        try:
            dns = await ctx.result("dns")
            addresses = await ctx.addresses()
            dns_done = dns is not None and dns.status in ("pass", "warn", "fail")
            if not addresses and (dns_done or ctx.config.dns_servers):  # never the OS's answer instead
                return ProbeResult(
                    name=self.name, status="skip", duration_ms=watch.ms(),
                    reason="no address to connect to (DNS failed)",
                )
            source: Literal["dns", "system"] = "dns"
            if not addresses:
                source, addresses = "system", await self._resolve(ctx)
            evidence = await self._look(ctx, addresses, source)
        except OSError as exc:
            reason = f"could not resolve {ctx.target.host} to connect to it: {exc}"
            return ProbeResult(name=self.name, status="error", duration_ms=watch.ms(), reason=reason)
        except Exception as exc:  # a probe never raises out; "could not check" is a result
            reason = f"{type(exc).__name__}: {exc}"
            return ProbeResult(name=self.name, status="error", duration_ms=watch.ms(), reason=reason)
        findings = _findings(ctx, evidence)
        return ProbeResult(
            name=self.name,
            status=status_from(findings),
            duration_ms=watch.ms(),
            summary=_summary(evidence, findings),
            evidence=evidence,
            findings=findings,
        )

    async def _captive(self, ctx: ProbeContext, url: str) -> CaptiveCheck:
        """The captive-portal check: of the workstation's network, not the target, so runs that share the
        machine's reads (the exporter's scrapes) take one of the last few seconds (`HostState`)."""
        key = ("captive", url, ctx.proxy.for_url(url), tuple(ctx.config.dns_servers), self.captive_timeout)
        return await shared(ctx.resources.host, key, lambda: captive_portal.check(ctx, url, self.captive_timeout))

    async def _resolve(self, ctx: ProbeContext) -> list[str]:
        """The OS's addresses for the host, when no dns probe pinned any."""
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(self.connect_timeout):
            infos = await loop.getaddrinfo(ctx.target.host, ctx.target.port, type=socket.SOCK_STREAM)
        return list(dict.fromkeys(str(info[4][0]) for info in infos))

    async def _look(
        self, ctx: ProbeContext, addresses: list[str], source: Literal["dns", "system"]
    ) -> NetworkEvidence:
        port = ctx.target.port
        url = ctx.config.captive_check_url
        attempts, captive = await asyncio.gather(
            asyncio.gather(*(connect(a, port, self.connect_timeout) for a in addresses)),
            self._captive(ctx, url) if url else _nothing(),
        )
        routed = next((a for a in attempts if a.outcome == "connected"), None)
        routed = routed or next((a for a in attempts if a.local_address), None)
        return NetworkEvidence(
            host=ctx.target.host,
            port=port,
            addresses_from=source,
            attempts=list(attempts),
            proxy=redact(proxy) if (proxy := ctx.proxy.for_url(ctx.target.url)) else None,
            local_address=routed.local_address if routed else None,
            interface=routed.interface if routed else None,
            captive=captive,
        )


async def _nothing() -> None:
    return None


def _findings(ctx: ProbeContext, evidence: NetworkEvidence) -> list[Finding]:
    findings: list[Finding] = []
    if evidence.captive is not None and (found := captive_portal.finding(evidence.captive)):
        findings.append(found)
    attempts = evidence.attempts
    if not attempts or evidence.proxy is not None or any(a.outcome == "connected" for a in attempts):
        return findings
    refused = all(a.outcome == "refused" for a in attempts)
    where = f"{evidence.host}:{evidence.port}"
    if refused:
        listed = ", ".join(a.address for a in attempts)
        summary = f"{where} refused the connection on every address ({listed})"
    else:
        summary = f"could not connect to {where}: " + "; ".join(_attempt_text(a) for a in attempts)
    findings.append(
        Finding(
            id="network.refused" if refused else "network.unreachable",
            severity="critical",
            summary=summary,
            evidence=[_attempt_text(a) for a in attempts],
            data={
                "host": evidence.host,
                "port": evidence.port,
                "addresses": [a.address for a in attempts],
                "outcomes": {a.address: a.outcome for a in attempts},
                "local_address": evidence.local_address,
                "interface": evidence.interface,
            },
        )
    )
    return findings


def _attempt_text(attempt: ConnectAttempt) -> str:
    if attempt.outcome == "connected":
        return f"{attempt.address}: connected in {attempt.ms} ms"
    detail = attempt.errno if attempt.outcome != "timeout" else attempt.error
    return f"{attempt.address}: {_DESCRIBE[attempt.outcome]} ({detail}) after {attempt.ms} ms"


def _summary(evidence: NetworkEvidence, findings: list[Finding]) -> str:
    where = f"{evidence.host}:{evidence.port}"
    connected = [a for a in evidence.attempts if a.outcome == "connected"]
    if evidence.proxy is not None:
        direct = f"direct TCP: {len(connected)} of {len(evidence.attempts)} addresses connected"
        line = f"traffic to {where} goes through the proxy {evidence.proxy} ({direct})"
    elif connected:
        first = connected[0]
        line = f"{where} connected via {first.address} in {first.ms} ms"
        if first.local_address:
            line += f" from {first.local_address}" + (f" on {first.interface}" if first.interface else "")
        broken = len(evidence.attempts) - len(connected)
        line += f"; {broken} of {len(evidence.attempts)} addresses failed" if broken else ""
    else:
        blocked = (f.summary for f in findings if f.id in ("network.refused", "network.unreachable"))
        line = next(blocked, f"no connection attempt to {where}")
    captive = [f.summary for f in findings if f.id == "network.captive_portal"]
    if captive:
        return f"{captive[0]}; {line}"
    if evidence.captive is not None:
        return f"{line}; {captive_portal.describe(evidence.captive)}"
    return line
