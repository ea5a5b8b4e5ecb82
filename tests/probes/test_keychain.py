"""A Mac's keychain roots, trusted for servers as Chrome trusts them there, read through `security`.

Off macOS, `security` is a script on PATH that logs each start and answers from files in the
shape macOS gives (`find-certificate -a -p`: PEM; `trust-settings-export`: Apple's trust
settings plist, or "No Trust Settings were found" and an error). The portal is a real TLS
server on loopback, diagnosed by the real TLS probe and fetched by the real HTTP client.
"""

from __future__ import annotations

import hashlib
import os
import plistlib
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from demo.certs import DemoCA
from demo.web import Page, WebServer
from probes.net import trust_store
from probes.net.httpclient import client_for
from probes.osinfo import root_store
from probes.osinfo.keychain import KeychainTrust, decided, keychain_trust, settings_trust, trust_list
from probes.tls import verifier
from probes.tls.probe import TlsProbe
from tests.probes.local_tls import pinned_context, tls_result

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="a shell script stands in for `security`")

DATA = Path(__file__).parents[1] / "data" / "osinfo"
SSL = bytes.fromhex("2A864886F763640103")  # 1.2.840.113635.100.1.3 as the plist holds it
SMIME = bytes.fromhex("2A864886F763640108")


def constraint(policy: bytes | None = SSL, result: int | None = 1, **more: Any) -> dict[str, Any]:
    entry: dict[str, Any] = dict(more)
    if policy is not None:
        entry["kSecTrustSettingsPolicy"] = policy
    if result is not None:
        entry["kSecTrustSettingsResult"] = result
    return entry


def trust_plist(settings: dict[bytes, list[dict[str, Any]] | None]) -> bytes:
    """An exported trust-settings plist: for each DER certificate, its usage constraints (None: the key left out)."""
    trust: dict[str, Any] = {}
    for der, constraints in settings.items():
        cert = x509.load_der_x509_certificate(der)
        entry: dict[str, Any] = {"issuerName": cert.issuer.public_bytes(), "modDate": datetime(2026, 3, 2, tzinfo=UTC),
                                 "serialNumber": cert.serial_number.to_bytes(20, "big").lstrip(b"\0")}
        if constraints is not None:
            entry["trustSettings"] = constraints
        trust[sha1(der)] = entry
    return plistlib.dumps({"trustList": trust, "trustVersion": 1})


def sha1(der: bytes) -> str:
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()


def der_of(pem: bytes) -> bytes:
    return x509.load_pem_x509_certificates(pem)[0].public_bytes(Encoding.DER)


