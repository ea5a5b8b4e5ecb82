"""The root-cause reasoning, rule by rule: the root first, its symptoms after it, marked as such."""

from __future__ import annotations

from typing import Any

import pytest

from agent.engine.causes import catalog
from agent.engine.ranking import EXPLAINS, rank
from probes.base import ProbeResult
from probes.evidence import CertificateValidity, Finding


def finding(cause: str, severity: str, facts: dict[str, Any]) -> Finding:
    """A finding with the typed facts the ranking reads: validity dates, a clock offset, a route, a scale."""
    typed: dict[str, Any] = {k: facts[k] for k in ("offset_seconds", "routes_portal", "confidence_scale") if k in facts}
    if "not_before" in facts:
        typed["validity"] = CertificateValidity(**{k: facts[k] for k in ("not_before", "not_after", "checked_at")
                                                  if k in facts})
    return Finding(id=cause, severity=severity, summary=cause, **typed)  # type: ignore[arg-type]


def result(probe: str, *findings: tuple[str, str] | tuple[str, str, dict[str, Any]]) -> ProbeResult:
    made = [finding(f[0], f[1], f[2] if len(f) > 2 else {}) for f in findings]
    return ProbeResult(name=probe, status="fail" if made else "pass", findings=made)


def order(*results: ProbeResult) -> list[tuple[str, str | None]]:
    return [(c.id, c.explained_by) for c in rank(list(results))]


CERT_VALID_2026 = {"not_before": "2026-01-01T00:00:00+00:00", "not_after": "2027-01-01T00:00:00+00:00"}

