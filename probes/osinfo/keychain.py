"""The roots a Mac's administrator or user trusts for servers: keychain certificates with trust settings.

An organisation's own CA, or a TLS-inspection product's root, is installed on a Mac into a
keychain with trust settings for SSL (by a configuration profile, or `security
add-trusted-cert`); Chrome trusts it there, reading the user's and the administrator's trust
settings (not the system's: for public roots it has its own store, which Mozilla's list here
stands for). No Python API reads the keychain, so `security` does: `trust-settings-export` for
each domain (a plist keyed by the certificate's SHA-1), `find-certificate -a -p` for the
certificates of the keychain search list.

Trust is decided as Chromium's `trust_store_mac.cc` decides it: the user's settings before the
administrator's; in each, the first usage constraint that applies decides. A constraint for an
application or with policy data (one host name) does not apply; one for another policy than
SSL's does not either; no result means "trust as root"; an empty list trusts a self-issued
certificate for everything. The shape of the plist is Apple's `TrustSettingsSchema.h`; the
tests play `security` with files in that shape (no Mac was at hand to record one).

A certificate whose settings say "Deny" is distrusted, as Chrome distrusts it: the TLS probe's
path builder refuses a path through it, even to a root Mozilla's list holds.
"""

from __future__ import annotations

import hashlib
import plistlib
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NamedTuple

from cryptography.hazmat.primitives.serialization import Encoding

from probes.osinfo.commands import CommandError, run_sync
from probes.text import pem

# kSecPolicyAppleSSL, as the plist may hold it: the OID's DER content octets, or its dotted text
SSL_POLICY = (bytes.fromhex("2A864886F763640103"), "1.2.840.113635.100.1.3")
TRUST_ROOT, TRUST_AS_ROOT, DENY = 1, 2, 3  # kSecTrustSettingsResult values
TIMEOUT = 1.0  # seconds, for each `security` command (it answers in tens of ms; the run waits meanwhile)
Trust = Literal["trusted", "distrusted"] | None  # None: these settings do not decide


class KeychainTrust(NamedTuple):
    """The DER certificates the keychains' trust settings make roots for SSL, and those they deny."""

    trusted: list[bytes]
    distrusted: list[bytes]


def keychain_trust() -> KeychainTrust:
    """What the user's or the administrator's trust settings say for SSL; nothing when `security` cannot
    tell (missing, refusing, slow): the files and Mozilla's roots still stand."""
    try:
        text = run_sync(["security", "find-certificate", "-a", "-p"], TIMEOUT)
    except CommandError:
        return KeychainTrust([], [])
    return decided(text, [_export([]), _export(["-d"])])


def decided(text: str, domains: Sequence[Mapping[str, Any]]) -> KeychainTrust:
    """The certificates of PEM `text` that `domains` (trust lists, the first overriding the next) make roots,
    and those they deny."""
    found: dict[str, tuple[bytes, Trust]] = {}
    for cert in pem.certificates(text.encode()):
        der = cert.public_bytes(Encoding.DER)
        sha1 = hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()
        if sha1 not in found:
            found[sha1] = der, _decide(domains, sha1, cert.subject == cert.issuer)
    return KeychainTrust([der for der, trust in found.values() if trust == "trusted"],
                         [der for der, trust in found.values() if trust == "distrusted"])


def trust_list(plist: bytes) -> dict[str, Any]:
    """The `trustList` of an exported trust-settings plist: per-certificate entries keyed by SHA-1."""
    try:
        data = plistlib.loads(plist)
    except (plistlib.InvalidFileException, ValueError):
        return {}
    entries = data.get("trustList") if isinstance(data, dict) else None
    return entries if isinstance(entries, dict) else {}


def settings_trust(settings: object, self_issued: bool) -> Trust:
    """What one certificate's `trustSettings` array says for a server's root, as Chromium reads it."""
    if settings is None or settings == []:
        return "trusted" if self_issued else None
    if not isinstance(settings, list):
        return None
    for constraint in settings:
        decided = _constraint_trust(constraint, self_issued) if isinstance(constraint, dict) else None
        if decided is not None:
            return decided
    return None


def _constraint_trust(constraint: dict[str, Any], self_issued: bool) -> Trust:
    if "kSecTrustSettingsApplication" in constraint or "kSecTrustSettingsPolicyString" in constraint:
        return None
    if "kSecTrustSettingsPolicy" in constraint and constraint["kSecTrustSettingsPolicy"] not in SSL_POLICY:
        return None
    result = constraint.get("kSecTrustSettingsResult", TRUST_ROOT)
    if result == DENY:
        return "distrusted"
    accepted = (TRUST_ROOT, TRUST_AS_ROOT) if self_issued else (TRUST_AS_ROOT,)
    return "trusted" if result in accepted else None


def _decide(domains: Sequence[Mapping[str, Any]], sha1: str, self_issued: bool) -> Trust:
    for domain in domains:
        entry = domain.get(sha1)
        if isinstance(entry, dict):
            decided = settings_trust(entry.get("trustSettings"), self_issued)
            if decided is not None:
                return decided
    return None


def _export(domain: list[str]) -> dict[str, Any]:
    """One domain's trust list ([] for the user's, ["-d"] for the administrator's); empty when it has none."""
    with tempfile.TemporaryDirectory(prefix="diagnose-trust-") as folder:
        target = Path(folder) / "trust.plist"
        try:
            run_sync(["security", "trust-settings-export", *domain, str(target)], TIMEOUT)
            return trust_list(target.read_bytes())
        except (CommandError, OSError):
            return {}  # "No Trust Settings were found" exits with an error too
