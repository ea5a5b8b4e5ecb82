"""Certificates for the browser-rules tests: a root, an intermediate, leaves with one fault each.

Built with cryptography, except what it refuses to make (SHA-1 and MD5 signatures, RSA
keys under 1024 bits): those come from the `openssl` command line, as a CA would have
made them years ago.
"""

from __future__ import annotations

import ssl
import subprocess
import tempfile
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
NOW = datetime.now(UTC).replace(microsecond=0)


@dataclass
class Issued:
    cert: x509.Certificate
    key: PrivateKey

    def pem(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.PEM)

    def der(self) -> bytes:
        return self.cert.public_bytes(serialization.Encoding.DER)

    def key_pem(self) -> bytes:
        return self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption())


def name(common_name: str, organization: str | None = None) -> x509.Name:
    attributes = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)] if organization else []
    return x509.Name([*attributes, x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def authority(common_name: str, organization: str | None = None, parent: Issued | None = None,
              key: PrivateKey | None = None) -> Issued:
    key = key or ec.generate_private_key(ec.SECP256R1())
    subject = name(common_name, organization)
    builder = _base(subject, parent.cert.subject if parent else subject, key).add_extension(
        x509.BasicConstraints(ca=True, path_length=None), critical=True)
    return Issued(builder.sign(parent.key if parent else key, hashes.SHA256()), key)


def leaf(issuer: Issued, host: str = "localhost", *, san: bool = True, key: PrivateKey | None = None,
         ca_issuers: str | None = None, ocsp: str | None = None, lifetime: timedelta | None = None) -> Issued:
    """A server certificate for `host`; `lifetime` from notBefore to notAfter (61 days unless told)."""
    key = key or ec.generate_private_key(ec.SECP256R1())
    builder = _base(name(host), issuer.cert.subject, key, lifetime or timedelta(days=61))
    if san:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
    access = [
        x509.AccessDescription(method, x509.UniformResourceIdentifier(url))
        for method, url in ((AuthorityInformationAccessOID.CA_ISSUERS, ca_issuers),
                            (AuthorityInformationAccessOID.OCSP, ocsp)) if url
    ]
    if access:
        builder = builder.add_extension(x509.AuthorityInformationAccess(access), critical=False)
    return Issued(builder.sign(issuer.key, hashes.SHA256()), key)


def legacy_leaf(issuer: Issued, digest: str = "sha256", rsa_bits: int = 2048, host: str = "localhost") -> Issued:
    """A leaf made by `openssl` with a `digest` signature and an RSA key of `rsa_bits`."""
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "ca.pem").write_bytes(issuer.pem())
        (d / "ca.key").write_bytes(issuer.key_pem())
        (d / "ext").write_text(f"subjectAltName=DNS:{host}\nbasicConstraints=CA:FALSE\n")
        _openssl("genrsa", "-out", str(d / "leaf.key"), str(rsa_bits))
        _openssl("req", "-new", "-key", str(d / "leaf.key"), "-subj", f"/CN={host}", "-out", str(d / "leaf.csr"))
        _openssl("x509", "-req", "-in", str(d / "leaf.csr"), "-CA", str(d / "ca.pem"), "-CAkey", str(d / "ca.key"),
                 "-set_serial", str(x509.random_serial_number()), "-days", "30", f"-{digest}",
                 "-extfile", str(d / "ext"), "-out", str(d / "leaf.pem"))
        cert = x509.load_pem_x509_certificate((d / "leaf.pem").read_bytes())
        key = serialization.load_pem_private_key((d / "leaf.key").read_bytes(), None, unsafe_skip_rsa_key_validation=True)
    assert isinstance(key, rsa.RSAPrivateKey)
    return Issued(cert, key)


def server_context(chain: list[Issued], *, ciphers: str | None = None, tls12: bool = False) -> ssl.SSLContext:
    """A server context sending `chain` (leaf first, with the leaf's key)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.set_ciphers((ciphers or "DEFAULT") + ":@SECLEVEL=0")
    if tls12 or ciphers:
        context.maximum_version = ssl.TLSVersion.TLSv1_2
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "chain.pem"
        path.write_bytes(chain[0].key_pem() + b"".join(c.pem() for c in chain))
        context.load_cert_chain(path)
        if ciphers and "DHE" in ciphers:
            params = Path(tmp) / "dh.pem"
            _openssl("genpkey", "-genparam", "-algorithm", "DH", "-pkeyopt", "dh_param:ffdhe2048", "-out", str(params))
            context.load_dh_params(str(params))
    return context


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rsa.generate_private_key(65537, bits)


def _base(subject: x509.Name, issuer: x509.Name, key: PrivateKey,
          lifetime: timedelta = timedelta(days=61)) -> x509.CertificateBuilder:
    start = NOW - timedelta(days=1)
    return (
        x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start).not_valid_after(start + lifetime)
    )


def _openssl(*args: str) -> None:
    subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)


def ocsp_response(cert: Issued, issuer: Issued, status: ocsp.OCSPCertStatus, signer: Issued | None = None) -> bytes:
    """A DER OCSP answer for `cert`, signed by `signer` (the issuer unless told), current for a day."""
    signer = signer or issuer
    revoked = status == ocsp.OCSPCertStatus.REVOKED
    builder = ocsp.OCSPResponseBuilder().add_response(
        cert=cert.cert, issuer=issuer.cert, algorithm=hashes.SHA1(), cert_status=status,
        this_update=NOW - timedelta(minutes=5), next_update=NOW + timedelta(days=1),
        revocation_time=NOW - timedelta(hours=1) if revoked else None,
        revocation_reason=x509.ReasonFlags.key_compromise if revoked else None,
    ).responder_id(ocsp.OCSPResponderEncoding.HASH, signer.cert)
    return builder.sign(signer.key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
