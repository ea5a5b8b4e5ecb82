"""Windows' certificate store, as `ssl.enum_certificates` lists it, trusted by the TLS probe as Chrome and Edge trust it.

Off Windows the store is played by a stand-in for `ssl.enum_certificates` that lists
entries in the shape Windows gives them; the portal is a real TLS server on loopback.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from demo.certs import DemoCA
from demo.web import Page, WebServer
from probes.net.trust_store import store_signature
from probes.osinfo.root_store import SERVER_AUTH, STORE_RECHECK_SECONDS, system_store_distrusted, system_store_roots
from probes.tls import verifier
from tests.probes.local_tls import tls_result

CODE_SIGNING = "1.3.6.1.5.5.7.3.3"


def der_of(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificates(pem)[0].public_bytes(Encoding.DER)


def test_roots_trusted_for_servers_are_read() -> None:
    every, server, signing, packaged = (der_of(trustme.CA().cert_pem.bytes()) for _ in range(4))
    store = {"ROOT": [(every, "x509_asn", True), (server, "x509_asn", {SERVER_AUTH, CODE_SIGNING}),
                      (signing, "x509_asn", {CODE_SIGNING}), (packaged, "pkcs_7_asn", True)]}
    assert system_store_roots(store.__getitem__) == [every, server]


def test_a_store_that_cannot_be_opened_adds_nothing() -> None:
    def refuse(name: str) -> list[tuple[bytes, str, bool]]:
        raise PermissionError(5, "Access is denied")

    assert system_store_roots(refuse) == [] and system_store_distrusted(refuse) == []


def test_the_disallowed_store_is_read_whatever_the_purposes() -> None:
    blocked, other, packaged = (der_of(trustme.CA().cert_pem.bytes()) for _ in range(3))
    store = {"ROOT": [], "Disallowed": [(blocked, "x509_asn", {CODE_SIGNING}), (other, "x509_asn", True),
                                        (packaged, "pkcs_7_asn", True)]}
    assert system_store_distrusted(store.__getitem__) == [blocked, other]


def test_no_store_where_the_roots_are_files(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(ssl, "enum_certificates", raising=False)
    assert system_store_roots(system="linux") == [] and system_store_distrusted(system="linux") == []


@pytest.mark.parametrize("system", ["windows", "macos"])
def test_the_store_is_read_again_every_few_minutes_where_it_is_no_file(system: str) -> None:
    now = [1000.0]
    first = store_signature(None, system, lambda: now[0])
    now[0] += STORE_RECHECK_SECONDS
    assert store_signature(None, system, lambda: now[0]) != first
    assert store_signature(None, "linux", lambda: 0.0) == store_signature(None, "linux", lambda: now[0])


@pytest.fixture
def fresh_anchors() -> Iterator[None]:
    verifier._anchors.cache_clear()
    yield
    verifier._anchors.cache_clear()


@pytest.mark.parametrize("installed", [True, False])
async def test_a_root_only_in_the_windows_store_is_trusted(
    installed: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_anchors: None
) -> None:
    """An organisation's root, installed by policy in the store and in no file: the browser trusts it, so does the probe."""
    ca = DemoCA("Example Clinic Group Root CA")
    root = der_of(ca.write_bundle(tmp_path / "root.pem").read_bytes())
    monkeypatch.setattr(ssl, "enum_certificates",
                        lambda name: [(root, "x509_asn", True)] if installed and name == "ROOT" else [], raising=False)
    with WebServer({"/": Page("portal")}, ssl_context=ca.server_context(["localhost"])) as server:
        result = await tls_result(f"https://localhost:{server.port}/login")
    assert result.evidence.trusted is installed
    assert ("tls.untrusted_issuer" in [f.id for f in result.findings]) is not installed


@pytest.mark.parametrize("blocked", [None, "root", "intermediate"])
async def test_a_certificate_in_the_disallowed_store_is_distrusted(
    blocked: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_anchors: None
) -> None:
    """An administrator blocks a CA by putting it in the Disallowed store: Chrome and Edge then refuse a path
    through it, even to a root the ROOT store trusts, and so does the probe, saying which certificate it is."""
    ca = DemoCA("Example Clinic Group Root CA")
    root = der_of(ca.write_bundle(tmp_path / "root.pem").read_bytes())
    intermediate = der_of(ca.intermediate.cert_pem.bytes())
    store = {"ROOT": [(root, "x509_asn", True)],
             "Disallowed": [] if blocked is None else [({"root": root, "intermediate": intermediate}[blocked],
                                                        "x509_asn", True)]}
    monkeypatch.setattr(ssl, "enum_certificates", store.__getitem__, raising=False)
    verifier._distrusted.cache_clear()
    with WebServer({"/": Page("portal")}, ssl_context=ca.server_context(["localhost"])) as server:
        result = await tls_result(f"https://localhost:{server.port}/login")
    verifier._distrusted.cache_clear()
    assert result.evidence.trusted is (blocked is None)
    assert ("tls.untrusted_issuer" in [f.id for f in result.findings]) is (blocked is not None)
    if blocked is not None:
        name = "Example Clinic Group Root CA" + (" - Issuing CA 1" if blocked == "intermediate" else "")
        assert result.evidence.trust_message.startswith("the workstation's certificate store distrusts")
        assert name in result.evidence.trust_message


def test_a_replaced_bundle_is_trusted_anew(tmp_path: Path, fresh_anchors: None) -> None:
    """The probe's anchors follow the bundle as the HTTP requests' trust does (an exporter runs for months)."""
    bundle = tmp_path / "ca.pem"
    old, new = trustme.CA(), trustme.CA()
    old.cert_pem.write_to_path(str(bundle))
    before, _ = verifier.trust(bundle)
    new.cert_pem.write_to_path(str(bundle))
    seen = bundle.stat()
    os.utime(bundle, ns=(seen.st_atime_ns, seen.st_mtime_ns + 1_000_000_000))
    after, _ = verifier.trust(bundle)
    assert [c.public_bytes(Encoding.DER) for c in before] == [der_of(old.cert_pem.bytes())]
    assert [c.public_bytes(Encoding.DER) for c in after] == [der_of(new.cert_pem.bytes())]