class FakeSecurity:
    """`security` as a process: the keychain's certificates from `keychain.pem`, each domain's trust settings
    from `user.plist` and `admin.plist` (absent: none, as macOS says it)."""

    def __init__(self, folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        self.folder = folder
        self.log = folder / "started.log"
        (folder / "keychain.pem").write_text("")
        script = folder / "security"
        script.write_text(
            f'#!/bin/sh\necho "$*" >> "{self.log}"\n'
            'case "$1" in\n'
            f'  find-certificate) cat "{folder}/keychain.pem" ;;\n'
            '  trust-settings-export)\n'
            f'    if [ "$2" = "-d" ]; then src="{folder}/admin.plist"; dest="$3"; '
            f'else src="{folder}/user.plist"; dest="$2"; fi\n'
            '    if [ -f "$src" ]; then cp "$src" "$dest"; else\n'
            '      echo "SecTrustSettingsCreateExternalRepresentation: No Trust Settings were found." >&2; exit 1; fi ;;\n'
            '  *) exit 64 ;;\n'
            'esac\n'
        )
        script.chmod(0o755)
        monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")

    def holds(self, *pems: bytes) -> None:
        (self.folder / "keychain.pem").write_bytes(b"".join(pems))

    def trusts(self, domain: str, settings: dict[bytes, list[dict[str, Any]] | None]) -> None:
        (self.folder / f"{domain}.plist").write_bytes(trust_plist(settings))

    @property
    def started(self) -> list[str]:
        return self.log.read_text().splitlines() if self.log.exists() else []


@pytest.fixture
def security(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeSecurity:
    folder = tmp_path / "bin"
    folder.mkdir()
    return FakeSecurity(folder, monkeypatch)


@pytest.fixture
def on_a_mac(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Trust read as on macOS, every cache of it empty before and after."""
    monkeypatch.setattr(root_store, "current_os", lambda: "macos")
    monkeypatch.setattr(trust_store, "current_os", lambda: "macos")
    monkeypatch.delattr("ssl.enum_certificates", raising=False)
    caches = (root_store._keychain.cache_clear, verifier._anchors.cache_clear, verifier._distrusted.cache_clear,
              trust_store._CONTEXTS.clear)
    for clear in caches:
        clear()
    yield
    for clear in caches:
        clear()


def test_the_exported_shape_is_read_as_chromium_reads_it() -> None:
    entries = trust_list((DATA / "trust_settings_admin.plist").read_bytes())
    seen = {key[0]: settings_trust(entry["trustSettings"], self_issued=True) for key, entry in entries.items()}
    # for everything; for SSL; for S/MIME only; denied for SSL; for one host name only
    assert seen == {"1": "trusted", "2": "trusted", "3": None, "4": "distrusted", "5": None}


@pytest.mark.parametrize(("settings", "self_issued", "expected"), [
    ([], True, "trusted"),
    ([], False, None),  # "always trust" is for roots
    (None, True, "trusted"),  # no constraints written: wide open
    ([constraint(result=None)], True, "trusted"),  # no result means "trust as root"
    ([constraint(result=2)], False, "trusted"),  # an intermediate made a root
    ([constraint(result=1)], False, None),
    ([constraint(result=4)], True, None),  # unspecified
    ([constraint(policy=None)], True, "trusted"),  # no policy: every policy
    ([constraint(policy="1.2.840.113635.100.1.3")], True, "trusted"),  # the OID as text
    ([constraint(kSecTrustSettingsApplication=b"app")], True, None),
    ([constraint(policy=SMIME), constraint(result=3)], True, "distrusted"),  # the first that applies decides
    ([constraint(result=3), constraint(result=1)], True, "distrusted"),
    ("not a list", True, None),
])
def test_usage_constraints(settings: object, self_issued: bool, expected: str | None) -> None:
    assert settings_trust(settings, self_issued) == expected


def test_the_users_settings_override_the_administrators() -> None:
    kept, denied, plain = (trustme.CA().cert_pem.bytes() for _ in range(3))
    admin = trust_list(trust_plist({der_of(kept): [], der_of(denied): []}))
    user = trust_list(trust_plist({der_of(denied): [constraint(result=3)]}))
    pem = (kept + denied + plain).decode()
    assert decided(pem, [user, admin]) == KeychainTrust([der_of(kept)], [der_of(denied)])
    assert decided(pem, [{}, admin]) == KeychainTrust([der_of(kept), der_of(denied)], [])


def test_a_malformed_export_or_certificate_adds_nothing() -> None:
    root = trustme.CA().cert_pem.bytes()
    assert trust_list(b"not a plist") == {}
    assert trust_list(plistlib.dumps(["a list"])) == {}
    broken = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
    assert decided(broken + root.decode(), [trust_list(trust_plist({der_of(root): []}))]).trusted == [der_of(root)]


def test_both_domains_and_the_keychain_are_read(security: FakeSecurity) -> None:
    user_root, admin_root = trustme.CA().cert_pem.bytes(), trustme.CA().cert_pem.bytes()
    security.holds(user_root, admin_root)
    security.trusts("user", {der_of(user_root): [constraint()]})
    security.trusts("admin", {der_of(admin_root): []})
    assert keychain_trust() == KeychainTrust([der_of(user_root), der_of(admin_root)], [])
    assert [line.split()[0] for line in security.started] == [
        "find-certificate", "trust-settings-export", "trust-settings-export"]


def test_no_trust_settings_and_no_security_add_nothing(security: FakeSecurity, monkeypatch: pytest.MonkeyPatch) -> None:
    security.holds(trustme.CA().cert_pem.bytes())
    assert keychain_trust() == KeychainTrust([], [])  # both exports fail: "No Trust Settings were found"
    monkeypatch.setenv("PATH", str(security.folder / "empty"))
    assert keychain_trust() == KeychainTrust([], [])


def test_the_keychain_is_read_once_per_recheck_period(security: FakeSecurity, on_a_mac: None) -> None:
    root = trustme.CA().cert_pem.bytes()
    security.holds(root)
    security.trusts("admin", {der_of(root): []})
    now = [1000.0]
    for _ in range(3):
        assert root_store.system_store_roots(clock=lambda: now[0]) == [der_of(root)]
    assert len(security.started) == 3
    now[0] += root_store.STORE_RECHECK_SECONDS
    root_store.system_store_roots(clock=lambda: now[0])
    assert len(security.started) == 6
    assert root_store.system_store_roots(system="linux") == []


@pytest.mark.parametrize("trusted", [True, False])
async def test_a_root_trusted_in_the_keychain_is_trusted_by_the_probes(
    trusted: bool, security: FakeSecurity, on_a_mac: None, tmp_path: Path
) -> None:
    """An organisation's root in the System keychain, trusted for SSL by its administrator: Chrome trusts it, so
    do the TLS probe's path builder and the HTTP requests. In the keychain without trust settings, neither does."""
    ca = DemoCA("Example Clinic Group Root CA")
    pem = ca.write_bundle(tmp_path / "root.pem").read_bytes()
    security.holds(pem)
    if trusted:
        security.trusts("admin", {der_of(pem): [constraint()]})
    with WebServer({"/login": Page("portal")}, ssl_context=ca.server_context(["localhost"])) as server:
        url = f"https://localhost:{server.port}/login"
        ctx = pinned_context(url)
        result = await TlsProbe().run(ctx)
        async with client_for(ctx) as client:
            try:
                status: int | str = (await client.get(url)).status_code
            except Exception as exc:  # noqa: BLE001 - the refusal is the finding
                status = type(exc).__name__
    assert result.evidence.trusted is trusted
    assert ("tls.untrusted_issuer" in [f.id for f in result.findings]) is not trusted
    assert status == (200 if trusted else "ConnectError")


async def test_a_certificate_denied_in_the_keychain_is_distrusted(
    security: FakeSecurity, on_a_mac: None, tmp_path: Path
) -> None:
    """The user denies the issuing CA of a chain whose root the administrator trusts: Chrome refuses the path
    through it, and so does the TLS probe, naming it."""
    ca = DemoCA("Example Clinic Group Root CA")
    root = ca.write_bundle(tmp_path / "root.pem").read_bytes()
    issuing = ca.intermediate.cert_pem.bytes()
    security.holds(root, issuing)
    security.trusts("admin", {der_of(root): [constraint()]})
    security.trusts("user", {der_of(issuing): [constraint(result=3)]})
    assert root_store.system_store_distrusted() == [der_of(issuing)]
    with WebServer({"/login": Page("portal")}, ssl_context=ca.server_context(["localhost"])) as server:
        result = await tls_result(f"https://localhost:{server.port}/login")
    assert result.evidence.trusted is False
    assert "tls.untrusted_issuer" in [f.id for f in result.findings]
    assert result.evidence.trust_message.startswith(
        "the workstation's certificate store distrusts CN=Example Clinic Group Root CA - Issuing CA 1")
