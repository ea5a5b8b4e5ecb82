"""The tls probe, and the browser probe after it, run against a loopback server as a run would run them."""

from __future__ import annotations

from pathlib import Path

from probes.base import ProbeContext, ProbeResult, RunConfig
from probes.browser.probe import BrowserProbe
from probes.dns.evidence import DnsEvidence
from probes.net.proxy_settings import ProxySettings
from probes.target import Target
from probes.tls.probe import TlsProbe
from probes.web.session import BrowserSession
from tests.probes.browser_support import context
from tests.probes.tls.pki import Issued

HOST = "localhost"


def _resolved(ctx: ProbeContext, mode: str) -> None:
    ctx.provide(ProbeResult(name="dns", status="pass",
                            evidence=DnsEvidence(host=HOST, mode=mode, addresses=["127.0.0.1"])))


async def tls_probe(port: int, tmp_path: Path, *trusted: Issued) -> ProbeResult:
    """The tls probe for `https://localhost:port/login` with `trusted` as --ca-bundle; never an error."""
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(b"".join(c.pem() for c in trusted))
    ctx = ProbeContext(Target.parse(f"https://{HOST}:{port}/login"), RunConfig(ca_bundle=bundle, timeout=10),
                       proxy=ProxySettings())
    _resolved(ctx, "dns_servers")
    result = await TlsProbe().run(ctx)
    assert result.status != "error", result.reason
    return result


async def tls_then_browser(url: str, bundle: Path, session: BrowserSession,
                           tmp_path: Path) -> tuple[ProbeResult, ProbeResult]:
    """The tls probe, then the browser probe (which reads it), in `session`, for the login page at `url`."""
    ctx = context(url, tmp_path, session, ca_bundle=bundle, timeout=15)
    _resolved(ctx, "system")
    async with ctx.resources:
        tls = await TlsProbe().run(ctx)
        browser = await BrowserProbe().run(ctx)
    return tls, browser
