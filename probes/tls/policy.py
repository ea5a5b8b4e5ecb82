"""Browser policy on top of a built path: what Chromium refuses even when the path is sound.

Chromium rejects certificates signed with SHA-1 (since Chrome 57) or MD5, and RSA keys
below 1024 bits; keys from 1024 to 2047 bits are refused for public CAs (Baseline
Requirements 6.1.5) yet still load under a locally installed root, so they are a warning.
A self-signed root's own signature is never judged: trust in it comes from the store.
Sources: https://www.chromium.org/Home/chromium-security/education/tls/sha-1/ ,
https://cabforum.org/baseline-requirements/ (6.1.5), Chromium net/cert/cert_verify_proc.cc
(IsWeakKey, kMinRsaModulusLengthBits).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from probes.tls.chain import CertificateInfo

MIN_RSA_BITS = 1024
RECOMMENDED_RSA_BITS = 2048
_WEAK_DIGESTS = ("md2", "md4", "md5", "sha1")


@dataclass(frozen=True)
class Weakness:
    """One certificate of the chain that browser policy refuses or frowns upon."""

    position: int
    cert: CertificateInfo
    detail: str
    severity: Literal["critical", "warning"]


def weak_signatures(certs: list[CertificateInfo]) -> list[Weakness]:
    """Certificates signed with a digest browsers reject (their issuer used SHA-1 or MD5)."""
    return [
        Weakness(i, c, c.signature_algorithm, "critical")
        for i, c in enumerate(certs)
        if not c.self_signed and _digest(c.signature_algorithm) in _WEAK_DIGESTS
    ]


def weak_keys(certs: list[CertificateInfo]) -> list[Weakness]:
    """RSA and DSA keys under 2048 bits: critical under 1024, a warning from 1024 to 2047."""
    found = []
    for i, cert in enumerate(certs):
        if cert.key_type not in ("RSA", "DSA") or cert.key_size is None or cert.key_size >= RECOMMENDED_RSA_BITS:
            continue
        severity: Literal["critical", "warning"] = "critical" if cert.key_size < MIN_RSA_BITS else "warning"
        found.append(Weakness(i, cert, f"{cert.key_type} {cert.key_size} bits", severity))
    return found


def _digest(algorithm: str) -> str:
    """The weak digest named in a signature algorithm ("sha1WithRSAEncryption", "ecdsa-with-SHA1"), or ""."""
    name = algorithm.lower()
    return next((digest for digest in _WEAK_DIGESTS if digest in name), "")
