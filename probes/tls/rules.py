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
from probes.tls.inspection import InspectionMatch, match_issuer
from probes.tls.lifetime import too_long
from probes.tls.policy import Weakness, weak_keys, weak_signatures

if TYPE_CHECKING:
    from probes.tls.probe import TlsEvidence

_SOURCE_WORDS = {"stapled_ocsp": "stapled OCSP", "ocsp": "OCSP", "crl": "CRL"}
_HIDING_BROWSERS = (
    "Chrome and Edge on Windows and macOS fetch a missing intermediate and hide the fault;"
    " Firefox, Chrome on Linux and Android, and most non-browser clients do not"
)


def judge(ev: TlsEvidence, now: datetime, warning_days: int, expected_issuers: list[str]) -> list[Finding]:
    """The findings for one TLS observation, the interception (if any) first."""
    if ev.client_certificate_refused:
        return [_client_certificate(ev)]
    if ev.failure in ("tls", "reset", "timeout"):
        return _too_weak_to_handshake(ev) or [_handshake_failure(ev)]
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
            summary=f"The certificate does not name {ev.host}; it is for {', '.join(names)}."
            if leaf.dns_names or leaf.ip_addresses else
            f"The certificate has no subjectAltName; browsers no longer accept the subject name"
            f" ({leaf.subject_common_name or leaf.subject}) for {ev.host}.",
            evidence=[f"subject: {leaf.subject}", f"names: {', '.join(names)}"]
            + ([f"verifier: {ev.name_message}"] if ev.name_message else []),
            data={"host": ev.host, "names": names, "common_name": leaf.subject_common_name,
                  "has_san": bool(leaf.dns_names or leaf.ip_addresses)},
        ))
    signatures = weak_signatures(ev.certificates)
    findings += _weak("tls.weak_signature", signatures, "is signed with {detail}, which browsers reject")
    findings += _weak("tls.weak_key", weak_keys(ev.certificates),
                      "has a {detail} key; browsers refuse RSA keys under 1024 bits and public CAs under 2048")
    if ev.trusted is False and intercepted is None and not (signatures and _interior_error(ev)):
        findings.append(_trust(ev))
    if ev.revocation == "revoked":
        findings.append(_revoked(ev))
    lifetime = too_long(ev)
    if lifetime is not None:
        findings.append(lifetime)
    if ev.client_certificate_requested and not findings:
        pass  # an optional client certificate: the browser offers a picker, the page still loads
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


def _too_weak_to_handshake(ev: TlsEvidence) -> list[Finding]:
    """A key too small to sign the handshake explains its failure: name the key, not the handshake."""
    weak = [w for w in weak_keys(ev.certificates) if w.severity == "critical" and w.position == 0]
    findings = _weak("tls.weak_key", weak, "has a {detail} key; browsers refuse RSA keys under 1024 bits")
    for finding in findings:
        finding.evidence.append(f"the handshake failed with it: {ev.handshake_error}")
    return findings


def _interior_error(ev: TlsEvidence) -> bool:
    """The path failed on a certificate's content (a weak signature), not for want of a trusted issuer."""
    return "no interior errors" not in (ev.trust_message or "")


def _weak(cause: str, weaknesses: list[Weakness], wording: str) -> list[Finding]:
    if not weaknesses:
        return []
    worst = min(weaknesses, key=lambda w: (w.severity != "critical", w.position))
    what = _label(worst.position, worst.cert)
    return [Finding(
        id=cause, severity=worst.severity,
        summary=f"The certificate {what} " + wording.format(detail=worst.detail) + ".",
        evidence=[f"chain position {w.position}: {w.cert.subject}: {w.detail}" for w in weaknesses],
        data={"weaknesses": [{"position": w.position, "subject": w.cert.subject, "detail": w.detail,
                              "severity": w.severity} for w in weaknesses]},
    )]


def _client_certificate(ev: TlsEvidence) -> Finding:
    return Finding(
        id="tls.client_cert_required", severity="critical",
        summary=f"{ev.host} asks for a client certificate during the handshake and refuses the connection without one.",
        evidence=["the server sent a CertificateRequest; the workstation presented no certificate",
                  f"the server then answered: {ev.handshake_error}"],
        data={"error": ev.handshake_error, "protocol": ev.protocol or ev.server_protocol},
    )


