"""Lifetime limits: an over-long leaf under a public root is refused as Chromium does; local roots are exempt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from demo.web import Page, WebServer
from probes.base import ProbeContext, ProbeResult, RunConfig
from probes.dns.evidence import DnsEvidence
from probes.net.proxy_settings import ProxySettings
from probes.target import Target
from probes.tls.chain import read_certificate
from probes.tls.lifetime import overrun
from probes.tls.probe import TlsProbe
from tests.probes.tls.pki import Issued, authority, leaf, name, server_context

HOST = "localhost"


async def probe(servers: list[WebServer], chain: list[Issued], root: Issued, tmp_path: Path,
                public: bool, listed: Issued | None = None) -> ProbeResult:
    """The tls probe with `root` in --ca-bundle; `public`: also declared a publicly trusted root (as `listed`,
    when given, the public list's own copy)."""
    server = WebServer({"/": Page("portal")}, ssl_context=server_context(chain)).start()
    servers.append(server)
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(root.pem())
    public_list = tmp_path / "public-roots.pem"
    public_list.write_bytes((listed or root).pem() if public else b"")
    ctx = ProbeContext(Target.parse(f"https://{HOST}:{server.port}/login"), RunConfig(ca_bundle=bundle, timeout=10),
                       proxy=ProxySettings())
    ctx.provide(ProbeResult(name="dns", status="pass",
                            evidence=DnsEvidence(host=HOST, mode="dns_servers", addresses=["127.0.0.1"])))
    result = await TlsProbe(public_roots=public_list).run(ctx)
    assert result.status != "error", result.reason
    return result


async def test_a_400_day_leaf_under_a_public_root_is_too_long(root, servers, tmp_path) -> None:
    result = await probe(servers, [leaf(root, lifetime=timedelta(days=400))], root, tmp_path, public=True)
    assert [f.id for f in result.findings] == ["tls.cert_validity_too_long"], result.summary
    finding = result.findings[0]
    assert finding.severity == "critical" and finding.data["max_days"] == 398
    assert finding.data["validity_days"] == 400 and finding.data["anchor_store"] == "public"
    assert result.evidence.trust_anchor_store == "public"


async def test_the_same_leaf_under_a_ca_bundle_root_is_exempt(root, servers, tmp_path) -> None:
    result = await probe(servers, [leaf(root, lifetime=timedelta(days=400))], root, tmp_path, public=False)
    assert result.status == "pass" and result.findings == [], result.summary
    assert result.evidence.trust_anchor_store == "ca_bundle"


async def test_a_public_root_is_known_by_its_key(root, servers, tmp_path) -> None:
    """The public list holds the root re-issued under another name with the same key: Chromium's known roots
    are keys, so the anchor is still a public one."""
    reissued = authority("Loopback Test Root CA R2", "Loopback Test CA", key=root.key)
    result = await probe(servers, [leaf(root, lifetime=timedelta(days=400))], root, tmp_path, public=True,
                         listed=reissued)
    assert result.evidence.trust_anchor_store == "public"
    assert [f.id for f in result.findings] == ["tls.cert_validity_too_long"], result.summary


async def test_a_397_day_leaf_under_a_public_root_passes(root, servers, tmp_path) -> None:
    result = await probe(servers, [leaf(root, lifetime=timedelta(days=397))], root, tmp_path, public=True)
    assert result.status == "pass" and result.findings == [], result.summary
    assert result.evidence.trust_anchor_store == "public"


def issued(start: datetime, lifetime: timedelta) -> x509.Certificate:
    key = ec.generate_private_key(ec.SECP256R1())
    return (x509.CertificateBuilder().subject_name(name(HOST)).issuer_name(name("CA"))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + lifetime).sign(key, hashes.SHA256()))


def on(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


@pytest.mark.parametrize(("start", "lifetime", "limit"), [
    (on(2021, 1, 1), timedelta(days=398), None),
    (on(2021, 1, 1), timedelta(days=398, seconds=1), 398),  # one second over is over
    (on(2020, 8, 31), timedelta(days=825), None),  # issued before 2020-09-01: 825 days still in force
    (on(2018, 3, 1), timedelta(days=826), 825),
    (on(2016, 1, 1), timedelta(days=1188), None),  # 39 months, longest reading
    (on(2016, 1, 1), timedelta(days=1189), 1188),
    (on(2013, 1, 1), timedelta(days=1827), None),
    (on(2013, 1, 1), timedelta(days=1828), 1827),
    (on(2010, 1, 1), timedelta(days=3652), 3652),  # ten years, but expiring after 2019-07-01
    (on(2009, 6, 1), timedelta(days=3652), None),  # ten years, expiring 2019-06-01
], ids=["398", "398+1s", "825-before-2020-09", "826", "39-months", "39-months+1d", "60-months",
        "60-months+1d", "pre-BR-late-expiry", "pre-BR-ten-years"])
def test_the_limit_in_force_when_issued(start: datetime, lifetime: timedelta, limit: int | None) -> None:
    found = overrun(read_certificate(issued(start, lifetime).public_bytes(Encoding.DER)))
    assert (found.max_days if found else None) == limit
