"""From what the TLS probe saw to the causes it names: pure, so every rule is testable alone.

Each certificate fact is judged on its own (dates against the injected clock, the host
name against the SANs, trust with names and dates set aside), so one handshake can
report an expired certificate that also names the wrong host. Interception outranks
trust: when a known product or the proxy re-signs the chain, that the workstation
does not trust the re-signer is its symptom, kept in the evidence, not a second cause.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from probes.evidence import CertificateValidity, Finding
from probes.tls.chain import CertificateInfo
from probes.tls.inspection import match_issuer

if TYPE_CHECKING:
    from probes.tls.probe import TlsEvidence

_LOCAL_ISSUER_CODES = (2, 20, 21)  # issuer certificate not found, locally or at all


def judge(ev: TlsEvidence, now: datetime, warning_days: int, expected_issuers: list[str]) -> list[Finding]:
    """The findings for one TLS observation, the interception (if any) first."""
    if ev.failure in ("tls", "reset", "timeout"):
        return [_handshake_failure(ev)]
    if not ev.certificates:
        return []
    intercepted = _interception(ev, expected_issuers)
    findings = [intercepted] if intercepted else []
    findings += _dates(ev.certificates, now, warning_days)
    leaf = ev.certificates[0]
    if ev.hostname_matches is False:
        names = leaf.dns_names + leaf.ip_addresses or [leaf.subject_common_name or leaf.subject]
        findings.append(Finding(
            id="tls.hostname_mismatch", severity="critical",
            summary=f"The certificate does not name {ev.host}; it is for {', '.join(names)}.",
            evidence=[f"subject: {leaf.subject}", f"names: {', '.join(names)}"]
            + ([f"OpenSSL: {ev.verify_message}"] if ev.verify_message else []),
            data={"host": ev.host, "names": names, "common_name": leaf.subject_common_name},
        ))
    if ev.trusted is False and intercepted is None:
        findings.append(_trust(ev))
    if not findings and not ev.verified and ev.verify_message:
        findings.append(_trust(ev, ev.verify_code, ev.verify_message))
    return findings


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def when(moment: datetime) -> str:
    """A moment as a person reads it in a summary."""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _handshake_failure(ev: TlsEvidence) -> Finding:
    facts = [f"error: {ev.handshake_error}"]
    if ev.failure == "timeout":
        facts.append("the port accepts TCP connections, but the server never starts the secure connection: "
                     "the server or a device in front of it is hung")
    elif ev.server_protocol:
        facts.append(f"the server does complete a handshake with {ev.server_protocol} ({ev.server_cipher}),"
                     " which this workstation's TLS settings refuse")
    else:
        facts.append("the server completed no handshake even with every protocol version and cipher allowed")
    return Finding(
        id="tls.handshake_failure", severity="critical",
        summary=f"The TLS handshake with {ev.host}:{ev.port} failed: {ev.handshake_error}.",
        evidence=facts,
        hung=ev.failure == "timeout",
        data={"error": ev.handshake_error, "failure": ev.failure,
              "server_protocol": ev.server_protocol, "server_cipher": ev.server_cipher},
    )


def _dates(certs: list[CertificateInfo], now: datetime, warning_days: int) -> list[Finding]:
    """Expired / not yet valid for any certificate sent (a sent root is the trust store's business)."""
    leaf = certs[0]
    judged = [(i, c) for i, c in enumerate(certs) if i == 0 or not c.self_signed]
    findings = []
    expired = next(((i, c) for i, c in judged if c.not_after < now), None)
    early = next(((i, c) for i, c in judged if c.not_before > now), None)
    if expired:
        i, cert = expired
        days = _days(now - cert.not_after)
        findings.append(_date_finding(
            "tls.cert_expired", "critical", leaf, i, cert, now, {"expired_days_ago": days},
            f"The certificate {_label(i, cert)} expired on {when(cert.not_after)}, {days} days before {when(now)}.",
        ))
    if early:
        i, cert = early
        days = _days(cert.not_before - now)
        findings.append(_date_finding(
            "tls.cert_not_yet_valid", "critical", leaf, i, cert, now, {"valid_in_days": days},
            f"The certificate {_label(i, cert)} is valid only from {when(cert.not_before)},"
            f" {days} days after {when(now)}.",
        ))
    if not findings:
        i, cert = min(judged, key=lambda item: item[1].not_after)
        days = _days(cert.not_after - now)
        if cert.not_after - now < timedelta(days=warning_days):
            findings.append(_date_finding(
                "tls.expiring_soon", "warning", leaf, i, cert, now,
                {"days_left": days, "warning_days": warning_days},
                f"The certificate {_label(i, cert)} expires on {when(cert.not_after)}, in {days} days.",
            ))
    return findings


def _date_finding(
    cause: str, severity: str, leaf: CertificateInfo, position: int, cert: CertificateInfo,
    now: datetime, extra: dict[str, Any], summary: str,
) -> Finding:
    data: dict[str, Any] = {"position": position, "subject": cert.subject, **extra}
    if position:
        data |= {"cert_not_before": _iso(cert.not_before), "cert_not_after": _iso(cert.not_after)}
    return Finding(
        id=cause, severity=severity,  # type: ignore[arg-type]
        summary=summary,
        evidence=[f"subject: {cert.subject}", f"valid from {_iso(cert.not_before)} to {_iso(cert.not_after)}",
                  f"checked at {_iso(now)} (this workstation's clock)"],
        validity=CertificateValidity(not_before=_iso(leaf.not_before), not_after=_iso(leaf.not_after),
                                     checked_at=_iso(now)),
        data=data,
    )


def _days(delta: timedelta) -> int:
    return round(delta.total_seconds() / 86400)


def _label(position: int, cert: CertificateInfo) -> str:
    name = cert.subject_common_name or cert.subject
    return f"of {name}" if position == 0 else f"{name} (chain position {position})"


def _trust(ev: TlsEvidence, code: int | None = None, message: str | None = None) -> Finding:
    code = ev.trust_code if code is None else code
    message = message or ev.trust_message or "not trusted"
    top = ev.certificates[-1]
    facts = [f"OpenSSL: {message}", f"last certificate sent: {top.subject}, issued by {top.issuer}"]
    if code in _LOCAL_ISSUER_CODES and not top.self_signed and not top.is_ca:
        # CAs issue server certificates from intermediates: a lone server certificate
        # whose issuer is unknown means the server left its intermediate out
        return Finding(
            id="tls.incomplete_chain", severity="critical",
            summary=f"The server sends only its own certificate, not the intermediate CA"
                    f" {top.issuer_common_name or top.issuer} that links it to a trusted root.",
            evidence=facts + [f"the issuer can be fetched from {u}" for u in top.ca_issuers],
            data={"missing_issuer": top.issuer, "chain_length": len(ev.certificates),
                  "ca_issuers": top.ca_issuers, "verify_code": code, "verify_message": message},
        )
    issuer = top.issuer_common_name or top.issuer
    what = "a self-signed certificate" if top.self_signed else f"a certificate chain ending at {issuer}"
    return Finding(
        id="tls.untrusted_issuer", severity="critical",
        summary=f"The workstation does not trust {what}: {message}.",
        evidence=facts,
        data={"issuer": top.issuer, "self_signed": top.self_signed, "chain_length": len(ev.certificates),
              "verify_code": code, "verify_message": message},
    )


def _interception(ev: TlsEvidence, expected_issuers: list[str]) -> Finding | None:
    leaf = ev.certificates[0]
    methods: list[str] = []
    facts: list[str] = []
    product = matched = None
    for cert in ev.certificates:
        match = match_issuer([cert.issuer_common_name or ""], [cert.issuer_organization or ""])
        if match:
            product, matched = match.product, f"{match.attribute}={match.value}"
            methods.append("issuer_name")
            facts.append(f"{cert.subject} is issued by {cert.issuer}, the CA of {product}")
            break
    direct = ev.direct_certificate
    if ev.proxy and direct and (
        direct.issuer != leaf.issuer
        or (direct.authority_key_id and leaf.authority_key_id and direct.authority_key_id != leaf.authority_key_id)
    ):
        methods.append("proxy_comparison")
        facts.append(f"through the proxy {ev.proxy}: issued by {leaf.issuer} (SHA-256 {leaf.sha256})")
        facts.append(f"direct to {ev.direct_address}: issued by {direct.issuer} (SHA-256 {direct.sha256})")
    wanted = [e.lower() for e in expected_issuers if e.strip()]
    if wanted and not any(w in c.issuer.lower() for c in ev.certificates for w in wanted):
        methods.append("expected_issuer")
        facts.append(f"the portal's certificates come from {', '.join(expected_issuers)}; this one from {leaf.issuer}")
    if not methods or (methods == ["expected_issuer"] and not ev.trusted):
        # an unexpected issuer the workstation does not trust is a bad certificate, not interception:
        # interception products install their root, so their certificates are trusted
        return None
    trust = "trusts" if ev.trusted else "does not trust"
    facts.append(f"this workstation {trust} the re-signing CA" + (f" ({ev.trust_message})" if ev.trust_message else ""))
    who = product or (f"the proxy {ev.proxy}" if "proxy_comparison" in methods else "an unexpected CA")
    return Finding(
        id="tls.intercepted", severity="critical",
        summary=f"The portal's TLS traffic is re-signed by {who}: the certificate is issued by"
                f" {leaf.issuer_common_name or leaf.issuer}.",
        evidence=facts,
        data={"methods": methods, "product": product, "matched": matched, "issuer": leaf.issuer,
              "sha256": leaf.sha256, "proxy": ev.proxy, "trusted": ev.trusted,
              "direct_issuer": direct.issuer if direct else None,
              "direct_sha256": direct.sha256 if direct else None,
              "expected_issuers": expected_issuers},
    )
