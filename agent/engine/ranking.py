"""From the probes' findings to ranked causes: the root cause first, its symptoms after it.

This is the one place where the agent reasons about what explains what. It is pure:
probe results in, `Cause` list out, no I/O. Each rule in `EXPLAINS` reads
"when ROOT was found, SYMPTOM is (probably) a consequence of it"; a symptom keeps
its place in the report, marked `explained_by`, with its confidence lowered, and
ranks below every root cause. A few rules hold only under a condition (a clock
that is off explains an "expired" certificate only when the certificate is valid
at the true time); those are the functions in `CONDITIONS`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from fnmatch import fnmatchcase
from typing import Any

from agent.engine.causes import info
from probes.base import ProbeResult
from probes.evidence import Finding, Severity
from reports.models import Cause, Comparison

SYMPTOM_FACTOR = 0.4  # a symptom's confidence, relative to what it would be as a root cause
CORROBORATION_BONUS = 0.05  # per extra probe that saw the same cause

DNS_FAILURES = ("dns.nxdomain", "dns.no_answer", "dns.servfail", "dns.timeout")
PROXY_FAILURES = ("proxy.unreachable", "proxy.auth_required", "proxy.blocked")
TLS_FAILURES = (
    "tls.cert_expired", "tls.cert_not_yet_valid", "tls.hostname_mismatch", "tls.untrusted_issuer",
    "tls.incomplete_chain", "tls.intercepted", "tls.handshake_failure",
    "tls.cert_revoked", "tls.weak_signature", "tls.weak_key", "tls.client_cert_required", "tls.cert_validity_too_long",
)
CONNECT_FAILURES = ("network.refused", "network.unreachable")
PORTAL_SIDE = ("tls.*", "portal.*", "browser.*", "sso.*", "account.*")
PAGE_SYMPTOMS = ("browser.*", "account.*")

# (root ids, symptom patterns). Order matters only for which root a symptom names when
# several explain it: the first rule that applies wins.
EXPLAINS: list[tuple[tuple[str, ...], tuple[str, ...]]] = [
    # a hotspot that holds traffic until its terms page is accepted often breaks DNS too
    (("network.captive_portal",), CONNECT_FAILURES + DNS_FAILURES + PORTAL_SIDE + ("dns.mismatch",)),
    (DNS_FAILURES, CONNECT_FAILURES + PORTAL_SIDE + ("proxy.*", "vpn.*", "dns.mismatch")),
    (PROXY_FAILURES, CONNECT_FAILURES + PORTAL_SIDE),
    (CONNECT_FAILURES, PORTAL_SIDE),
    (("dns.mismatch",), CONNECT_FAILURES + ("tls.hostname_mismatch", "tls.untrusted_issuer")),
    (("vpn.interference",), ("network.unreachable", "tls.handshake_failure")),
    (("clock.skew",), ("tls.cert_expired", "tls.cert_not_yet_valid", "tls.expiring_soon", "sso.idp_cert_expired")),
    (("tls.intercepted",), ("tls.untrusted_issuer", "tls.hostname_mismatch", "tls.incomplete_chain",
                            "tls.handshake_failure", "tls.weak_signature", "tls.weak_key")),
    # a browser calls a chain it refuses for its signature, key or revocation merely "invalid" or untrusted
    (("tls.weak_signature", "tls.weak_key", "tls.cert_revoked"), ("tls.untrusted_issuer",)),
    (TLS_FAILURES, PAGE_SYMPTOMS + ("portal.redirect_loop", "portal.outage", "sso.idp_unreachable")),
    (("portal.maintenance",), ("portal.outage", "portal.maintenance_scheduled", "portal.redirect_loop")
     + PAGE_SYMPTOMS),
    (("portal.outage", "portal.not_found", "portal.access_denied"), PAGE_SYMPTOMS),
    (("sso.idp_unreachable", "sso.idp_cert_expired"), ("portal.outage", "portal.redirect_loop") + PAGE_SYMPTOMS),
    (("browser.cookies_blocked",), ("portal.redirect_loop", "browser.login_form_missing", "account.*")),
    (("portal.redirect_loop",), ("browser.script_error", "browser.login_form_missing", "account.*")),
    (("browser.unsupported",), ("browser.script_error", "browser.login_form_missing", "browser.resource_blocked")),
    (("browser.resource_blocked",), ("browser.script_error", "browser.login_form_missing")),
    (("browser.script_error",), ("browser.login_form_missing",)),
]

Condition = Callable[[Finding, Finding], bool]


def _clock_explains_validity(root: Finding, symptom: Finding) -> bool:
    """A skewed clock explains a validity failure only if the certificate is valid at the true time."""
    offset, validity = root.offset_seconds, symptom.validity
    if offset is None or validity is None:
        return False
    if validity.checked_at:
        true_now = datetime.fromisoformat(validity.checked_at) - timedelta(seconds=offset)
        return datetime.fromisoformat(validity.not_before) <= true_now <= datetime.fromisoformat(validity.not_after)
    # without the check time, the direction of the error must match: a clock ahead makes
    # certificates look expired, a clock behind makes them look not yet valid
    looks_expired = symptom.id in ("tls.cert_expired", "sso.idp_cert_expired", "tls.expiring_soon")
    return (offset > 0) == looks_expired


def _vpn_explains_network(root: Finding, symptom: Finding) -> bool:
    """A VPN explains a connection failure only when the portal's route goes through it (unknown counts)."""
    return root.routes_portal is not False


