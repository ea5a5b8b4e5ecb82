"""Certificates out of PEM text, tolerant of the odd one: a store is read even when one entry is not.

A system store or a keychain holds hundreds of certificates, some old roots with RFC 5280
quirks; cryptography's own multi-certificate loader refuses the whole file for one it cannot
parse. Here each block is parsed alone, quirks' warnings silenced, and one that fails is left out.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable

from cryptography import x509

_BEGIN, _END = b"-----BEGIN CERTIFICATE-----", b"-----END CERTIFICATE-----"


def certificates(data: bytes) -> list[x509.Certificate]:
    """Every certificate of PEM `data`, in order; one that cryptography cannot parse is left out, not fatal."""
    found = []
    for block in data.split(_END):
        start = block.find(_BEGIN)
        if start >= 0 and (cert := parsed(x509.load_pem_x509_certificate, block[start:] + _END + b"\n")) is not None:
            found.append(cert)
    return found


def parsed(load: Callable[[bytes], x509.Certificate], data: bytes) -> x509.Certificate | None:
    """One certificate (PEM or DER, by `load`), or None when cryptography cannot parse it."""
    try:
        with warnings.catch_warnings():  # old roots with RFC 5280 quirks still parse
            warnings.simplefilter("ignore")
            return load(data)
    except ValueError:
        return None
