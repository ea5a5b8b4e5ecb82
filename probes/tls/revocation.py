"""Is the leaf revoked? A stapled OCSP answer first, then its issuer's responder, then its CRL.

Chromium honours a "revoked" the server itself staples to the handshake, even when no
responder is reachable, so the staple (`stapling.py`) is asked for first; a believed
staple settles it without any fetch. Otherwise the responder named in the leaf's AIA,
else the CRL distribution point, is fetched through `client_for`. An answer is believed
only when it is for this leaf, current, and signed by the issuer (or, for OCSP, a
responder the issuer delegated to); anything else is "could not check", recorded in
evidence and never a finding.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.hashes import SHA1, HashAlgorithm
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from cryptography.x509.oid import AuthorityInformationAccessOID, ExtendedKeyUsageOID

from probes.tls.aia import fetch
from probes.tls.chain import access_urls
from probes.tls.stapling import Staple

if TYPE_CHECKING:
    from probes.base import ProbeContext

Status = Literal["good", "revoked", "unknown"]
Source = Literal["stapled_ocsp", "ocsp", "crl"]
Stapler = Callable[[], Awaitable[Staple]]


@dataclass
class Revocation:
    """What the revocation check found, and how."""

    status: Status = "unknown"
    source: Source | None = None
    stapled: bool | None = None  # the server stapled an answer (None: not asked)
    revoked_at: datetime | None = None
    reason: str | None = None
    tried: list[str] = field(default_factory=list)


async def check(ctx: ProbeContext, leaf: x509.Certificate, issuer: x509.Certificate, timeout: float,
                stapler: Stapler | None = None) -> Revocation:
    """The leaf's status from a stapled answer, else OCSP, else its CRL; "unknown" with what was tried."""
    result = Revocation()
    if stapler is not None:
        staple = await stapler()
        result.stapled = staple.response is not None
        result.tried.append(staple.note)
        if staple.response is not None and _believe(staple.response, "stapled OCSP", leaf, issuer, ctx, result):
            result.source = "stapled_ocsp"
            return result
    responders, crls = access_urls(leaf, AuthorityInformationAccessOID.OCSP)[:2], _crl_urls(leaf)[:2]
    for url in responders:
        if await _ocsp(ctx, url, leaf, issuer, timeout, result):
            return result
    for url in crls:
        if await _crl(ctx, url, leaf, issuer, timeout, result):
            return result
    if not responders and not crls:
        result.tried.append("the certificate names no OCSP responder and no CRL")
    return result


async def _ocsp(ctx: ProbeContext, url: str, leaf: x509.Certificate, issuer: x509.Certificate,
                timeout: float, result: Revocation) -> bool:
    request = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, SHA1()).build()
    body = request.public_bytes(Encoding.DER)
    data, note = await fetch(ctx, url, timeout, body=body, content_type="application/ocsp-request")
    if data is None:
        result.tried.append(f"OCSP {note}")
        return False
    if _believe(data, f"OCSP {url}", leaf, issuer, ctx, result):
        result.source = "ocsp"
        return True
    return False


def _believe(data: bytes, where: str, leaf: x509.Certificate, issuer: x509.Certificate,
             ctx: ProbeContext, result: Revocation) -> bool:
    """Read an OCSP answer into `result` when it is for `leaf`, current and signed for `issuer`."""
    try:
        answer = ocsp.load_der_ocsp_response(data)
        if answer.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
            result.tried.append(f"{where}: {answer.response_status.name}")
            return False
        if answer.serial_number != leaf.serial_number or not _ocsp_signed(answer, issuer):
            result.tried.append(f"{where}: answer not signed by the issuer or not for this certificate")
            return False
        expiry = answer.next_update_utc
        if expiry is not None and expiry < ctx.now():
            result.tried.append(f"{where}: outdated answer (next update was {expiry:%Y-%m-%d %H:%M} UTC)")
            return False
    except (ValueError, InvalidSignature, UnsupportedAlgorithm) as exc:
        result.tried.append(f"{where}: unreadable answer ({exc})")
        return False
    result.tried.append(f"{where}: {answer.certificate_status.name}")
    if answer.certificate_status == ocsp.OCSPCertStatus.REVOKED:
        result.status, result.revoked_at = "revoked", answer.revocation_time_utc
        result.reason = answer.revocation_reason.name if answer.revocation_reason else None
    elif answer.certificate_status == ocsp.OCSPCertStatus.GOOD:
        result.status = "good"
    return result.status != "unknown"


def _ocsp_signed(answer: ocsp.OCSPResponse, issuer: x509.Certificate) -> bool:
    """Signed by the issuer itself, or by a responder certificate the issuer signed for OCSP."""
    signers = [issuer] + [
        c for c in answer.certificates
        if c.issuer == issuer.subject and _delegated(c, issuer)
    ]
    algorithm = answer.signature_hash_algorithm
    return algorithm is not None and any(
        _signed_by(s.public_key(), answer.signature, answer.tbs_response_bytes, algorithm) for s in signers
    )


def _signed_by(key: object, signature: bytes, data: bytes, algorithm: HashAlgorithm) -> bool:
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), algorithm)
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(algorithm))
        else:
            return False
    except InvalidSignature:
        return False
    return True


def _delegated(responder: x509.Certificate, issuer: x509.Certificate) -> bool:
    try:
        responder.verify_directly_issued_by(issuer)
        usage = responder.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except (InvalidSignature, ValueError, TypeError, x509.ExtensionNotFound):
        return False
    return ExtendedKeyUsageOID.OCSP_SIGNING in usage


async def _crl(ctx: ProbeContext, url: str, leaf: x509.Certificate, issuer: x509.Certificate,
               timeout: float, result: Revocation) -> bool:
    data, note = await fetch(ctx, url, timeout)
    if data is None:
        result.tried.append(f"CRL {note}")
        return False
    try:
        crl = x509.load_der_x509_crl(data) if not data.lstrip().startswith(b"-----") else x509.load_pem_x509_crl(data)
        if crl.issuer != issuer.subject or not crl.is_signature_valid(issuer.public_key()):  # type: ignore[arg-type]
            result.tried.append(f"CRL {url}: not signed by the issuer")
            return False
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        result.tried.append(f"CRL {url}: unreadable ({exc})")
        return False
    entry = crl.get_revoked_certificate_by_serial_number(leaf.serial_number)
    result.source = "crl"
    result.tried.append(f"CRL {url}: {'revoked' if entry else 'not listed'}")
    if entry is None:
        result.status = "good"
        return True
    result.status, result.revoked_at = "revoked", entry.revocation_date_utc
    return True


def _crl_urls(cert: x509.Certificate) -> list[str]:
    try:
        points = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    except x509.ExtensionNotFound:
        return []
    return [
        name.value for point in points for name in point.full_name or []
        if isinstance(name, x509.UniformResourceIdentifier)
    ]
