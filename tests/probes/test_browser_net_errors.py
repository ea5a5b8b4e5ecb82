"""Every Chromium network error of the families a login page can end with is accounted for.

The recorded list (`chromium_net_errors.toml`, Chromium 156's own, with its source) is
the reference: each name in it maps to a catalog cause or is listed as "could not check"
with a reason, and the browser rules turn a name of either kind, or an unknown one, into
a cause or an error, never a pass.
"""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from probes.browser.evidence import BrowserEvidence
from probes.browser.rules import classify, unchecked
from probes.evidence import status_from

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "probes/browser/data"
TABLE = tomllib.loads((DATA / "net_errors.toml").read_text(encoding="utf-8"))
CHROMIUM = tomllib.loads((DATA / "chromium_net_errors.toml").read_text(encoding="utf-8"))
CATALOG = tomllib.loads((ROOT / "agent/engine/data/causes.toml").read_text(encoding="utf-8"))["causes"]
FAMILIES = CHROMIUM["families"]
KNOWN = {**FAMILIES, **CHROMIUM["other"]}
PORTAL = "portal.example"


def _in_families(name: str, number: int) -> bool:
    low, high = CHROMIUM["source"]["cert_range"]
    return name.startswith(tuple(CHROMIUM["source"]["prefixes"])) or low <= number <= high


def _failed(error: str, host: str = PORTAL) -> BrowserEvidence:
    url = f"https://{host}/login"
    return BrowserEvidence(url=url, navigation_error=error, navigation_error_url=url)


def test_the_recorded_list_names_its_source_and_is_whole() -> None:
    source = CHROMIUM["source"]
    assert source["repository"] == "chromium/chromium" and source["path"] == "net/base/net_error_list.h"
    assert len(source["commit"]) == 40 and source["version"].startswith("156.")
    assert all(name.startswith("net::ERR_") and entry["meaning"] for name, entry in KNOWN.items())
    numbers = [entry["number"] for entry in KNOWN.values()]
    assert len(numbers) == len(set(numbers))
    # the families as the prefixes and the certificate range define them, nothing more or less
    assert {n for n, e in FAMILIES.items() if not _in_families(n, e["number"])} <= {
        "net::ERR_TIMED_OUT", "net::ERR_INTERNET_DISCONNECTED", "net::ERR_BAD_SSL_CLIENT_AUTH_CERT",
        "net::ERR_NO_SSL_VERSIONS_ENABLED", "net::ERR_CLIENT_AUTH_CERT_TYPE_UNSUPPORTED", "net::ERR_ICANN_NAME_COLLISION",
        "net::ERR_HOST_RESOLVER_QUEUE_TOO_LARGE", "net::ERR_ALPN_NEGOTIATION_FAILED", "net::ERR_TLS13_DOWNGRADE_DETECTED",
        "net::ERR_INVALID_ECH_CONFIG_LIST", "net::ERR_ECH_NOT_NEGOTIATED", "net::ERR_ECH_FALLBACK_CERTIFICATE_INVALID",
        "net::ERR_MANDATORY_PROXY_CONFIGURATION_FAILED", "net::ERR_HTTPS_PROXY_TUNNEL_RESPONSE_REDIRECT",
        "net::ERR_UNEXPECTED_PROXY_AUTH", "net::ERR_PAC_SCRIPT_FAILED", "net::ERR_NO_SUPPORTED_PROXIES",
        "net::ERR_PAC_NOT_IN_DHCP", "net::ERR_PAC_SCRIPT_TERMINATED", "net::ERR_INSECURE_RESPONSE",
    }
    assert not any(_in_families(n, e["number"]) for n, e in CHROMIUM["other"].items())


def test_every_name_of_the_families_is_mapped_or_could_not_check() -> None:
    mapped, unchecked_names = set(TABLE["portal"]), set(TABLE["could_not_check"])
    assert mapped.isdisjoint(unchecked_names)
    assert sorted(set(FAMILIES) - mapped - unchecked_names) == []
    assert all(reason.strip() for reason in TABLE["could_not_check"].values())


def test_the_socks_names_are_left_to_the_proxy_probe() -> None:
    socks = {name for name in FAMILIES if name.startswith("net::ERR_SOCKS_")}
    assert socks and socks <= set(TABLE["could_not_check"])


def test_every_mapping_goes_to_a_catalog_cause_and_names_a_real_error() -> None:
    mapped = {**TABLE["portal"], **TABLE["proxied"]}
    assert {name: cause for name, cause in mapped.items() if cause not in CATALOG} == {}
    listed = [*mapped, *TABLE["loop"], *TABLE["could_not_check"]]
    assert sorted(name for name in listed if name not in KNOWN) == []


@pytest.mark.parametrize(("error", "cause"), [
    ("net::ERR_CERT_WEAK_SIGNATURE_ALGORITHM", "tls.weak_signature"),
    ("net::ERR_CERT_REVOKED", "tls.cert_revoked"),
    ("net::ERR_BAD_SSL_CLIENT_AUTH_CERT", "tls.client_cert_required"),
    ("net::ERR_SSL_CLIENT_AUTH_CERT_NEEDED", "tls.client_cert_required"),
    ("net::ERR_SSL_VERSION_OR_CIPHER_MISMATCH", "tls.handshake_failure"),
    ("net::ERR_SSL_OBSOLETE_CIPHER", "tls.handshake_failure"),
    ("net::ERR_CERT_VALIDITY_TOO_LONG", "tls.cert_validity_too_long"),
    ("net::ERR_CERT_SYMANTEC_LEGACY", "tls.untrusted_issuer"),
    ("net::ERR_CERT_DATE_INVALID", "tls.cert_expired"),
    ("net::ERR_CONNECTION_REFUSED", "network.refused"),
    ("net::ERR_NAME_NOT_RESOLVED", "dns.nxdomain"),
    ("net::ERR_TUNNEL_CONNECTION_FAILED", "proxy.blocked"),
])
def test_a_mapped_error_is_its_cause(error: str, cause: str) -> None:
    findings = classify(_failed(error), PORTAL, None, datetime.now(UTC))
    assert [(f.id, f.severity) for f in findings] == [(cause, "critical")]
    assert findings[0].data["net_error"] == error
    assert unchecked(_failed(error), findings) is None


@pytest.mark.parametrize("error", sorted(TABLE["could_not_check"]))
def test_a_could_not_check_error_is_an_error_with_its_reason(error: str) -> None:
    for host in (PORTAL, "idp.example"):  # not blamed on an identity provider either
        evidence = _failed(error, host)
        findings = classify(evidence, PORTAL, None, datetime.now(UTC))
        reason = unchecked(evidence, findings)
        assert findings == [] and status_from(findings) == "pass"  # the rules alone would pass it...
        assert reason is not None and TABLE["could_not_check"][error] in reason  # ...the reason makes it an error


def test_an_unknown_error_is_an_error_not_a_pass() -> None:
    evidence = _failed("net::ERR_SOMETHING_NEW")
    findings = classify(evidence, PORTAL, None, datetime.now(UTC))
    reason = unchecked(evidence, findings)
    assert findings == [] and reason is not None
    assert "net::ERR_SOMETHING_NEW" in reason and "does not map to a cause" in reason


def test_a_page_that_loaded_needs_no_reason() -> None:
    assert unchecked(BrowserEvidence(url=f"https://{PORTAL}/login"), []) is None
