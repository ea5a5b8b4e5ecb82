"""The TLS probe run against a server on localhost, its name pinned to 127.0.0.1 as the dns probe pins it."""

from __future__ import annotations

from probes.base import ProbeContext, ProbeResult, RunConfig
from probes.dns.evidence import DnsEvidence
from probes.target import Target
from probes.tls.probe import TlsProbe


def pinned_context(url: str) -> ProbeContext:
    ctx = ProbeContext(Target.parse(url), RunConfig(timeout=8))
    ctx.provide(ProbeResult(name="dns", status="pass",
                            evidence=DnsEvidence(host="localhost", mode="dns_servers", addresses=["127.0.0.1"])))
    return ctx


async def tls_result(url: str) -> ProbeResult:
    return await TlsProbe().run(pinned_context(url))
