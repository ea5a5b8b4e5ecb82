"""The certificates a server sent, read with `cryptography` into plain facts.

OpenSSL stops at the first problem it meets; reading every certificate ourselves lets
the probe report all of them (an expired certificate that also names the wrong host)
and judge dates against the injected clock rather than the machine's.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import hashlib
import ipaddress
from datetime import datetime
from functools import lru_cache

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID
from pydantic import BaseModel, ConfigDict, Field


class CertificateInfo(BaseModel):
    """One certificate of the chain, as sent (position 0 is the server's own)."""

    model_config = ConfigDict(frozen=True)  # read once, shared by every run that meets it again

    subject: str
    issuer: str
    subject_common_name: str | None = None
    issuer_common_name: str | None = None
    issuer_organization: str | None = None
    dns_names: list[str] = []
    ip_addresses: list[str] = []
    not_before: datetime
    not_after: datetime
    serial: str = Field(description="hexadecimal")
    sha256: str = Field(description="SHA-256 fingerprint of the DER certificate, hexadecimal")
    spki_sha256: str = Field(description="SHA-256 of the public key (SubjectPublicKeyInfo), hexadecimal")
    key_type: str
    key_size: int | None = None
    signature_algorithm: str
    is_ca: bool = False
    self_signed: bool = Field(default=False, description="its own issuer, by name and signature")
    authority_key_id: str | None = None
    subject_key_id: str | None = None
    ca_issuers: list[str] = Field(default=[], description="AIA caIssuers URLs")


def read_chain(ders: list[bytes]) -> list[CertificateInfo]:
    """Every certificate in `ders`, in the order sent; ValueError when one cannot be parsed."""
    return [read_certificate(der) for der in ders]


@lru_cache(maxsize=256)
def read_certificate(der: bytes) -> CertificateInfo:
    """One certificate's facts; kept by its bytes, since a monitor meets the same chain on every scrape."""
    cert = x509.load_der_x509_certificate(der)
    key = cert.public_key()
    key_type, key_size = _key_facts(key)
    spki = key.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)
    sans = _subject_alt_names(cert)
    return CertificateInfo(
        subject=cert.subject.rfc4514_string(),
        issuer=cert.issuer.rfc4514_string(),
        subject_common_name=_first(cert.subject, NameOID.COMMON_NAME),
        issuer_common_name=_first(cert.issuer, NameOID.COMMON_NAME),
        issuer_organization=_first(cert.issuer, NameOID.ORGANIZATION_NAME),
        dns_names=sans.get_values_for_type(x509.DNSName),
        ip_addresses=[str(ip) for ip in sans.get_values_for_type(x509.IPAddress)],
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        serial=format(cert.serial_number, "x"),
        sha256=hashlib.sha256(der).hexdigest(),
        spki_sha256=hashlib.sha256(spki).hexdigest(),
        key_type=key_type,
        key_size=key_size,
        signature_algorithm=_signature_name(cert),
        is_ca=_is_ca(cert),
        self_signed=_self_signed(cert),
        authority_key_id=_extension_hex(cert, x509.AuthorityKeyIdentifier, "key_identifier"),
        subject_key_id=_extension_hex(cert, x509.SubjectKeyIdentifier, "digest"),
        ca_issuers=access_urls(cert, AuthorityInformationAccessOID.CA_ISSUERS),
    )


def names_host(cert: CertificateInfo, host: str) -> bool:
    """Whether `cert` is valid for `host`: its SANs (a wildcard covers one left label), else its CN."""
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        ip = None
    if ip is not None:
        return any(ipaddress.ip_address(a) == ip for a in cert.ip_addresses)
    wanted = host.rstrip(".").lower()
    names = cert.dns_names
    if not names and not cert.ip_addresses and cert.subject_common_name:
        names = [cert.subject_common_name]
    return any(_dns_match(name.rstrip(".").lower(), wanted) for name in names)


def _dns_match(pattern: str, host: str) -> bool:
    if pattern == host:
        return True
    if not pattern.startswith("*."):
        return False
    suffix = pattern[1:]
    first, _, rest = host.partition(".")
    return bool(first) and "." + rest == suffix and suffix.count(".") >= 2


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else None


def _subject_alt_names(cert: x509.Certificate) -> x509.SubjectAlternativeName:
    """The certificate's SAN extension; an empty one when it has none."""
    try:
        return cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return x509.SubjectAlternativeName([])


def _key_facts(key: object) -> tuple[str, int | None]:
    if isinstance(key, rsa.RSAPublicKey):
        return "RSA", key.key_size
    if isinstance(key, ec.EllipticCurvePublicKey):
        return f"EC {key.curve.name}", key.key_size
    if isinstance(key, dsa.DSAPublicKey):
        return "DSA", key.key_size
    if isinstance(key, ed25519.Ed25519PublicKey):
        return "Ed25519", 256
    if isinstance(key, ed448.Ed448PublicKey):
        return "Ed448", 456
    return type(key).__name__, None


def _signature_name(cert: x509.Certificate) -> str:
    oid = cert.signature_algorithm_oid
    name = getattr(oid, "_name", "Unknown OID")  # cryptography's display name for the OID
    return oid.dotted_string if name == "Unknown OID" else str(name)


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _self_signed(cert: x509.Certificate) -> bool:
    if cert.subject != cert.issuer:
        return False
    try:
        cert.verify_directly_issued_by(cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def _extension_hex(cert: x509.Certificate, kind: type[x509.ExtensionType], field: str) -> str | None:
    try:
        value = getattr(cert.extensions.get_extension_for_class(kind).value, field)
    except x509.ExtensionNotFound:
        return None
    return value.hex() if value else None


def access_urls(cert: x509.Certificate, method: x509.ObjectIdentifier) -> list[str]:
    """The URLs the certificate's Authority Information Access names for `method` (caIssuers, OCSP)."""
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return []
    return [
        d.access_location.value
        for d in aia
        if d.access_method == method and isinstance(d.access_location, x509.UniformResourceIdentifier)
    ]
