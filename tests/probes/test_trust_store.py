"""The workstation's trust is loaded once per store, and read again when the store changes."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import pytest
import trustme

from probes.net.trust_store import trusting


def _offer_http11(context: ssl.SSLContext) -> None:
    context.set_alpn_protocols(["http/1.1"])


def _issuers(context: ssl.SSLContext) -> set[str]:
    return {str(dict(part[0] for part in cert["subject"]).get("organizationalUnitName"))
            for cert in context.get_ca_certs()}


def test_an_unchanged_bundle_is_loaded_once(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(bundle))
    first = trusting(bundle, _offer_http11)
    assert trusting(bundle, _offer_http11) is first
    assert trusting(bundle, lambda context: None) is not first  # another set-up is another context


def test_a_replaced_bundle_is_read_again(tmp_path: Path) -> None:
    bundle = tmp_path / "ca.pem"
    old, new = trustme.CA(), trustme.CA()
    old.cert_pem.write_to_path(str(bundle))
    before = trusting(bundle, _offer_http11)
    new.cert_pem.write_to_path(str(bundle))
    seen = bundle.stat()
    os.utime(bundle, ns=(seen.st_atime_ns, seen.st_mtime_ns + 1_000_000_000))  # same size: the time tells
    after = trusting(bundle, _offer_http11)
    assert after is not before
    assert _issuers(after) == _issuers(trusting(bundle, _offer_http11)) != _issuers(before)


def test_a_missing_bundle_raises_each_time(tmp_path: Path) -> None:
    for _ in range(2):  # nothing kept from the first failure
        with pytest.raises(OSError):
            trusting(tmp_path / "absent.pem", _offer_http11)
