"""Known TLS-inspection products, recognised by the issuer names their re-signing CAs use.

The names are data (`data/tls_inspection.toml`, with sources), so a product is added
without touching code. A match is strong evidence on its own: a workstation that trusts
such a CA passes verification, yet every portal it visits is re-signed.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

_DATA = Path(__file__).parent / "data" / "tls_inspection.toml"
_KNOWN_BAD = Path(__file__).parent / "data" / "known_bad_roots.toml"
_REMOVAL = ("Ask IT to remove the product's root certificate from the workstation's trusted roots,"
            " or to exclude the portal from inspection.")


@dataclass(frozen=True)
class InspectionProduct:
    """One product and the issuer-name patterns of its CA."""

    name: str
    issuer_cn: tuple[re.Pattern[str], ...]
    issuer_o: tuple[re.Pattern[str], ...]
    kind: str = "inspection"  # or "compromised", "developer_tool" (known_bad_roots.toml)
    removal: str = _REMOVAL


@dataclass(frozen=True)
class InspectionMatch:
    """Which product an issuer name belongs to, and the name that gave it away."""

    product: str
    attribute: str  # "CN" or "O"
    value: str
    kind: str = "inspection"
    removal: str = _REMOVAL


@cache
def products() -> tuple[InspectionProduct, ...]:
    """The products in the data files (known-bad roots first), patterns compiled once."""
    entries = [
        entry for path in (_KNOWN_BAD, _DATA)
        for entry in tomllib.loads(path.read_text(encoding="utf-8"))["product"]
    ]
    return tuple(
        InspectionProduct(
            name=entry["name"],
            issuer_cn=tuple(re.compile(p, re.IGNORECASE) for p in entry.get("issuer_cn", [])),
            issuer_o=tuple(re.compile(p, re.IGNORECASE) for p in entry.get("issuer_o", [])),
            kind=entry.get("kind", "inspection"),
            removal=entry.get("removal", _REMOVAL),
        )
        for entry in entries
    )


def match_issuer(common_names: list[str], organizations: list[str]) -> InspectionMatch | None:
    """The inspection product whose CA issued a certificate with these issuer CN and O values."""
    for product in products():
        for attribute, values, patterns in (
            ("CN", common_names, product.issuer_cn),
            ("O", organizations, product.issuer_o),
        ):
            for value in values:
                if any(p.fullmatch(value.strip()) for p in patterns):
                    return InspectionMatch(product.name, attribute, value, product.kind, product.removal)
    return None