CONDITIONS: dict[tuple[str, str], Condition] = {
    ("clock.skew", "tls.cert_expired"): _clock_explains_validity,
    ("clock.skew", "tls.cert_not_yet_valid"): _clock_explains_validity,
    ("clock.skew", "tls.expiring_soon"): _clock_explains_validity,
    ("clock.skew", "sso.idp_cert_expired"): _clock_explains_validity,
    ("vpn.interference", "network.unreachable"): _vpn_explains_network,
}

# Warnings that only matter when something is actually broken: a full-tunnel VPN on a
# workstation whose login works is how many clinics are set up, not a fault.
ONLY_WITH_FAILURE = {"vpn.interference"}

# When a reference run elsewhere saw the same server errors, the portal is down for everyone:
# the outage is the root, with this confidence at least, and nothing local explains it.
CONFIRMED_OUTAGE_CONFIDENCE = 0.95
LOCAL_SIDE = ("dns.*", "network.*", "proxy.*", "vpn.*")


class _Merged:
    """One cause id as seen by one or more probes."""

    def __init__(self, probe: str, finding: Finding) -> None:
        self.finding = finding
        self.probes = [probe]
        self.evidence = list(finding.evidence)
        self.explained_by: str | None = None
        self.severity = _severity(finding)
        self.confirmed = False  # a reference run elsewhere saw the same

    def add(self, probe: str, finding: Finding) -> None:
        self.probes.append(probe)
        self.evidence += [e for e in finding.evidence if e not in self.evidence]
        stronger = _severity(finding) == "critical" and self.finding.severity != "critical"
        if stronger or _seen_over_predicted(finding, self.finding):
            self.finding = finding
            self.severity = "critical"


def _severity(finding: Finding) -> Severity:
    """A login form the browser refuses to send (seen, or predicted from its target) blocks the sign-in."""
    return "critical" if finding.data.get("browser_blocked") in ("observed", "predicted") else finding.severity


def _seen_over_predicted(new: Finding, old: Finding) -> bool:
    """The browser seen stopping the sign-in is the better finding to report than the same predicted."""
    return new.data.get("browser_blocked") == "observed" and old.data.get("browser_blocked") != "observed"


def _matches(cause_id: str, patterns: Iterable[str]) -> bool:
    return any(fnmatchcase(cause_id, p) for p in patterns)


def _condition(root: str, symptom: str) -> Condition | None:
    for (r, pattern), condition in CONDITIONS.items():
        if r == root and fnmatchcase(symptom, pattern):
            return condition
    return None


def _explainer(symptom: _Merged, found: dict[str, _Merged]) -> str | None:
    """The id of the first root (by rule order) that explains `symptom`, if any was found."""
    for roots, patterns in EXPLAINS:
        if not _matches(symptom.finding.id, patterns):
            continue
        for root_id in roots:
            root = found.get(root_id)
            if root is None or root_id == symptom.finding.id:
                continue
            condition = _condition(root_id, symptom.finding.id)
            if condition is None or condition(root.finding, symptom.finding):
                return root_id
    return None


def _ultimate_root(cause_id: str, found: dict[str, _Merged]) -> str:
    """Follow explained_by links to the cause that nothing else explains (the rules form no cycle)."""
    while (parent := found[cause_id].explained_by) is not None:
        cause_id = parent
    return cause_id


def _confidence(merged: _Merged) -> float:
    base = info(merged.finding.id).confidence * merged.finding.confidence_scale
    base = min(0.99, base + CORROBORATION_BONUS * (len(set(merged.probes)) - 1))
    if merged.confirmed:
        base = max(base, CONFIRMED_OUTAGE_CONFIDENCE)
    if merged.explained_by is not None:
        base *= SYMPTOM_FACTOR
    return round(base, 2)


