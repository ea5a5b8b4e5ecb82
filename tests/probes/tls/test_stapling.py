"""A stapled OCSP answer is read first, believed only when the issuer signed it, and spares the fetch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.x509 import ocsp

from demo.web import Page, WebServer
from probes.base import ProbeContext, ProbeResult, RunConfig
from probes.dns.evidence import DnsEvidence
from probes.net.proxy_settings import ProxySettings
from probes.target import Target
from probes.tls.probe import TlsProbe
from tests.probes.tls.pki import Issued, authority, leaf, ocsp_response
from tests.probes.tls.stapling_server import StaplingServer

HOST = "localhost"
NOWHERE = "http://127.0.0.1:9/ocsp"  # the discard port: nothing answers there


@pytest.fixture(scope="module")
def root() -> Issued:
    return authority("Stapling Test Root CA", "Stapling Test CA")


@pytest.fixture(scope="module")
def issuing(root: Issued) -> Issued:
    return authority("Stapling Issuing CA 1", "Stapling Test CA", parent=root)


@pytest.fixture
def started() -> Iterator[list[StaplingServer | WebServer]]:
    servers: list[StaplingServer | WebServer] = []
    yield servers
    for server in servers:
        server.stop()


def stapling(started: list[StaplingServer | WebServer], chain: list[Issued], staple: bytes = b"") -> StaplingServer:
    server = StaplingServer(chain, staple).start()
    started.append(server)
    return server


async def probe(port: int, tmp_path: Path, root: Issued) -> ProbeResult:
    bundle = tmp_path / "bundle.pem"
    bundle.write_bytes(root.pem())
    ctx = ProbeContext(Target.parse(f"https://{HOST}:{port}/login"), RunConfig(ca_bundle=bundle, timeout=10),
                       proxy=ProxySettings())
    ctx.provide(ProbeResult(name="dns", status="pass",
                            evidence=DnsEvidence(host=HOST, mode="dns_servers", addresses=["127.0.0.1"])))
    result = await TlsProbe().run(ctx)
    assert result.status != "error", result.reason
    return result


async def test_a_stapled_revoked_answer_is_the_cause_with_no_responder_reachable(root, issuing, started, tmp_path) -> None:
    cert = leaf(issuing, ocsp=NOWHERE)
    server = stapling(started, [cert, issuing], ocsp_response(cert, issuing, ocsp.OCSPCertStatus.REVOKED))
    result = await probe(server.port, tmp_path, root)
    assert [f.id for f in result.findings] == ["tls.cert_revoked"], result.summary
    ev = result.evidence
    assert ev.revocation == "revoked" and ev.revocation_source == "stapled_ocsp" and ev.ocsp_stapled is True
    assert ev.revocation_reason == "key_compromise" and ev.revoked_at is not None
    assert "(stapled OCSP)" in result.findings[0].summary
    assert not any(NOWHERE in t for t in ev.revocation_tried)  # believed without asking the responder
    assert server.asked == 1


async def test_a_stapled_good_answer_needs_no_fetch(root, issuing, started, tmp_path) -> None:
    responder = WebServer().start()
    started.append(responder)
    cert = leaf(issuing, ocsp=responder.url("/ocsp"))
    responder.routes["/ocsp"] = Page(ocsp_response(cert, issuing, ocsp.OCSPCertStatus.REVOKED),
                                     content_type="application/ocsp-response")
    server = stapling(started, [cert, issuing], ocsp_response(cert, issuing, ocsp.OCSPCertStatus.GOOD))
    result = await probe(server.port, tmp_path, root)
    assert result.status == "pass" and result.findings == [], result.summary
    assert result.evidence.revocation == "good" and result.evidence.revocation_source == "stapled_ocsp"
    assert responder.requests == []  # the staple settled it: the (contrary) responder was never asked


async def test_a_staple_signed_by_another_key_is_not_believed(root, issuing, started, tmp_path) -> None:
    cert = leaf(issuing, ocsp=NOWHERE)
    impostor = authority("Stapling Issuing CA 1", "Stapling Test CA")  # same name, other key
    forged = ocsp_response(cert, issuing, ocsp.OCSPCertStatus.REVOKED, signer=impostor)
    server = stapling(started, [cert, issuing], forged)
    result = await probe(server.port, tmp_path, root)
    assert result.status == "pass" and result.findings == [], result.summary
    ev = result.evidence
    assert ev.ocsp_stapled is True and ev.revocation == "unknown" and ev.revocation_source is None
    assert any(t.startswith("stapled OCSP: answer not signed by the issuer") for t in ev.revocation_tried)
    assert any(NOWHERE in t for t in ev.revocation_tried)  # then the responder was tried


async def test_a_staple_for_another_certificate_is_not_believed(root, issuing, started, tmp_path) -> None:
    cert, other = leaf(issuing, ocsp=NOWHERE), leaf(issuing)
    server = stapling(started, [cert, issuing], ocsp_response(other, issuing, ocsp.OCSPCertStatus.REVOKED))
    result = await probe(server.port, tmp_path, root)
    assert result.findings == [] and result.evidence.revocation == "unknown", result.summary


async def test_no_staple_falls_back_to_the_responder(root, issuing, started, tmp_path) -> None:
    responder = WebServer().start()
    started.append(responder)
    cert = leaf(issuing, ocsp=responder.url("/ocsp"))
    responder.routes["/ocsp"] = Page(ocsp_response(cert, issuing, ocsp.OCSPCertStatus.REVOKED),
                                     content_type="application/ocsp-response")
    server = stapling(started, [cert, issuing])
    result = await probe(server.port, tmp_path, root)
    assert [f.id for f in result.findings] == ["tls.cert_revoked"]
    ev = result.evidence
    assert ev.ocsp_stapled is False and ev.revocation_source == "ocsp" and len(responder.requests) == 1
    assert ev.revocation_tried[0] == "stapled OCSP: the server stapled no response"