CASES = [
    pytest.param(
        [result("tls", ("tls.handshake_failure", "critical")), result("browser", ("browser.login_form_missing", "critical")),
         result("dns", ("dns.nxdomain", "critical"))],
        [("dns.nxdomain", None), ("tls.handshake_failure", "dns.nxdomain"), ("browser.login_form_missing", "dns.nxdomain")],
        id="dns failure explains everything after it",
    ),
    pytest.param(
        [result("tls", ("tls.cert_expired", "critical", {**CERT_VALID_2026, "checked_at": "2027-11-01T00:00:00+00:00"})),
         result("clock", ("clock.skew", "critical", {"offset_seconds": 365 * 86400.0}))],
        [("clock.skew", None), ("tls.cert_expired", "clock.skew")],
        id="a clock a year ahead explains an expired certificate",
    ),
    pytest.param(
        [result("tls", ("tls.cert_not_yet_valid", "critical", {**CERT_VALID_2026, "checked_at": "2025-06-01T00:00:00+00:00"})),
         result("clock", ("clock.skew", "critical", {"offset_seconds": -300 * 86400.0}))],
        [("clock.skew", None), ("tls.cert_not_yet_valid", "clock.skew")],
        id="a clock months behind explains a not-yet-valid certificate",
    ),
    pytest.param(
        [result("tls", ("tls.cert_expired", "critical", {"not_before": "2020-01-01T00:00:00+00:00",
                                                         "not_after": "2021-01-01T00:00:00+00:00",
                                                         "checked_at": "2026-11-27T00:05:00+00:00"})),
         result("clock", ("clock.skew", "critical", {"offset_seconds": 300.0}))],
        [("tls.cert_expired", None), ("clock.skew", None)],
        id="a clock five minutes ahead does not explain a certificate expired for years",
    ),
    pytest.param(
        [result("network", ("network.unreachable", "critical")), result("proxy", ("proxy.auth_required", "critical"))],
        [("proxy.auth_required", None), ("network.unreachable", "proxy.auth_required")],
        id="a proxy demanding a login explains the portal being unreachable",
    ),
    pytest.param(
        [result("http", ("portal.outage", "critical")), result("proxy", ("proxy.blocked", "critical"))],
        [("proxy.blocked", None), ("portal.outage", "proxy.blocked")],
        id="a proxy that refuses explains the portal looking down",
    ),
    pytest.param(
        [result("tls", ("tls.hostname_mismatch", "critical")), result("network", ("network.captive_portal", "critical"))],
        [("network.captive_portal", None), ("tls.hostname_mismatch", "network.captive_portal")],
        id="a captive portal explains a certificate for the wrong name",
    ),
    pytest.param(
        [result("dns", ("dns.timeout", "critical")), result("network", ("network.captive_portal", "critical"),
                                                            ("network.unreachable", "critical"))],
        [("network.captive_portal", None), ("dns.timeout", "network.captive_portal"),
         ("network.unreachable", "network.captive_portal")],
        id="a hotspot holding traffic explains DNS and connection failures",
    ),
    pytest.param(
        [result("tls", ("tls.untrusted_issuer", "critical"), ("tls.intercepted", "critical"))],
        [("tls.intercepted", None), ("tls.untrusted_issuer", "tls.intercepted")],
        id="interception explains an untrusted issuer",
    ),
    pytest.param(
        [result("browser", ("browser.script_error", "critical"), ("browser.login_form_missing", "critical")),
         result("tls", ("tls.cert_expired", "critical", {}))],
        [("tls.cert_expired", None), ("browser.script_error", "tls.cert_expired"),
         ("browser.login_form_missing", "tls.cert_expired")],
        id="a certificate failure explains what the browser could not do",
    ),
    pytest.param(
        [result("http", ("portal.outage", "critical"), ("portal.maintenance", "critical"))],
        [("portal.maintenance", None), ("portal.outage", "portal.maintenance")],
        id="maintenance explains the 503",
    ),
    pytest.param(
        [result("browser", ("browser.login_form_missing", "critical")), result("sso", ("sso.idp_unreachable", "critical"))],
        [("sso.idp_unreachable", None), ("browser.login_form_missing", "sso.idp_unreachable")],
        id="an unreachable identity provider ranks above the portal-side symptom",
    ),
    pytest.param(
        [result("http", ("portal.redirect_loop", "critical")), result("browser", ("browser.cookies_blocked", "critical"))],
        [("browser.cookies_blocked", None), ("portal.redirect_loop", "browser.cookies_blocked")],
        id="blocked cookies explain a redirect loop",
    ),
    pytest.param(
        [result("browser", ("browser.login_form_missing", "critical"), ("browser.script_error", "critical"),
                ("browser.resource_blocked", "critical"))],
        [("browser.resource_blocked", None), ("browser.script_error", "browser.resource_blocked"),
         ("browser.login_form_missing", "browser.resource_blocked")],
        id="a chain of symptoms names its ultimate root",
    ),
    pytest.param(
        [result("browser", ("browser.script_error", "critical")), result("browser", ("browser.unsupported", "critical"))],
        [("browser.unsupported", None), ("browser.script_error", "browser.unsupported")],
        id="an unsupported browser explains script errors",
    ),
    pytest.param(
        [result("network", ("network.refused", "critical")), result("dns", ("dns.mismatch", "warning"))],
        [("dns.mismatch", None), ("network.refused", "dns.mismatch")],
        id="a stale hosts entry explains a refused connection",
    ),
    pytest.param(
        [result("network", ("network.unreachable", "critical")),
         result("proxy", ("vpn.interference", "warning", {"routes_portal": True}))],
        [("vpn.interference", None), ("network.unreachable", "vpn.interference")],
        id="a VPN carrying the portal's route explains it being unreachable",
    ),
    pytest.param(
        [result("proxy", ("vpn.interference", "warning"))],
        [],
        id="a VPN on a workstation where everything works is not a cause",
    ),
    pytest.param(
        [result("login", ("account.locked", "critical")), result("tls", ("tls.expiring_soon", "warning"))],
        [("account.locked", None), ("tls.expiring_soon", None)],
        id="critical roots rank above warnings",
    ),
]


@pytest.mark.parametrize(("results", "expected"), CASES)
def test_root_cause_first(results: list[ProbeResult], expected: list[tuple[str, str | None]]) -> None:
    assert order(*results) == expected


