"""With --ca-bundle, Chromium judges certificates itself, and its error names the tls probe's first cause.

One browser is launched the way a run launches it (its trust from a throwaway NSS
database built from the bundle); each case serves one faulty certificate on loopback
and runs the tls and browser probes against it.
"""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from demo.web import WebServer
from probes.web.session import BrowserSession, get_browser
from probes.web.trust import browser_env
from tests.probes.browser_support import context, descendants, needs_chromium, portal_routes
from tests.probes.tls.pki import NOW, Issued, leaf, name, server_context
from tests.probes.tls.runs import HOST, tls_then_browser

pytestmark = [needs_chromium, pytest.mark.asyncio(loop_scope="module")]


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def run_browser(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BrowserSession]:
    """A browser launched as a run launches it with --ca-bundle; its home is removed with the run's resources."""
    ctx = context("https://localhost/", tmp_path_factory.mktemp("run"), ca_bundle=bundle)
    async with ctx.resources:
        session = await get_browser(ctx)
        homes = set(Path(tempfile.gettempdir()).glob("diagnose-browser-home-*"))
        assert any((h / ".pki" / "nssdb" / "cert9.db").is_file() for h in homes)
        yield session
    assert not any(p for p in descendants() if "chrom" in p[1])
    assert not any(h.exists() for h in homes)  # the throwaway database went with the run


def expired(issuer: Issued) -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name(HOST)).issuer_name(issuer.cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=90)).not_valid_after(NOW - timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
            .sign(issuer.key, hashes.SHA256()))
    return Issued(cert, key)


def self_signed() -> Issued:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name(HOST)).issuer_name(name(HOST))
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(NOW - timedelta(days=1)).not_valid_after(NOW + timedelta(days=60))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
            .sign(key, hashes.SHA256()))
    return Issued(cert, key)


def serve(servers: list[WebServer], chain: list[Issued]) -> WebServer:
    server = WebServer(portal_routes(), ssl_context=server_context(chain)).start()
    servers.append(server)
    return server


@pytest.mark.parametrize(("make", "net_error", "cause"), [
    (lambda root: [expired(root)], "net::ERR_CERT_DATE_INVALID", "tls.cert_expired"),
    (lambda root: [leaf(root, host="elsewhere.test")], "net::ERR_CERT_COMMON_NAME_INVALID", "tls.hostname_mismatch"),
    (lambda root: [leaf(root, san=False)], "net::ERR_CERT_COMMON_NAME_INVALID", "tls.hostname_mismatch"),
    (lambda root: [self_signed()], "net::ERR_CERT_AUTHORITY_INVALID", "tls.untrusted_issuer"),
], ids=["expired", "wrong_host", "no_san", "self_signed"])
async def test_the_browser_error_agrees_with_the_tls_probe(
    run_browser: BrowserSession, root: Issued, bundle: Path, servers: list[WebServer], tmp_path: Path,
    make, net_error: str, cause: str,  # noqa: ANN001 - a certificate factory
) -> None:
    server = serve(servers, make(root))
    tls, browser = await tls_then_browser(server.url("/login", host=HOST), bundle, run_browser, tmp_path)
    assert [f.id for f in tls.findings][:1] == [cause], tls.summary
    assert browser.evidence.navigation_error == net_error, browser.summary
    assert [f.id for f in browser.findings] == [cause]
    shot = browser.evidence.screenshot  # of Chromium's own error page
    assert shot and Path(shot).is_file(), browser.evidence.screenshot_error


async def test_a_certificate_the_bundle_trusts_loads(
    run_browser: BrowserSession, root: Issued, bundle: Path, servers: list[WebServer], tmp_path: Path
) -> None:
    server = serve(servers, [leaf(root)])
    tls, browser = await tls_then_browser(server.url("/login", host=HOST), bundle, run_browser, tmp_path)
    assert tls.findings == [] and tls.status == "pass", tls.summary
    assert browser.status == "pass", browser.summary
    assert browser.evidence.login_form == "password"


async def test_the_browser_never_sees_diagnose_variables(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DIAGNOSE_PASSWORD", "s3cret")
    monkeypatch.setenv("PATH_FOR_TEST", "kept")
    env = browser_env(tmp_path)
    assert "DIAGNOSE_PASSWORD" not in env and env["PATH_FOR_TEST"] == "kept" and env["HOME"] == str(tmp_path)
    assert "HOME" not in browser_env(None) or browser_env(None)["HOME"] != str(tmp_path)

