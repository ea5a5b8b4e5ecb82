"""The tls probe judges as the browser does: one real loopback server per class of fault."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509 import ocsp

from demo.web import Page, WebServer
from probes.base import ProbeResult
from tests.probes.tls.pki import Issued, authority, leaf, legacy_leaf, rsa_key, server_context
from tests.probes.tls.runs import tls_probe


def serve(servers: list[WebServer], context: ssl.SSLContext | None, routes: dict[str, Page] | None = None) -> WebServer:
    server = WebServer(routes or {"/": Page("portal")}, ssl_context=context).start()
    servers.append(server)
    return server


def ids(result: ProbeResult) -> list[str]:
    return [f.id for f in result.findings]


async def test_leaf_without_subject_alt_name_is_a_name_mismatch(root, servers, tmp_path) -> None:
    server = serve(servers, server_context([leaf(root, san=False)]))
    result = await tls_probe(server.port, tmp_path, root)
    assert ids(result) == ["tls.hostname_mismatch"]
    assert result.findings[0].data["has_san"] is False and "subjectAltName" in result.findings[0].summary


@pytest.mark.parametrize("digest", ["sha1", "md5"])
async def test_weak_signature(servers, tmp_path, digest: str) -> None:
    rsa_root = authority("Legacy Root", "Legacy", key=rsa_key())
    server = serve(servers, server_context([legacy_leaf(rsa_root, digest)]))
    result = await tls_probe(server.port, tmp_path, rsa_root)
    assert ids(result) == ["tls.weak_signature"]
    assert digest in result.findings[0].data["weaknesses"][0]["detail"].lower()


async def test_512_bit_key_is_critical(root, servers, tmp_path) -> None:
    server = serve(servers, server_context([legacy_leaf(root, rsa_bits=512)], tls12=True))
    result = await tls_probe(server.port, tmp_path, root)
    assert ids(result) == ["tls.weak_key"] and result.findings[0].severity == "critical"


async def test_1024_bit_key_under_a_trusted_root_is_only_a_warning(root, servers, tmp_path) -> None:
    server = serve(servers, server_context([legacy_leaf(root, rsa_bits=1024)]))
    result = await tls_probe(server.port, tmp_path, root)
    assert ids(result) == ["tls.weak_key"] and result.status == "warn"


async def test_rsa_key_exchange_only_passes_as_in_chrome(root, servers, tmp_path) -> None:
    server = serve(servers, server_context([leaf(root, key=rsa_key())], ciphers="AES128-GCM-SHA256"))
    result = await tls_probe(server.port, tmp_path, root)
    assert result.status == "pass", result.summary
    assert result.evidence.cipher == "AES128-GCM-SHA256"


async def test_dhe_only_is_a_handshake_failure(root, servers, tmp_path) -> None:
    server = serve(servers, server_context([leaf(root, key=rsa_key())], ciphers="DHE-RSA-AES128-GCM-SHA256"))
    result = await tls_probe(server.port, tmp_path, root)
    assert ids(result) == ["tls.handshake_failure"]
    assert result.findings[0].data["server_cipher"] == "DHE-RSA-AES128-GCM-SHA256"


@pytest.mark.parametrize("tls12", [False, True])
async def test_client_certificate_required(root, servers, tmp_path, tls12: bool) -> None:
    context = server_context([leaf(root)], tls12=tls12)
    context.verify_mode = ssl.CERT_REQUIRED
    context.load_verify_locations(cadata=root.pem().decode())
    server = serve(servers, context)
    result = await tls_probe(server.port, tmp_path, root)
    assert ids(result) == ["tls.client_cert_required"]


async def test_optional_client_certificate_is_no_fault(root, servers, tmp_path) -> None:
    context = server_context([leaf(root)])
    context.verify_mode = ssl.CERT_OPTIONAL
    context.load_verify_locations(cadata=root.pem().decode())
    result = await tls_probe(serve(servers, context).port, tmp_path, root)
    assert result.status == "pass" and result.evidence.client_certificate_requested


async def test_unknown_root_sending_only_the_leaf_is_untrusted(servers, tmp_path, root) -> None:
    stranger = authority("Stranger Root CA", "Stranger Org")
    server = serve(servers, server_context([leaf(stranger)]))
    result = await tls_probe(server.port, tmp_path, root)
    assert ids(result) == ["tls.untrusted_issuer"]


async def test_missing_intermediate_fetched_from_aia_is_an_incomplete_chain(root, issuing, servers, tmp_path) -> None:
    aia = serve(servers, None, {"/issuing.der": Page(issuing.der(), content_type="application/pkix-cert")})
    server = serve(servers, server_context([leaf(issuing, ca_issuers=aia.url("/issuing.der"))]))
    result = await tls_probe(server.port, tmp_path, root)
    assert ids(result) == ["tls.incomplete_chain"]
    assert result.findings[0].data["aia_completed"] is True and aia.requests


async def test_aia_to_an_unknown_root_is_untrusted(issuing, servers, tmp_path) -> None:
    aia = serve(servers, None, {"/issuing.der": Page(issuing.der())})
    server = serve(servers, server_context([leaf(issuing, ca_issuers=aia.url("/issuing.der"))]))
    other = authority("Other Root", "Other")
    result = await tls_probe(server.port, tmp_path, other)
    assert ids(result) == ["tls.untrusted_issuer"] and result.evidence.aia_completed is False


def ocsp_answer(cert: Issued, issuer: Issued, status: ocsp.OCSPCertStatus) -> bytes:
    now = datetime.now(UTC)
    revoked = status == ocsp.OCSPCertStatus.REVOKED
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=cert.cert, issuer=issuer.cert, algorithm=hashes.SHA1(), cert_status=status,
        this_update=now, next_update=now + timedelta(days=1),
        revocation_time=now - timedelta(hours=1) if revoked else None,
        revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
    ).responder_id(ocsp.OCSPResponderEncoding.HASH, issuer.cert)
    from cryptography.hazmat.primitives.serialization import Encoding
    return builder.sign(issuer.key, hashes.SHA256()).public_bytes(Encoding.DER)


@pytest.mark.parametrize(("status", "cause"), [
    (ocsp.OCSPCertStatus.REVOKED, ["tls.cert_revoked"]),
    (ocsp.OCSPCertStatus.GOOD, []),
])
async def test_revocation_from_the_ocsp_responder(root, issuing, servers, tmp_path, status, cause) -> None:
    responder = serve(servers, None)
    cert = leaf(issuing, ocsp=responder.url("/ocsp"))
    responder.routes["/ocsp"] = Page(ocsp_answer(cert, issuing, status), content_type="application/ocsp-response")
    server = serve(servers, server_context([cert, issuing]))
    result = await tls_probe(server.port, tmp_path, root)
    assert ids(result) == cause
    assert result.evidence.revocation_source == "ocsp"


async def test_unreachable_responder_is_recorded_never_a_finding(root, issuing, servers, tmp_path) -> None:
    cert = leaf(issuing, ocsp="http://127.0.0.1:9/ocsp")
    result = await tls_probe(serve(servers, server_context([cert, issuing])).port, tmp_path, root)
    assert result.status == "pass" and result.evidence.revocation == "unknown"
    assert result.evidence.revocation_tried


@pytest.mark.parametrize(("root_name", "product"), [
    ("Superfish, Inc.", "Superfish VisualDiscovery"),
    ("eDellRoot", "Dell eDellRoot"),
    ("DSDTestProvider", "Dell System Detect (DSDTestProvider)"),
    ("preact-cli", "preact-cli development server"),
    ("webpack-dev-server", "webpack-dev-server"),
])
@pytest.mark.parametrize("trusted", [True, False])
async def test_known_bad_roots(servers, tmp_path, root, root_name: str, product: str, trusted: bool) -> None:
    bad = authority(root_name, root_name)
    server = serve(servers, server_context([leaf(bad)]))
    result = await tls_probe(server.port, tmp_path, *([bad] if trusted else [root]))
    if trusted:
        assert ids(result) == ["tls.intercepted"]
        finding = result.findings[0]
        assert finding.data["product"] == product and finding.remediation and finding.data["kind"] != "inspection"
    else:
        assert ids(result) == ["tls.untrusted_issuer"]
