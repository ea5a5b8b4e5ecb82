"""The `proxy` probe: which proxy the portal's traffic takes, whether it carries it, and VPNs.

Settings come from `ctx.proxy` (environment first, then the OS; a PAC file, configured
or found by WPAD, was fetched and run by the engine before the probes started, and its
fetch, parse and answers are reported here, a broken one as `proxy.pac_unreachable` or
`proxy.pac_invalid`). When a proxy applies to the portal it is asked to carry the
request: a proxy that cannot be reached, demands authentication or refuses is named as
the cause, since every later probe goes through it. VPN interfaces and the route to the
portal's addresses are looked up alongside.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from typing import ClassVar
from urllib.parse import urlsplit

from probes.base import ProbeContext, ProbeResult
from probes.evidence import Finding, Stopwatch, status_from
from probes.net.proxy_settings import ProxyDecision, redact, unsupported
from probes.proxy.evidence import ProxyEvidence, ProxyPath
from probes.proxy.pac_rules import pac_findings, pac_summary
from probes.proxy.path import check_proxy_path
from probes.proxy.vpn import check_vpn

RESOLVE_TIMEOUT = 2.0
_FORWARD_BLOCK_STATUSES = (403, 451, 502, 504)


class ProxyProbe:
    """Proxy settings and path, VPN interfaces and the portal's route."""

    name: ClassVar[str] = "proxy"
    depends_on: ClassVar[tuple[str, ...]] = ("dns",)
    budget: ClassVar[float] = 0.3  # of --timeout

    async def run(self, ctx: ProbeContext) -> ProbeResult:
        clock = Stopwatch()
        try:
            return await self._run(ctx, clock)
        except Exception as exc:  # a crash must become a result, never stop the run
            return ProbeResult(name=self.name, status="error", duration_ms=clock.ms(),
                               reason=f"{type(exc).__name__}: {exc}")

    async def _run(self, ctx: ProbeContext, clock: Stopwatch) -> ProbeResult:
        settings = ctx.proxy
        decision = settings.decide(ctx.target.url)
        evidence = ProxyEvidence(**settings.model_dump(), decision=redact(decision.reason))  # dump redacts
        if decision.proxy:
            evidence.proxy_for_target = redact(decision.proxy)
            evidence.unsupported = unsupported(decision.proxy)
        evidence.pac_check = pac_summary(settings.pac) if settings.uses_pac else None
        addresses, note = await _portal_addresses(ctx)
        if note:
            evidence.notes.append(note)
        path, (vpn, vpn_findings) = await asyncio.gather(
            _path(decision, ctx) if not evidence.unsupported else _nothing(), check_vpn(addresses, ctx.resources.host)
        )
        evidence.path = path
        evidence.interfaces, evidence.routes = vpn.interfaces, vpn.routes
        evidence.notes.extend(vpn.notes)
        findings = pac_findings(settings.pac) + (_path_findings(path, ctx) if path else []) + vpn_findings
        summary = _summary(evidence, findings)
        if evidence.unsupported and not findings:
            return ProbeResult(name=self.name, status="error", duration_ms=clock.ms(), summary=summary,
                               reason=f"{evidence.unsupported}: the proxy path could not be checked",
                               evidence=evidence)
        return ProbeResult(
            name=self.name, status=status_from(findings), duration_ms=clock.ms(),
            summary=summary, evidence=evidence, findings=findings,
        )


async def _portal_addresses(ctx: ProbeContext) -> tuple[list[str], str | None]:
    """The dns probe's addresses, else the literal, else the OS's answer (bounded)."""
    pinned = await ctx.addresses()
    if pinned:
        return pinned, None
    if ctx.target.is_ip_literal:
        return [ctx.target.host], None
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT):
            infos = await asyncio.get_running_loop().getaddrinfo(
                ctx.target.host, ctx.target.port, type=socket.SOCK_STREAM
            )
    except (OSError, TimeoutError) as exc:
        return [], f"route not looked up: the portal's name did not resolve ({str(exc) or 'timeout'})"
    return list(dict.fromkeys(str(info[4][0]) for info in infos)), None


async def _path(decision: ProxyDecision, ctx: ProbeContext) -> ProxyPath | None:
    if decision.proxy is None:
        return None
    context = None
    if ctx.config.ca_bundle is not None:
        context = ssl.create_default_context(cafile=str(ctx.config.ca_bundle))
    return await check_proxy_path(decision.proxy, redact(decision.proxy), ctx.target, ssl_context=context)


async def _nothing() -> None:
    return None


def _path_findings(path: ProxyPath, ctx: ProbeContext) -> list[Finding]:
    target = ctx.target
    asked = f"{target.host}:{target.port}"
    data = {"proxy": path.proxy, "portal": asked, "status": path.status, "error": path.error}
    facts = [f"request: {path.request}"] if path.request else []
    facts += [f"answer: {path.status_line}"] if path.status_line else []
    facts += [f"body: {path.body_first_line}"] if path.body_first_line else []
    if not path.connected:
        return [Finding(id="proxy.unreachable", severity="critical",
                        summary=f"The proxy {path.proxy} cannot be reached: {path.error}",
                        evidence=[f"connect to {path.proxy}: {path.error}"], data=data)]
    if path.error:
        return [Finding(id="proxy.blocked", severity="critical",
                        summary=f"The proxy {path.proxy} {path.error} when asked for {asked}",
                        evidence=[*facts, f"{path.proxy}: {path.error}"], data=data)]
    if path.status == 407 or path.auth_failed:
        schemes = ", ".join(path.auth_schemes) or "none named"
        sent = "credentials from the proxy URL were rejected; " if urlsplit(path.proxy).username else ""
        return [Finding(id="proxy.auth_required", severity="critical",
                        summary=f"The proxy {path.proxy} demands authentication ({sent}schemes: {schemes})",
                        evidence=facts, data={**data, "auth_schemes": path.auth_schemes})]
    if path.status is None:
        return []
    refused = not 200 <= path.status < 300 if target.scheme == "https" else path.status in _FORWARD_BLOCK_STATUSES
    if not refused:
        return []
    return [Finding(id="proxy.blocked", severity="critical",
                    summary=f"The proxy {path.proxy} refuses to carry traffic to {asked}: {path.status_line}",
                    evidence=facts, data=data)]


def _summary(evidence: ProxyEvidence, findings: list[Finding]) -> str:
    if findings:
        return findings[0].summary
    if evidence.path is not None:
        path = evidence.path
        answer = f"{path.status_line} in {path.answer_ms} ms" if path.status_line else "connected"
        text = f"via proxy {evidence.proxy_for_target} ({evidence.decision}): {answer}"
    elif evidence.unsupported:
        text = f"via proxy {evidence.proxy_for_target}: {evidence.unsupported}"
    else:
        text = f"direct: {evidence.decision}"
    if evidence.pac_check:
        text += f"; {evidence.pac_check}"
    vpns = sorted({i.vpn for i in evidence.interfaces if i.vpn_active and i.vpn})
    if vpns:
        text += f"; VPN up: {', '.join(vpns)}"
    return text
