"""Whether a host is written as an address: a helper light enough for the browser's early launch."""

from __future__ import annotations

import ipaddress


def is_ip(host: str) -> bool:
    """Whether `host` is an IPv4 or IPv6 address rather than a name."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True
