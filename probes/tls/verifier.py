"""The chain judged as a browser does: a maintained path builder, not OpenSSL's defaults.

cryptography's `x509.verification` builds the path from the leaf to a trust anchor
(the `--ca-bundle`, else the system store and Mozilla's) the way the web PKI does. Its
extension policies are loosened where Chromium's verifier is loose (a CA needs only
basicConstraints CA:TRUE; authority key ids and key usage are optional), and signature
algorithms and key sizes are left to `policy.py`, so each failure gets its own cause.
Trust is judged blind to names (the client verifier) at a moment when every sent
certificate is valid; the host name and dates are judged separately, so one chain can
report them all.
"""

from __future__ import annotations

import hashlib
import ipaddress
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import certifi
from cryptography import x509
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.x509 import verification as v

from probes.net.trust_store import Signature, store_signature
from probes.osinfo.root_store import system_store_distrusted, system_store_roots
from probes.text import pem

_AGNOSTIC = v.Criticality.AGNOSTIC


@dataclass
class PathVerdict:
    """Whether the chain reaches a trust anchor, and by which certificates (leaf first)."""

    trusted: bool
    message: str | None = None
    path: list[x509.Certificate] = field(default_factory=list)

    @property
    def anchor(self) -> x509.Certificate | None:
        return self.path[-1] if self.path else None


def trust(ca_bundle: Path | None) -> tuple[tuple[x509.Certificate, ...], frozenset[bytes]]:
    """The certificates the workstation trusts: the bundle alone, else the system's (its files, on Windows
    its certificate store, on a Mac the keychains' roots with trust settings, as Chrome and Edge there) and
    Mozilla's; and the SHA-256 fingerprints of those the system distrusts (Windows' Disallowed store, a Mac's
    "Deny" trust settings), which no trusted path may go through; none with `--ca-bundle`, which says the
    trust whole. A root the system distrusts stays among the anchors; `verify_path` refuses a path to it,
    saying so.

    Both are read again when the store changes (`store_signature`, read once for both), as the HTTP
    requests' trust is."""
    signature = store_signature(ca_bundle)
    return _anchors(ca_bundle, signature), _distrusted(ca_bundle, signature)


@lru_cache(maxsize=4)
def _anchors(ca_bundle: Path | None, _signature: Signature) -> tuple[x509.Certificate, ...]:
    files = [ca_bundle] if ca_bundle else [p for p in _system_files() if p.is_file()] + [Path(certifi.where())]
    found: dict[bytes, x509.Certificate] = {}
    for path in files:
        for cert in pem.certificates(path.read_bytes()):
            found.setdefault(cert.fingerprint(SHA256()), cert)
    for der in [] if ca_bundle else system_store_roots():
        if (root := pem.parsed(x509.load_der_x509_certificate, der)) is not None:
            found.setdefault(root.fingerprint(SHA256()), root)
    return tuple(found.values())


@lru_cache(maxsize=4)
def _distrusted(ca_bundle: Path | None, _signature: Signature) -> frozenset[bytes]:
    if ca_bundle is not None:
        return frozenset()
    return frozenset(hashlib.sha256(der).digest() for der in system_store_distrusted())


def read_store(path: Path) -> list[x509.Certificate]:
    """The certificates of a PEM store file, in order (old roots' RFC 5280 quirks tolerated)."""
    return pem.certificates(path.read_bytes())


def verify_path(
    leaf: x509.Certificate, sent: list[x509.Certificate], anchors: tuple[x509.Certificate, ...],
    at: datetime, refused: frozenset[bytes] = frozenset(),
) -> PathVerdict:
    """Build a path from `leaf` through `sent` (and nothing else) to one of `anchors`, through no certificate
    whose SHA-256 fingerprint is in `refused` (the system's distrusted ones)."""
    if not anchors:
        return PathVerdict(False, "the trust store is empty")
    verifier = (
        v.PolicyBuilder().store(v.Store(list(anchors))).time(at)
        .extension_policies(ca_policy=_CA_POLICY, ee_policy=_EE_POLICY)
        .build_client_verifier()
    )
    try:
        verified = verifier.verify(leaf, sent)
    except v.VerificationError as exc:
        return PathVerdict(False, _plain(str(exc)))
    for cert in verified.chain if refused else []:
        if cert.fingerprint(SHA256()) in refused:
            return PathVerdict(False, f"the workstation's certificate store distrusts {cert.subject.rfc4514_string()}")
    return PathVerdict(True, path=list(verified.chain))


def names_host(leaf: x509.Certificate, host: str) -> tuple[bool, str | None]:
    """Whether the leaf's subjectAltName covers `host` (never the subject CN, as Chrome since 58)."""
    try:
        leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    except x509.ExtensionNotFound:
        return False, "the certificate has no subjectAltName; browsers no longer read the subject's common name"
    subject = _subject(host)
    builder = (
        v.PolicyBuilder().store(v.Store([leaf])).time(_inside(leaf))  # the leaf as its own anchor: names only
        .extension_policies(ca_policy=_CA_POLICY, ee_policy=_SERVER_EE_POLICY)
    )
    try:
        builder.build_server_verifier(subject).verify(leaf, [])
    except v.VerificationError as exc:
        return False, _plain(str(exc))
    return True, None


def moment_for(certs: list[x509.Certificate], now: datetime) -> datetime:
    """`now` when every sent certificate is valid then, else a moment when they all are (dates judged apart)."""
    start = max(c.not_valid_before_utc for c in certs)
    end = min(c.not_valid_after_utc for c in certs)
    if start <= now <= end:
        return now
    return start + (end - start) / 2 if start < end else start


def _inside(cert: x509.Certificate) -> datetime:
    return cert.not_valid_before_utc + timedelta(seconds=1)


def _subject(host: str) -> v.Subject:
    try:
        return x509.IPAddress(ipaddress.ip_address(host))
    except ValueError:
        return x509.DNSName(host.rstrip("."))


def _ca_is_ca(_policy: Any, _cert: x509.Certificate, ext: x509.BasicConstraints | None) -> None:
    if ext is None or not ext.ca:
        raise ValueError("basicConstraints does not say CA:TRUE")


_CA_POLICY = v.ExtensionPolicy.permit_all().require_present(x509.BasicConstraints, _AGNOSTIC, _ca_is_ca)
_EE_POLICY = v.ExtensionPolicy.permit_all()
_SERVER_EE_POLICY = _EE_POLICY.require_present(x509.SubjectAlternativeName, _AGNOSTIC, None)


def _system_files() -> list[Path]:
    paths = ssl.get_default_verify_paths()
    return [Path(p) for p in (paths.cafile, paths.openssl_cafile) if p]


def _plain(message: str) -> str:
    """cryptography's message without its debug tail."""
    text = message.split(" (encountered processing")[0]
    return text.removeprefix("validation failed: ")
