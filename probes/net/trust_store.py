"""SSL contexts that trust what the workstation trusts, loaded once per store instead of once per request.

Loading the system's CAs and Mozilla's takes tens of milliseconds, a `--ca-bundle` about
one; an exporter scraping every few seconds would pay that on each scrape. A context is
kept while the files it was loaded from are unchanged (path, size, modification time), so
an updated store is read again. Windows keeps its roots in its certificate store, a Mac
those its administrator or user trusts in keychains, not in files: there a context is read
again every `STORE_RECHECK_SECONDS`, so a root installed while the exporter runs is trusted
within minutes. Python reads Windows' store itself; the keychains' roots are added here.
Callers share the context: they configure it once through `configure` and must not change
it afterwards.
"""

from __future__ import annotations

import os
import ssl
import time
from collections.abc import Callable
from pathlib import Path

import certifi

from probes.osinfo import current_os
from probes.osinfo.root_store import recheck_period, system_store_roots

Signature = tuple[tuple[str, int, int], ...]
_CONTEXTS: dict[tuple[str | None, Callable[[ssl.SSLContext], None]], tuple[Signature, ssl.SSLContext]] = {}


def trusting(ca_bundle: Path | None, configure: Callable[[ssl.SSLContext], None]) -> ssl.SSLContext:
    """A verifying context trusting `ca_bundle` alone, else the system store plus Mozilla's (certifi),
    set up by `configure`; a bundle that cannot be read raises (OSError, ssl.SSLError) as loading it would."""
    key = (str(ca_bundle) if ca_bundle is not None else None, configure)
    signature = store_signature(ca_bundle)
    kept = _CONTEXTS.get(key)
    if kept is not None and signature and kept[0] == signature:
        return kept[1]
    context = _load(ca_bundle)
    configure(context)
    if signature:
        _CONTEXTS[key] = (signature, context)
    return context


def _load(ca_bundle: Path | None) -> ssl.SSLContext:
    if ca_bundle is not None:
        return ssl.create_default_context(cafile=str(ca_bundle))
    context = ssl.create_default_context()
    context.load_verify_locations(cafile=certifi.where())
    if current_os() == "macos" and (keychain := system_store_roots()):
        context.load_verify_locations(cadata=b"".join(keychain))
    return context


def store_signature(ca_bundle: Path | None, system: str | None = None,
                    clock: Callable[[], float] = time.monotonic) -> Signature:
    """What the store was read from, as (path, size, mtime) per file or folder, and on Windows and macOS
    the period of `STORE_RECHECK_SECONDS` it was read in; empty when the bundle cannot be read.

    Anything loaded from the store is current while its signature is unchanged."""
    if ca_bundle is not None:
        paths = [str(ca_bundle)]
    else:
        defaults = ssl.get_default_verify_paths()
        paths = [p for p in (defaults.cafile, defaults.capath) if p] + [certifi.where()]
    marks = []
    for path in paths:
        try:
            seen = os.stat(path)
        except OSError:
            if ca_bundle is not None:
                return ()
            continue  # a system location that does not exist is part of the signature by its absence
        marks.append((path, seen.st_size, seen.st_mtime_ns))
    if ca_bundle is None and (system := system or current_os()) in ("windows", "macos"):
        marks.append((f"{system} certificate store", recheck_period(clock), 0))
    return tuple(marks)