def rank(results: list[ProbeResult], comparison: Comparison | None = None) -> list[Cause]:
    """Every finding of every probe, merged by id, explained where it can be, most likely first.

    `comparison` (this run against a reference elsewhere) can confirm an outage for everyone.
    """
    found: dict[str, _Merged] = {}
    for result in results:
        for finding in result.findings:
            if finding.id in found:
                found[finding.id].add(result.name, finding)
            else:
                found[finding.id] = _Merged(result.name, finding)

    outage = _confirmed_outage(comparison, found)
    # an outage seen elsewhere too: nothing local explains anything, the outage explains what is local
    roots_allowed = found if outage is None else {k: m for k, m in found.items() if not _matches(k, LOCAL_SIDE)}
    for merged in found.values():
        local = outage is not None and _matches(merged.finding.id, LOCAL_SIDE)
        merged.explained_by = "portal.outage" if local else _explainer(merged, roots_allowed)
    roots = {cause_id: _ultimate_root(cause_id, found) for cause_id in found}
    for cause_id, merged in found.items():
        if merged.explained_by is not None:
            merged.explained_by = roots[cause_id]
            _promote(found[merged.explained_by], merged)
    if _signed_in(results):
        for merged in found.values():
            _disprove(merged)

    has_failure = any(m.severity == "critical" and m.finding.id not in ONLY_WITH_FAILURE for m in found.values())
    causes = [
        _to_cause(merged)
        for merged in found.values()
        if has_failure or merged.finding.id not in ONLY_WITH_FAILURE
    ]
    causes.sort(key=lambda c: (c.explained_by is not None, c.severity != "critical", -c.confidence))
    return causes


def _confirmed_outage(comparison: Comparison | None, found: dict[str, _Merged]) -> _Merged | None:
    """Everywhere plus the same 5xx at the reference: `portal.outage`, confirmed, whatever the local probes say."""
    if comparison is None or comparison.scope != "everywhere" or not comparison.server_errors:
        return None
    statuses = ", ".join(str(s) for s in comparison.server_errors)
    seen = (f"the reference run on {comparison.reference.hostname} ({comparison.minutes_apart:g} min apart) "
            f"got HTTP {statuses} from the portal too")
    outage = found.get("portal.outage")
    if outage is None:
        finding = Finding(id="portal.outage", severity="critical", evidence=[seen],
                          summary=f"The portal answers HTTP {statuses} here and at the reference run elsewhere.")
        outage = found["portal.outage"] = _Merged("http", finding)
    else:
        outage.evidence.append(seen)
        outage.severity = "critical"
    outage.confirmed = True
    return outage


def _promote(root: _Merged, symptom: _Merged) -> None:
    """A root cause of a failure that blocks logging in blocks it too, whatever it weighs alone."""
    if symptom.severity == "critical" and root.severity != "critical":
        root.severity = "critical"
        root.evidence.append(f"it explains a blocking failure: {symptom.finding.summary}")


def _signed_in(results: list[ProbeResult]) -> bool:
    """The login attempt got past the password (signed in, or asked for the second factor)."""
    return any(r.name == "login" and r.status == "pass" for r in results)


def _disprove(merged: _Merged) -> None:
    """Nothing stays critical that a successful sign-in disproves: it degrades, it does not block."""
    if merged.severity == "critical":
        merged.severity = "warning"
        merged.evidence.append("the login attempt in this run succeeded despite it")


_SLOT = re.compile(r"\{(\w+)\?([^}]*)\}")


def fill(step: str, facts: dict[str, Any]) -> str:
    """A catalog step with its `{key?words}` slots named from the finding's facts, or the words when absent.

    "Ask IT to allow {hosts?the hosts this report lists}" reads "Ask IT to allow cdn.portal.example"
    when the finding knows the hosts, so the step names the thing instead of pointing at the evidence.
    """
    def named(match: re.Match[str]) -> str:
        value = facts.get(match.group(1))
        if isinstance(value, list | tuple):
            value = ", ".join(str(v) for v in value if v)
        return str(value) if value not in (None, "") else match.group(2)

    return _SLOT.sub(named, step)


def _to_cause(merged: _Merged) -> Cause:
    finding = merged.finding
    entry = info(finding.id)
    steps = [fill(step, finding.data) for step in entry.remediation]
    remediation = finding.remediation + [step for step in steps if step not in finding.remediation]
    return Cause(
        id=finding.id,
        title=entry.title,
        severity=merged.severity,
        confidence=_confidence(merged),
        probe=merged.probes[0],
        summary=finding.summary,
        evidence=merged.evidence,
        remediation=remediation,
        explained_by=merged.explained_by,
    )
