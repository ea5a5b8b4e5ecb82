"""Certificate lifetime limits: Chromium refuses an over-long leaf, but only under a public root.

A leaf valid for longer than the limit in force when it was issued fails with
net::ERR_CERT_VALIDITY_TOO_LONG when its path ends at a root Chrome ships ("known");
an enterprise CA or a `--ca-bundle` root is exempt. The limits are data
(`data/lifetime_limits.toml`, with sources). Mozilla's root list (certifi) stands in for
Chrome's root store, the nearest public list available offline; which store the
trusted root came from is recorded, so the call can be checked.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from probes.evidence import Finding
from probes.tls.chain import CertificateInfo
from probes.tls.verifier import read_store

if TYPE_CHECKING:
    from probes.tls.evidence import TlsEvidence

AnchorStore = Literal["public", "ca_bundle", "system"]
_DATA = Path(__file__).parent / "data" / "lifetime_limits.toml"


@dataclass(frozen=True)
class Limit:
    """The longest validity allowed to a leaf issued on or after `issued_from`."""

    issued_from: datetime
    max_days: int
    latest_expiry: datetime | None
    why: str


@cache
def limits() -> tuple[Limit, ...]:
    """The limits in the data file, oldest first."""
    entries = tomllib.loads(_DATA.read_text(encoding="utf-8"))["limit"]
    found = [Limit(e["issued_from"], e["max_days"], e.get("latest_expiry"), e["why"]) for e in entries]
    return tuple(sorted(found, key=lambda limit: limit.issued_from))


def overrun(cert: CertificateInfo) -> Limit | None:
    """The limit `cert` exceeds (the one in force at its notBefore), or None when it keeps to it."""
    in_force = [limit for limit in limits() if limit.issued_from <= cert.not_before]
    if not in_force:
        return None
    limit = in_force[-1]
    lifetime = cert.not_after - cert.not_before
    if lifetime < timedelta(0) or lifetime > timedelta(days=limit.max_days):
        return limit
    if limit.latest_expiry is not None and cert.not_after > limit.latest_expiry:
        return limit
    return None


@cache
def public_roots(store: Path) -> frozenset[bytes]:
    """The keys (DER SubjectPublicKeyInfo) of the roots in `store`: Chromium knows its roots by key, so a
    root renewed or re-issued with the same key is still one of them."""
    return frozenset(_spki(root) for root in read_store(store))


def anchor_store(anchor: x509.Certificate, public: Path, ca_bundle: Path | None) -> AnchorStore:
    """Where the trusted root comes from: the public list, else only the `--ca-bundle` or the system store."""
    if _spki(anchor) in public_roots(public):
        return "public"
    return "ca_bundle" if ca_bundle is not None else "system"


def _spki(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo)


def too_long(ev: TlsEvidence) -> Finding | None:
    """tls.cert_validity_too_long when a leaf under a public root outlives its limit."""
    if not ev.trusted or ev.trust_anchor_store != "public" or not ev.certificates:
        return None
    leaf = ev.certificates[0]
    limit = overrun(leaf)
    if limit is None:
        return None
    days = (leaf.not_after - leaf.not_before).total_seconds() / 86400
    root = ev.trust_anchor.subject if ev.trust_anchor else "a public root"
    return Finding(
        id="tls.cert_validity_too_long", severity="critical",
        summary=f"The certificate of {leaf.subject_common_name or ev.host} is valid for {days:.0f} days;"
                f" browsers refuse more than {limit.max_days} for a certificate from a public CA.",
        evidence=[f"valid from {leaf.not_before:%Y-%m-%d} to {leaf.not_after:%Y-%m-%d} ({days:.1f} days)",
                  f"limit in force when it was issued: {limit.why}",
                  f"the chain ends at {root}, a publicly trusted root (locally installed roots are exempt)",
                  "Chrome and Edge refuse it with net::ERR_CERT_VALIDITY_TOO_LONG"],
        data={"validity_days": round(days, 2), "max_days": limit.max_days,
              "issued_from": limit.issued_from.strftime("%Y-%m-%d"), "anchor_store": ev.trust_anchor_store,
              "not_before": leaf.not_before.strftime("%Y-%m-%dT%H:%M:%SZ"),
              "not_after": leaf.not_after.strftime("%Y-%m-%dT%H:%M:%SZ")},
    )
