"""Every Chromium network error the browser probe names maps to a cause of the catalog."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TABLE = tomllib.loads((ROOT / "probes/browser/data/net_errors.toml").read_text(encoding="utf-8"))
CATALOG = tomllib.loads((ROOT / "agent/engine/data/causes.toml").read_text(encoding="utf-8"))["causes"]


def test_every_listed_error_maps_to_a_catalog_cause() -> None:
    mapped = {**TABLE["portal"], **TABLE["proxied"]}
    assert all(name.startswith("net::ERR_") for name in [*mapped, *TABLE["loop"]])
    unknown = {name: cause for name, cause in mapped.items() if cause not in CATALOG}
    assert unknown == {}


def test_the_tls_and_connection_families_are_covered() -> None:
    for name in ("net::ERR_CERT_DATE_INVALID", "net::ERR_CERT_COMMON_NAME_INVALID", "net::ERR_CERT_AUTHORITY_INVALID",
                 "net::ERR_CERT_REVOKED", "net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH", "net::ERR_CONNECTION_REFUSED",
                 "net::ERR_NAME_NOT_RESOLVED", "net::ERR_PROXY_CONNECTION_FAILED", "net::ERR_TUNNEL_CONNECTION_FAILED"):
        assert name in TABLE["portal"], name
