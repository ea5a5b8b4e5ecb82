"""What the `http` probe's evidence means for a login: maintenance, outage, a redirect loop.

Kept apart from the fetching so the rules read as a table: a 503 with Retry-After, or
a page saying it is down for maintenance now, is maintenance; any other 5xx is an
outage; 403/404/410/451 mean the address is wrong or this workstation is refused;
maintenance announced on an otherwise working page is a warning, and so is a login form
served over, or posting its password to, plain `http://` (loopback excepted: browsers
count it as a secure context); a form on an https:// page posting to http:// is flagged
as one the browser will refuse to send, which the ranking makes critical.
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from probes.evidence import Finding
from probes.web.insecure_form import WARNING_RULE, chromium_blocks, plain_http

if TYPE_CHECKING:
    from probes.http.evidence import HttpEvidence


# Final answers of the login URL that stop a login before any form is shown.
CLIENT_ERRORS: dict[int, tuple[str, str]] = {
    403: ("portal.access_denied", "the portal (or a firewall in front of it) refuses this workstation's requests"),
    404: ("portal.not_found", "there is no login page at this address"),
    410: ("portal.not_found", "the login page at this address was removed"),
    451: ("portal.access_denied", "the portal refuses requests from this location"),
}


def classify(evidence: HttpEvidence, now: datetime) -> list[Finding]:
    """The findings the chain and the final answer support; empty when the login page looks healthy."""
    if evidence.loop_url is not None:
        return [_redirect_loop(evidence)]
    status = evidence.final_status
    if status is None:
        return []
    now_said = [m.sentence for m in evidence.maintenance if m.group == "now"]
    announced = [m.sentence for m in evidence.maintenance if m.group == "announced"]
    answered = f"GET {evidence.final_url} answered {status} {evidence.reason_phrase}"
    if now_said or (status == 503 and evidence.retry_after):
        return [_maintenance(evidence, now_said, answered, now)]
    if status >= 500:
        data: dict[str, Any] = {"status": status, "reason": evidence.reason_phrase, "url": evidence.final_url}
        if evidence.hops[-1].server:
            data["server"] = evidence.hops[-1].server
        return [Finding(
            id="portal.outage", severity="critical",
            summary=f"the login URL answers with a server error: {status} {evidence.reason_phrase}",
            evidence=[answered] + ([f"Server: {data['server']}"] if "server" in data else []),
            data=data,
        )]
    if status in CLIENT_ERRORS:
        cause, meaning = CLIENT_ERRORS[status]
        return [Finding(
            id=cause, severity="critical",
            summary=f"the login URL answers {status} {evidence.reason_phrase}: {meaning}",
            evidence=[answered], data={"status": status, "reason": evidence.reason_phrase, "url": evidence.final_url},
        )]
    findings = insecure_login(evidence) if status < 400 else []
    if status < 400 and announced:
        findings.insert(0, Finding(
            id="portal.maintenance_scheduled", severity="warning",
            summary=f"the login page announces maintenance: \u201c{announced[0]}\u201d",
            evidence=[answered] + [f"the page says: \u201c{s}\u201d" for s in announced],
            data={"url": evidence.final_url, "status": status, "sentences": announced},
        ))
    return findings


def insecure_login(evidence: HttpEvidence) -> list[Finding]:
    """A password form on a plain-http page, or posting to a plain-http URL: the password travels unencrypted."""
    page, action = evidence.final_url or "", evidence.password_form_action
    if not evidence.has_password_field:
        return []
    facts = []
    if plain_http(page):
        facts.append(f"the login page {page} is served over plain http://")
    if action and action != page and plain_http(action):
        facts.append(f"the login form sends the password to {action}")
    if not facts:
        return []
    summary = f"the password would travel unencrypted: {facts[-1]}"
    data: dict[str, Any] = {"source": "http", "url": page, "form_action": action}
    if action and chromium_blocks(page, action):
        facts.append(f"predicted from the form's target, not submitted: {WARNING_RULE}")
        data["browser_blocked"] = "predicted"  # the ranking makes it critical: the browser stops the sign-in
    return [Finding(id="portal.insecure_login", severity="warning", summary=summary, evidence=facts, data=data)]


def no_answer(url: str, waited: float, partial: bool = False) -> Finding:
    """The portal took the connection (and the TLS handshake) but sent no answer, or stopped part-way: it hangs."""
    said = (f"began answering GET {url} but did not finish within {waited:.1f} s" if partial
            else f"sent no answer to GET {url} within {waited:.1f} s")
    return Finding(
        id="portal.outage", severity="critical",
        summary=f"the portal accepts connections but {said}",
        evidence=[f"GET {url}: connected; {said.replace(f'GET {url} ', '')}",
                  "if the portal is known to be this slow, run again with a longer --timeout"],
        data={"url": url, "waited_seconds": round(waited, 1), "partial": partial}, hung=True,
    )


def bad_answer(url: str, error: str) -> Finding:
    """The portal answered with something that is not HTTP a browser accepts (headers too large, garbage)."""
    return Finding(
        id="portal.outage", severity="critical",
        summary=f"the portal's answer to GET {url} is broken: {error}",
        evidence=[f"GET {url}: {error}"],
        data={"url": url, "error": error}, confidence_scale=0.85,
    )


def _maintenance(evidence: HttpEvidence, said: list[str], answered: str, now: datetime) -> Finding:
    facts = [answered]
    data: dict[str, Any] = {"url": evidence.final_url, "status": evidence.final_status, "sentences": said}
    if evidence.retry_after:
        facts.append(f"Retry-After: {evidence.retry_after}")
        data["retry_after"] = evidence.retry_after
        seconds = retry_after_seconds(evidence.retry_after, now)
        if seconds is not None:
            data["retry_after_seconds"] = seconds
    facts += [f"the page says: \u201c{s}\u201d" for s in said]
    if said:
        summary = f"the portal is down for maintenance: \u201c{said[0]}\u201d"
    else:
        summary = f"the portal answers 503 with Retry-After: {evidence.retry_after} (down for maintenance)"
    return Finding(id="portal.maintenance", severity="critical", summary=summary, evidence=facts, data=data)


def _redirect_loop(evidence: HttpEvidence) -> Finding:
    hops = evidence.hops
    repeated = evidence.loop_url in {hop.url for hop in hops}
    how = f"{evidence.loop_url} came round again" if repeated else f"more than {len(hops) - 1} redirects"
    return Finding(
        id="portal.redirect_loop", severity="critical",
        summary=f"the login URL redirects in a loop: {how} after {len(hops)} request{'s' * (len(hops) > 1)}",
        evidence=[f"{hop.status} {hop.url} -> {hop.location}" for hop in hops],
        data={
            "loop_url": evidence.loop_url, "requests": len(hops), "repeated": repeated,
            "hosts": evidence.redirect_hosts, "cookies_kept": True,
        },
    )


def retry_after_seconds(value: str, now: datetime) -> int | None:
    """Retry-After as seconds from `now`: the header holds either seconds or an HTTP date."""
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0, int((when - now).total_seconds()))