def _revoked(ev: TlsEvidence) -> Finding:
    leaf = ev.certificates[0]
    when_text = f" on {when(ev.revoked_at)}" if ev.revoked_at else ""
    return Finding(
        id="tls.cert_revoked", severity="critical",
        summary=f"The certificate of {leaf.subject_common_name or ev.host} was revoked by its issuer{when_text}"
                f" ({_SOURCE_WORDS.get(ev.revocation_source or '', 'revocation check')}).",
        evidence=[f"serial {leaf.serial}, issued by {leaf.issuer}"] + ev.revocation_tried
        + ([f"reason: {ev.revocation_reason}"] if ev.revocation_reason else []),
        data={"source": ev.revocation_source, "serial": leaf.serial, "reason": ev.revocation_reason,
              "revoked_at": _iso(ev.revoked_at) if ev.revoked_at else None},
    )


def _trust(ev: TlsEvidence) -> Finding:
    message = ev.trust_message or "not trusted"
    top = ev.certificates[-1]
    facts = [f"verifier: {message}", f"last certificate sent: {top.subject}, issued by {top.issuer}"]
    facts += [f"caIssuers fetch: {t}" for t in ev.aia_tried]
    missing = not top.self_signed and (ev.aia_completed is True or (ev.aia_completed is None and _known_family(ev)))
    if missing:
        how = ("the leaf's AIA caIssuers gave the missing issuer, which completes a path to a trusted root"
               if ev.aia_completed else
               "the certificate names no AIA caIssuers URL; judged from names: its issuer belongs to"
               " an organization whose root this workstation trusts")
        return Finding(
            id="tls.incomplete_chain", severity="critical",
            summary=f"The server does not send the intermediate CA {top.issuer_common_name or top.issuer}"
                    f" that links its certificate to a trusted root.",
            evidence=facts + [how, _HIDING_BROWSERS],
            data={"missing_issuer": top.issuer, "chain_length": len(ev.certificates),
                  "ca_issuers": top.ca_issuers, "aia_completed": ev.aia_completed, "verify_message": message,
                  "trust_path": ev.trust_path},
        )
    if not top.self_signed:
        facts.append("the caIssuers fetch did not lead to a trusted root" if ev.aia_tried else
                     "the certificate names no caIssuers URL, and no trusted root belongs to its issuer's organization")
    issuer = top.issuer_common_name or top.issuer
    what = "a self-signed certificate" if top.self_signed else f"a certificate chain ending at {issuer}"
    return Finding(
        id="tls.untrusted_issuer", severity="critical",
        summary=f"The workstation does not trust {what}: {message}.",
        evidence=facts,
        data={"issuer": top.issuer, "self_signed": top.self_signed, "chain_length": len(ev.certificates),
              "verify_message": message, "aia_tried": ev.aia_tried},
    )


def _known_family(ev: TlsEvidence) -> bool:
    """Whether the top certificate's issuer shares its organization with a trusted root (set by the probe)."""
    return ev.issuer_family_trusted is True


def _interception(ev: TlsEvidence, expected_issuers: list[str]) -> Finding | None:
    leaf = ev.certificates[0]
    methods: list[str] = []
    facts: list[str] = []
    product = matched = None
    match = _known_issuer(ev)
    if match is not None:
        if match.kind != "inspection" and not ev.trusted:
            return None  # a known-bad root the workstation does not trust: an untrusted issuer, nothing installed
        product, matched = match.product, f"{match.attribute}={match.value}"
        methods.append("issuer_name")
        facts.append(f"the chain is issued by {match.value}, the CA of {product}"
                     + (f" ({match.kind.replace('_', ' ')} root: its private key is public)"
                        if match.kind != "inspection" else ""))
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
        remediation=[match.removal] if match is not None else [],
        summary=f"The portal's TLS traffic is re-signed by {who}: the certificate is issued by"
                f" {leaf.issuer_common_name or leaf.issuer}.",
        evidence=facts,
        data={"methods": methods, "product": product, "matched": matched, "issuer": leaf.issuer,
              "sha256": leaf.sha256, "proxy": ev.proxy, "trusted": ev.trusted,
              "direct_issuer": direct.issuer if direct else None,
              "direct_sha256": direct.sha256 if direct else None,
              "expected_issuers": expected_issuers, "kind": match.kind if match else None},
    )


def _known_issuer(ev: TlsEvidence) -> InspectionMatch | None:
    """A known inspection product or known-bad root among the issuers sent, or as the trust anchor."""
    names = [(c.issuer_common_name, c.issuer_organization) for c in ev.certificates]
    if ev.trust_anchor is not None:
        names.append((ev.trust_anchor.subject_common_name, ev.trust_anchor.issuer_organization))
    for common_name, organization in names:
        match = match_issuer([common_name or ""], [organization or ""])
        if match:
            return match
    return None
