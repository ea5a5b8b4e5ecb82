"""A stapled OCSP answer is read first, believed only when the issuer signed it, and spares the fetch."""

from __future__ import annotations

from cryptography.x509 import ocsp
from cryptography.x509.oid import NameOID

from demo.web import Page, WebServer
from tests.probes.tls.pki import Issued, authority, leaf, ocsp_response
from tests.probes.tls.runs import tls_probe
from tests.probes.tls.stapling_server import StaplingServer

NOWHERE = "http://127.0.0.1:9/ocsp"  # the discard port: nothing answers there


def stapling(servers: list[StaplingServer | WebServer], chain: list[Issued], staple: bytes = b"") -> StaplingServer:
    server = StaplingServer(chain, staple).start()
    servers.append(server)
    return server


async def test_a_stapled_revoked_answer_is_the_cause_with_no_responder_reachable(root, issuing, servers, tmp_path) -> None:
    cert = leaf(issuing, ocsp=NOWHERE)
    server = stapling(servers, [cert, issuing], ocsp_response(cert, issuing, ocsp.OCSPCertStatus.REVOKED))
    result = await tls_probe(server.port, tmp_path, root)
    assert [f.id for f in result.findings] == ["tls.cert_revoked"], result.summary
    ev = result.evidence
    assert ev.revocation == "revoked" and ev.revocation_source == "stapled_ocsp" and ev.ocsp_stapled is True
    assert ev.revocation_reason == "key_compromise" and ev.revoked_at is not None
    assert "(stapled OCSP)" in result.findings[0].summary
    assert not any(NOWHERE in t for t in ev.revocation_tried)  # believed without asking the responder
    assert server.asked == 1


def revoking_responder(servers: list[WebServer], issuing: Issued) -> tuple[Issued, WebServer]:
    """A leaf naming an OCSP responder on loopback, and that responder, which says it is revoked."""
    responder = WebServer().start()
    servers.append(responder)
    cert = leaf(issuing, ocsp=responder.url("/ocsp"))
    responder.routes["/ocsp"] = Page(ocsp_response(cert, issuing, ocsp.OCSPCertStatus.REVOKED),
                                     content_type="application/ocsp-response")
    return cert, responder


async def test_a_stapled_good_answer_needs_no_fetch(root, issuing, servers, tmp_path) -> None:
    cert, responder = revoking_responder(servers, issuing)
    server = stapling(servers, [cert, issuing], ocsp_response(cert, issuing, ocsp.OCSPCertStatus.GOOD))
    result = await tls_probe(server.port, tmp_path, root)
    assert result.status == "pass" and result.findings == [], result.summary
    assert result.evidence.revocation == "good" and result.evidence.revocation_source == "stapled_ocsp"
    assert responder.requests == []  # the staple settled it: the (contrary) responder was never asked


async def test_a_staple_signed_by_another_key_is_not_believed(root, issuing, servers, tmp_path) -> None:
    cert = leaf(issuing, ocsp=NOWHERE)
    names = issuing.cert.subject
    impostor = authority(str(names.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value),
                         str(names.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value))
    assert impostor.cert.subject == names  # same name, other key
    forged = ocsp_response(cert, issuing, ocsp.OCSPCertStatus.REVOKED, signer=impostor)
    server = stapling(servers, [cert, issuing], forged)
    result = await tls_probe(server.port, tmp_path, root)
    assert result.status == "pass" and result.findings == [], result.summary
    ev = result.evidence
    assert ev.ocsp_stapled is True and ev.revocation == "unknown" and ev.revocation_source is None
    assert any(t.startswith("stapled OCSP: answer not signed by the issuer") for t in ev.revocation_tried)
    assert any(NOWHERE in t for t in ev.revocation_tried)  # then the responder was tried


async def test_a_staple_for_another_certificate_is_not_believed(root, issuing, servers, tmp_path) -> None:
    cert, other = leaf(issuing, ocsp=NOWHERE), leaf(issuing)
    server = stapling(servers, [cert, issuing], ocsp_response(other, issuing, ocsp.OCSPCertStatus.REVOKED))
    result = await tls_probe(server.port, tmp_path, root)
    assert result.findings == [] and result.evidence.revocation == "unknown", result.summary


async def test_no_staple_falls_back_to_the_responder(root, issuing, servers, tmp_path) -> None:
    cert, responder = revoking_responder(servers, issuing)
    server = stapling(servers, [cert, issuing])
    result = await tls_probe(server.port, tmp_path, root)
    assert [f.id for f in result.findings] == ["tls.cert_revoked"]
    ev = result.evidence
    assert ev.ocsp_stapled is False and ev.revocation_source == "ocsp" and len(responder.requests) == 1
    assert ev.revocation_tried[0] == "stapled OCSP: the server stapled no response"


async def test_the_same_leaf_on_the_same_server_reuses_its_recent_answer(root, issuing, servers, tmp_path,
                                                                           monkeypatch) -> None:
    cert = leaf(issuing, ocsp=NOWHERE)
    server = stapling(servers, [cert, issuing], ocsp_response(cert, issuing, ocsp.OCSPCertStatus.REVOKED))
    first, again = await tls_probe(server.port, tmp_path, root), await tls_probe(server.port, tmp_path, root)
    assert server.asked == 1  # a monitor's next scrape makes one handshake, not two
    for result in (first, again):
        assert [f.id for f in result.findings] == ["tls.cert_revoked"]
        assert result.evidence.revocation_source == "stapled_ocsp"
    assert any("same certificate" in t for t in again.evidence.revocation_tried)
    monkeypatch.setattr("probes.tls.stapling.KEEP_SECONDS", 0.0)
    await tls_probe(server.port, tmp_path, root)
    assert server.asked == 2  # too old: asked again
