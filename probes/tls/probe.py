"""The `tls` probe: the handshake and the certificate chain the workstation is shown.

It connects the way the workstation's browser would (the address the `dns` probe
pinned, or a CONNECT tunnel through the proxy that applies), offering what Chrome offers,
and judges the chain once, with the browser's rules (`verifier.py`, `policy.py`): a
missing issuer is fetched from the leaf's AIA, revocation is read from a stapled OCSP
answer (a second handshake asking for it), else asked of OCSP or the CRL, all through the
same proxy and pinning; a leaf under a public root is held to the lifetime limits
(`lifetime.py`). When a proxy applies it also looks directly, so a
certificate re-signed on the way shows up against the portal's own. Like sslyze's
connectivity gate, it does not try when the portal is unreachable: a TLS error then
would only repeat an earlier cause.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import ClassVar

import certifi

from probes.base import MIN_SILENCE_SECONDS, ProbeContext, ProbeResult
from probes.evidence import NOT_APPLICABLE, Stopwatch, status_from
from probes.net.proxy_settings import redact
from probes.net.tls_handshake import browser_context, handshake, lenient_context
from probes.net.tunnel import TunnelError, open_tunnel
from probes.text.durations import seconds
from probes.tls.chain import CertificateInfo, read_certificate, read_chain
from probes.tls.evidence import TlsEvidence
from probes.tls.judging import judge_chain
from probes.tls.rules import judge, when
from probes.tls.stapling import StapleSource

__all__ = ["CertificateInfo", "TlsEvidence", "TlsProbe"]

Streams = tuple[asyncio.StreamReader, asyncio.StreamWriter]
Opener = Callable[[], Awaitable[Streams]]
_CONNECT_FAILURES = ("network.refused", "network.unreachable")


class TlsProbe:
    """Handshake with the portal and judge the certificates it presents."""

    name: ClassVar[str] = "tls"
    depends_on: ClassVar[tuple[str, ...]] = ("dns", "network")
    budget: ClassVar[float] = 0.4  # of --timeout

    def __init__(self, public_roots: Path | None = None) -> None:
        """`public_roots`: the PEM list of publicly trusted roots (Mozilla's, from certifi, unless told)."""
        self.public_roots = public_roots or Path(certifi.where())

    async def run(self, ctx: ProbeContext) -> ProbeResult:
        watch = Stopwatch()
        try:
            result = await self._check(ctx)
        except Exception as exc:  # a probe never raises out; the reason is its result
            result = ProbeResult(name=self.name, status="error", reason=f"{type(exc).__name__}: {exc}")
        result.duration_ms = watch.ms()
        return result

    async def _check(self, ctx: ProbeContext) -> ProbeResult:
        target = ctx.target
        if target.scheme != "https":
            return ProbeResult(name=self.name, status="skip", reason=NOT_APPLICABLE,
                               summary="not checked: the portal is served over plain http://; there is no TLS")
        proxy = ctx.proxy.for_url(target.url)
        gate = await _gate(ctx, proxy)
        if gate:
            return self._skip(gate)
        step = ctx.answer_wait()
        addresses = await ctx.addresses() or [target.host]
        ev = TlsEvidence(host=target.host, port=target.port, checked_at=ctx.now(),
                         proxy=redact(proxy) if proxy else None)
        opener: Opener = (
            partial(open_tunnel, proxy, target.host, target.port, step)
            if proxy else _Direct(addresses, target.port, step)
        )
        try:
            await _observe(ev, opener, ctx, step, self.public_roots)
        except TunnelError as exc:
            ev.proxy_status = exc.status_line or None
            return self._skip(f"the proxy {ev.proxy} did not open a tunnel: {exc}", ev)
        except (OSError, TimeoutError) as exc:
            if proxy:
                return self._skip(f"the proxy {ev.proxy} could not be reached: {_why(exc)}", ev)
            return ProbeResult(name=self.name, status="error", evidence=ev,
                               reason=f"no TCP connection to port {target.port}: {_why(exc)}")
        if ev.failure == "timeout" and step < MIN_SILENCE_SECONDS:  # the deadline, not the server, cut it short
            return ProbeResult(name=self.name, status="timeout", evidence=ev, reason="run deadline reached",
                               summary=f"not checked: no TLS answer within {seconds(step)} s, too short a wait to "
                                       "call the server hung")
        if proxy:
            await _look_direct(ev, _Direct(addresses, target.port, min(step, 3.0)), step)
        expected = list(ctx.config.profile.expected_tls_issuers) if ctx.config.profile else []
        findings = judge(ev, ctx.now(), ctx.config.tls_warning_days, expected)
        for finding in findings:
            if finding.id == "tls.intercepted":
                ev.intercepted_by = finding.data.get("product") or finding.data.get("issuer")
        summary = "; ".join(f.summary for f in findings) if findings else _healthy(ev)
        return ProbeResult(name=self.name, status=status_from(findings), summary=summary,
                           evidence=ev, findings=findings)

    def _skip(self, reason: str, evidence: TlsEvidence | None = None) -> ProbeResult:
        result = ProbeResult(name=self.name, status="skip", summary=f"not checked: {reason}", reason=reason)
        if evidence is not None:
            result.evidence = evidence
        return result


class _Direct:
    """Opens TCP to the first address that answers, and sticks to it."""

    def __init__(self, addresses: list[str], port: int, timeout: float) -> None:
        self.addresses, self.port, self.timeout = addresses, port, timeout
        self.address: str | None = None

    async def __call__(self) -> Streams:
        errors: list[str] = []
        for address in [self.address] if self.address else self.addresses:
            try:
                async with asyncio.timeout(self.timeout):
                    streams = await asyncio.open_connection(address, self.port)
            except (OSError, TimeoutError) as exc:
                errors.append(f"{address}: {_why(exc)}")
                continue
            self.address = address
            return streams
        raise OSError("; ".join(errors))


async def _gate(ctx: ProbeContext, proxy: str | None) -> str | None:
    """Why not to try at all: nothing reaches the portal and no proxy would carry us there."""
    if proxy:
        return None
    network = await ctx.result("network")
    unreachable = network is not None and (
        network.status == "skip" or any(f.id in _CONNECT_FAILURES for f in network.findings)
    )
    if network is not None and unreachable:
        why = network.summary or network.reason or network.status
        return f"the portal was not reachable over TCP (network: {why})"
    dns = await ctx.result("dns")
    if network is None and dns is not None and dns.status == "fail" and not ctx.target.is_ip_literal:
        if not await ctx.addresses():
            return f"the portal's name did not resolve (dns: {dns.summary or dns.status})"
    return None


async def _observe(ev: TlsEvidence, opener: Opener, ctx: ProbeContext, step: float, public_roots: Path) -> None:
    """The browser's handshake (a lenient one when it fails, to say what the server speaks), then the chain judged.

    The handshake asking for a stapled OCSP answer runs alongside the browser's, so on a
    real network its round trips cost no wall time; it is dropped when the chain is not judged.
    """
    staples = StapleSource(opener, ctx.target.host, ctx.target.port, ctx.time_left(step))
    try:
        await _handshake_and_judge(ev, opener, ctx, step, public_roots, staples)
    finally:
        await staples.aclose()


async def _handshake_and_judge(ev: TlsEvidence, opener: Opener, ctx: ProbeContext, step: float,
                               public_roots: Path, staples: StapleSource) -> None:
    host = ctx.target.host
    main = await handshake(*await opener(), browser_context(), host, step)
    if isinstance(opener, _Direct):
        ev.address = opener.address
    ev.protocol, ev.cipher, ev.alpn, ev.handshake_ms = main.protocol, main.cipher, main.alpn, main.ms
    ev.client_certificate_requested = main.certificate_requested
    ev.client_certificate_refused = main.client_certificate_refused
    if ev.client_certificate_refused:
        ev.handshake_error = main.error
    chain = main.chain
    if main.failure == "timeout":  # connected, then silence: asking again would only wait as long again
        ev.failure, ev.handshake_error = main.failure, f"connected, but no TLS answer within {seconds(step)} s"
    elif main.failure is not None:
        ev.failure, ev.handshake_error = main.failure, main.error
        lenient = await handshake(*await opener(), lenient_context(), host, step)
        ev.server_protocol, ev.server_cipher = lenient.protocol, lenient.cipher
        chain = chain or lenient.chain
    ev.certificates = read_chain(chain)
    if ev.certificates and main.failure is None:
        await judge_chain(ev, chain, ctx, ctx.time_left(step), public_roots, partial(staples.for_leaf, chain[0]))


async def _look_direct(ev: TlsEvidence, direct: _Direct, step: float) -> None:
    """The portal's own leaf, bypassing the proxy, when the network lets us reach it."""
    try:
        streams = await direct()
    except OSError as exc:
        ev.direct_error = str(exc)
        return
    ev.direct_address = direct.address
    seen = await handshake(*streams, lenient_context(), ev.host, step)
    if seen.chain:
        ev.direct_certificate = read_certificate(seen.chain[0])
    else:
        ev.direct_error = seen.error


def _healthy(ev: TlsEvidence) -> str:
    leaf = ev.certificates[0] if ev.certificates else None
    text = f"{ev.protocol} ({ev.cipher}) in {ev.handshake_ms} ms"
    if leaf:
        issuer = leaf.issuer_common_name or leaf.issuer
        text += f"; certificate for {ev.host} issued by {issuer}, valid until {when(leaf.not_after)}"
    return text + (f"; through the proxy {ev.proxy}" if ev.proxy else "")


def _why(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
