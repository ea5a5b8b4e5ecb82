"""Certificates for the demo portal and the tests: one root, and a server context per TLS fault.

Every fault the `tls` probe names has a `kind` here, served by a real handshake, so a
test injects a certificate problem by choosing a word. Keys are ECDSA P-256 (fast) and
authorities are cached per name for the life of the process, so a bundle written once
stays valid for every context built later.
"""

from __future__ import annotations

import ipaddress
import ssl
import warnings
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from cryptography.x509.oid import NameOID

KINDS = (
    "valid", "expired", "not_yet_valid", "expiring_soon", "wrong_host",
    "self_signed", "incomplete_chain", "weak_protocol",
)
WRONG_HOST = "wrong-host.example.invalid"


class DemoCA:
    """A trusted root with an issuing intermediate, as a public CA runs them."""

    def __init__(self, name: str = "Demo Portal Root CA") -> None:
        self.name = name
        self.root = _authority(name)
        self.intermediate = _authority(f"{name} - Issuing CA 1", parent=name)
        self._leaves: dict[tuple[tuple[str, ...], str], trustme.LeafCert] = {}

    def write_bundle(self, path: str | Path) -> Path:
        """Write the root (what `--ca-bundle` takes) to `path`."""
        target = Path(path)
        target.write_bytes(self.root.cert_pem.bytes())
        return target

    def server_context(self, hosts: list[str], kind: str = "valid") -> ssl.SSLContext:
        """A server-side context for `hosts` that shows the TLS fault `kind` (one of KINDS)."""
        if kind not in KINDS:
            raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        if kind == "self_signed":
            return _context(*_self_signed(tuple(hosts)))
        leaf = self._leaf(tuple(hosts), kind)
        chain = leaf.cert_chain_pems[:1] if kind == "incomplete_chain" else leaf.cert_chain_pems
        context = _context(leaf.private_key_pem.bytes(), [pem.bytes() for pem in chain])
        if kind == "weak_protocol":
            # TLS 1.0 only: OpenSSL 3 speaks it at security level 0, default clients refuse it
            context.set_ciphers("DEFAULT:@SECLEVEL=0")
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                context.minimum_version = ssl.TLSVersion.TLSv1
                context.maximum_version = ssl.TLSVersion.TLSv1
        return context

    def mitm_context(self, host: str, issuer_name: str = "mitmproxy") -> ssl.SSLContext:
        """A server context for `host` re-signed by an intercepting CA named `issuer_name`."""
        leaf = _mitm_leaf(host, issuer_name)
        return _context(leaf.private_key_pem.bytes(), [pem.bytes() for pem in leaf.cert_chain_pems])

    def mitm_ca_pem(self, issuer_name: str = "mitmproxy") -> bytes:
        """The intercepting CA's certificate, as a workstation with that product installed trusts it."""
        return _authority(issuer_name).cert_pem.bytes()

    def _leaf(self, hosts: tuple[str, ...], kind: str) -> trustme.LeafCert:
        key = (hosts, kind)
        if key not in self._leaves:
            now = datetime.now(UTC).replace(microsecond=0)
            not_before, not_after = {
                "expired": (now - timedelta(days=400), now - timedelta(days=30)),
                "not_yet_valid": (now + timedelta(days=30), now + timedelta(days=400)),
                "expiring_soon": (now - timedelta(days=83), now + timedelta(days=7)),
            }.get(kind, (now - timedelta(days=1), now + timedelta(days=89)))
            names = (WRONG_HOST,) if kind == "wrong_host" else hosts
            self._leaves[key] = self.intermediate.issue_cert(
                *names, common_name=names[0], organization_name=self.name, organization_unit_name="Portal",
                not_before=not_before, not_after=not_after,
            )
        return self._leaves[key]


@cache
def _authority(name: str, parent: str | None = None) -> trustme.CA:
    """A CA whose subject CN and O are `name` (trustme names a CA only by O/OU), signed by `parent`."""
    key = ec.generate_private_key(ec.SECP256R1())
    issuer_ca = _authority(parent) if parent else None
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
        x509.NameAttribute(NameOID.COMMON_NAME, name),
    ])
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_ca._certificate.subject if issuer_ca else subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=365))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0 if parent else None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    signer = issuer_ca._private_key if issuer_ca else key
    cert = builder.sign(signer, hashes.SHA256())
    ca = trustme.CA.from_pem(cert.public_bytes(Encoding.PEM), _key_pem(key))
    ca.parent_cert = issuer_ca
    return ca


@cache
def _mitm_leaf(host: str, issuer_name: str) -> trustme.LeafCert:
    return _authority(issuer_name).issue_cert(
        host, common_name=host, organization_name=issuer_name, organization_unit_name="Portal"
    )


@cache
def _self_signed(hosts: tuple[str, ...]) -> tuple[bytes, list[bytes]]:
    """A certificate that is its own issuer, as appliances ship by default."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.SubjectAlternativeName([_general_name(h) for h in hosts]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return _key_pem(key), [cert.public_bytes(Encoding.PEM)]


def _general_name(host: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(Encoding.PEM, PrivateFormat.TraditionalOpenSSL, NoEncryption())


def _context(key_pem: bytes, chain_pems: list[bytes]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with trustme.Blob(key_pem + b"".join(chain_pems)).tempfile() as path:
        context.load_cert_chain(path)
    return context