def test_symptoms_lose_confidence_and_corroboration_adds_it() -> None:
    causes = rank([result("http", ("portal.maintenance", "critical"), ("portal.outage", "critical")),
                   result("status_page", ("portal.maintenance", "critical"))])
    maintenance, outage = causes
    assert maintenance.probe == "http" and maintenance.confidence > catalog()["portal.maintenance"].confidence
    assert outage.confidence < catalog()["portal.outage"].confidence / 2


def test_every_rule_names_known_causes() -> None:
    known = set(catalog())
    for roots, patterns in EXPLAINS:
        assert set(roots) <= known
        for pattern in patterns:
            prefix = pattern.removesuffix("*")
            assert any(cid.startswith(prefix) if pattern.endswith("*") else cid == pattern for cid in known), pattern


def test_rules_form_no_cycle() -> None:
    """Explanations must lead somewhere: no cause may, through other causes, explain itself."""
    from fnmatch import fnmatchcase

    ids = list(catalog())
    edges = {a: {b for roots, patterns in EXPLAINS if a in roots for b in ids
                 if b != a and any(fnmatchcase(b, p) for p in patterns)} for a in ids}

    def reaches(start: str, goal: str, seen: set[str]) -> bool:
        return any(n == goal or (n not in seen and reaches(n, goal, seen | {n})) for n in edges[start])

    assert [a for a in ids if reaches(a, a, {a})] == []


def test_catalog_holds_every_contract_cause() -> None:
    import re
    from pathlib import Path

    contract = Path(__file__).resolve().parents[3] / "shared" / "CONTRACT.md"
    if not contract.exists():
        pytest.skip("the contract is not beside this checkout")
    ids = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", contract.read_text(), re.M))
    assert ids and ids <= set(catalog())


def test_a_warning_root_of_a_blocking_failure_blocks() -> None:
    """A clock ten minutes off alone only warns; when it makes the certificate look expired, it is what blocks."""
    causes = rank([
        result("tls", ("tls.cert_expired", "critical", {**CERT_VALID_2026, "checked_at": "2027-01-01T00:05:00+00:00"})),
        result("clock", ("clock.skew", "warning", {"offset_seconds": 600.0})),
    ])
    assert [(c.id, c.severity, c.explained_by) for c in causes] == [
        ("clock.skew", "critical", None), ("tls.cert_expired", "critical", "clock.skew")]
    assert any("blocking failure" in line for line in causes[0].evidence)


def test_a_successful_sign_in_disproves_what_would_block_it() -> None:
    signed_in = ProbeResult(name="login", status="pass")
    causes = rank([result("browser", ("browser.script_error", "critical")), signed_in])
    assert [(c.id, c.severity) for c in causes] == [("browser.script_error", "warning")]
    assert "succeeded despite it" in causes[0].evidence[-1]


def test_a_weak_signature_explains_the_browsers_untrusted_verdict() -> None:
    causes = rank([result("tls", ("tls.weak_signature", "critical")),
                   result("browser", ("tls.untrusted_issuer", "critical"))])
    assert [(c.id, c.explained_by) for c in causes] == [
        ("tls.weak_signature", None), ("tls.untrusted_issuer", "tls.weak_signature")]


def test_catalog_steps_name_the_thing_when_the_finding_knows_it() -> None:
    from agent.engine.ranking import fill

    step = "Ask IT to allow {hosts?the hosts the page could not load} through the firewall."
    assert fill(step, {"hosts": ["cdn.portal.test", "fonts.portal.test"]}) == (
        "Ask IT to allow cdn.portal.test, fonts.portal.test through the firewall.")
    assert fill(step, {}) == "Ask IT to allow the hosts the page could not load through the firewall."
    blocked = rank([result("browser", ("browser.resource_blocked", "critical", {}))])[0]
    assert not any("{" in line for line in blocked.remediation)
