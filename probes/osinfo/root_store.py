"""The roots the system trusts for servers where it keeps them outside files: Windows' store, a Mac's keychains.

Windows keeps its trusted roots (Microsoft's, and those an administrator or group policy
installs, a TLS-inspection product's or the organisation's own CA among them) in its
certificate store, and Chrome and Edge trust that store there. Python reads it with
`ssl.enum_certificates`, as `ssl.create_default_context` does for HTTP requests; the TLS
probe's path builder reads it here, so both trust the roots installed on the workstation as
the browser does. On a Mac the roots an administrator or user trusts are keychain certificates
with trust settings, read by `keychain.py`. Elsewhere the system's roots are files
(`ssl.get_default_verify_paths`) and this adds nothing.

Both systems also keep what they distrust: Windows' Disallowed store, a Mac's "Deny" trust
settings. Chrome and Edge refuse a path through such a certificate, even to a root they
trust; so does the TLS probe's path builder.

One difference remains: the store Python lists also holds the roots Windows fetched from
Microsoft's own programme (its AuthRoot store), where Chrome trusts its own root store
instead; a portal under a root only Microsoft's programme holds passes here and is judged
as Chrome judges it by the `browser` probe, which runs the real browser.
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Callable, Iterable
from functools import lru_cache

from probes.osinfo import current_os
from probes.osinfo.keychain import KeychainTrust, keychain_trust

STORE_RECHECK_SECONDS = 300.0  # a store outside files is read again this often: no file date shows its changes
SERVER_AUTH = "1.3.6.1.5.5.7.3.1"  # the extended key usage a root must be trusted for (or for every purpose)

# (DER bytes, "x509_asn" or "pkcs_7_asn", True for every purpose or the set of purposes' OIDs)
StoreEntry = tuple[bytes, str, "set[str] | bool"]


def system_store_roots(enumerate_store: Callable[[str], Iterable[StoreEntry]] | None = None,
                       system: str | None = None, clock: Callable[[], float] = time.monotonic) -> list[bytes]:
    """The DER roots trusted for server authentication outside files: the Windows ROOT store's, or on a Mac
    the keychains' (read once per `STORE_RECHECK_SECONDS`: it takes three `security` commands); [] elsewhere.

    `enumerate_store` is `ssl.enum_certificates` (Windows only) unless given. A store that cannot
    be opened adds nothing: the files and Mozilla's roots still stand.
    """
    enumerate_store = enumerate_store or getattr(ssl, "enum_certificates", None)
    if enumerate_store is None:
        return list(_keychain(recheck_period(clock)).trusted) if (system or current_os()) == "macos" else []
    return [der for der, encoding, trust in _entries(enumerate_store, "ROOT")
            if encoding == "x509_asn" and (trust is True or (isinstance(trust, set) and SERVER_AUTH in trust))]


def system_store_distrusted(enumerate_store: Callable[[str], Iterable[StoreEntry]] | None = None,
                            system: str | None = None, clock: Callable[[], float] = time.monotonic) -> list[bytes]:
    """The DER certificates the system distrusts outside files, which Chrome and Edge distrust too: the Windows
    Disallowed store's (where an administrator puts a CA to block), or on a Mac those the keychains' trust
    settings deny; [] elsewhere."""
    enumerate_store = enumerate_store or getattr(ssl, "enum_certificates", None)
    if enumerate_store is None:
        return list(_keychain(recheck_period(clock)).distrusted) if (system or current_os()) == "macos" else []
    return [der for der, encoding, _ in _entries(enumerate_store, "Disallowed") if encoding == "x509_asn"]


def _entries(enumerate_store: Callable[[str], Iterable[StoreEntry]], name: str) -> list[StoreEntry]:
    """One Windows store's entries; none when it cannot be opened."""
    try:
        return list(enumerate_store(name))
    except OSError:
        return []


def recheck_period(clock: Callable[[], float] = time.monotonic) -> int:
    """Which `STORE_RECHECK_SECONDS` period it is: what is read of a store outside files holds for one."""
    return int(clock() // STORE_RECHECK_SECONDS)


@lru_cache(maxsize=1)
def _keychain(_period: int) -> KeychainTrust:
    return keychain_trust()
