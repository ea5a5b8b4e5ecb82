"""SSL contexts that trust what the workstation trusts, loaded once per store instead of once per request.

Loading the system's CAs and Mozilla's takes tens of milliseconds, a `--ca-bundle` about
one; an exporter scraping every few seconds would pay that on each scrape. A context is
kept while the files it was loaded from are unchanged (path, size, modification time), so
an updated store is read again. Callers share the context: they configure it once through
`configure` and must not change it afterwards.
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Callable
from pathlib import Path

import certifi

Signature = tuple[tuple[str, int, int], ...]
_CONTEXTS: dict[tuple[str | None, Callable[[ssl.SSLContext], None]], tuple[Signature, ssl.SSLContext]] = {}


def trusting(ca_bundle: Path | None, configure: Callable[[ssl.SSLContext], None]) -> ssl.SSLContext:
    """A verifying context trusting `ca_bundle` alone, else the system store plus Mozilla's (certifi),
    set up by `configure`; a bundle that cannot be read raises (OSError, ssl.SSLError) as loading it would."""
    key = (str(ca_bundle) if ca_bundle is not None else None, configure)
    signature = _signature(ca_bundle)
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
    return context


def _signature(ca_bundle: Path | None) -> Signature:
    """What the store was read from, as (path, size, mtime) per file or folder; empty when unreadable."""
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
    return tuple(marks)
