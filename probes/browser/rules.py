"""What the browser's evidence means for a login, as a table of rules over `BrowserEvidence`.

A navigation that failed says where the login broke: a redirect loop, an identity
provider on another host, or the portal itself (mapped by Chromium's error name,
`data/net_errors.toml`). A page that loaded is judged by whether a login form showed:
without one, the most specific reason seen is reported (maintenance, a server error,
a rejected browser, refused cookies, resources that failed, scripts that threw) and
`browser.login_form_missing` only when none is seen; a form whose sign-in button a
failed script left disabled counts as none. With a usable form, only what still
degrades the login is reported, as a warning, except a form the browser will not send
(an https:// page posting to plain http://: `portal.insecure_login`, critical, predicted
from the form's target since this probe submits nothing). A healthy page gives no finding.
"""

from __future__ import annotations

import tomllib
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from probes.evidence import Finding, Severity
from probes.profile import Profile
from probes.text.maintenance import MaintenanceMatch, find_maintenance, sentences
from probes.text.maintenance_window import current_or_next, find_windows
from probes.web.insecure_form import blocked_finding
from probes.web.watch import host_of

if TYPE_CHECKING:
    from probes.browser.evidence import BrowserEvidence

_DATA = Path(__file__).with_name("data") / "net_errors.toml"
_BLOCKED_CONSOLE = ("Refused to load", "Refused to execute", "Refused to apply")
_PROFILE_NAMES = {"msedge": "edge"}


@cache
def _net_errors() -> dict[str, Any]:
    return tomllib.loads(_DATA.read_text(encoding="utf-8"))


def maintenance_matches(text: str, profile: Profile | None) -> list[MaintenanceMatch]:
    """Maintenance sentences in the rendered text: the built-in wording, then the profile's own (as 'now')."""
    found = find_maintenance(text)
    known = {m.sentence for m in found}
    for wording in profile.maintenance_wording if profile else []:
        for sentence in sentences(text):
            if wording.lower() in sentence.lower() and sentence not in known:
                known.add(sentence)
                found.append(MaintenanceMatch(group="now", sentence=sentence, phrase=wording))
    return found


def classify(
    ev: BrowserEvidence, portal_host: str, profile: Profile | None, now: datetime, proxied: bool = False,
) -> list[Finding]:
    """The findings the evidence supports; empty for a healthy login page.

    `proxied`: a proxy carried the login page, so a failed load may be the proxy's doing.
    """
    if ev.navigation_error:
        return _navigation(ev, portal_host, proxied)
    form = ev.login_form is not None and ev.login_form_usable is not False
    findings: list[Finding] = []
    maintenance = _maintenance(ev, now)
    if maintenance is not None:
        findings.append(maintenance)
        if maintenance.id == "portal.maintenance" and not form:
            return findings
    if ev.main_status is not None and ev.main_status >= 500:
        findings.append(_server_error(ev, portal_host))
        return findings
    findings += _unsupported(ev, profile, form)
    findings += _cookies(ev, form)
    blocked = _blocked(ev)
    if blocked:
        findings.append(_finding("browser.resource_blocked", "warning" if form else "critical",
                                 f"{len(blocked)} resource{'s' * (len(blocked) > 1)} the login page needs "
                                 f"did not load (first: {blocked[0]})", blocked,
                                 {"failed": [f.model_dump() for f in ev.failed_requests if f.required],
                                  "hosts": sorted({f.host for f in ev.failed_requests if f.required}),
                                  "form_present": form}))
    findings += _insecure_form(ev)
    if form:
        return findings
    said_js = ev.wording.get("enable_javascript")
    if not blocked and (ev.page_errors or said_js):
        facts = ev.page_errors + ([f"the page says: \u201c{said_js}\u201d"] if said_js else [])
        findings.append(_finding("browser.script_error", "critical",
                                 f"the login page's scripts failed and no login form appeared: {facts[0]}",
                                 facts, {"page_errors": ev.page_errors, "console_errors": ev.console_errors,
                                         "url": ev.final_url}))
    if not any(f.severity == "critical" for f in findings):
        findings.append(_form_missing(ev))
    return findings


def _form_missing(ev: BrowserEvidence) -> Finding:
    data = {"url": ev.final_url, "status": ev.main_status, "host": ev.final_host, "form": ev.login_form}
    if ev.login_form is not None:
        return _finding("browser.login_form_missing", "critical",
                        f"the login form on {ev.final_url} cannot be used: its sign-in button stays disabled",
                        [f"the {ev.login_form} field in {ev.login_form_frame} is shown, its form's button disabled"],
                        data)
    return _finding("browser.login_form_missing", "critical",
                    f"{ev.final_url} loaded (status {ev.main_status}) but showed no login form",
                    [f"no visible password or user-name field in any frame of {ev.final_url}"], data)


def _finding(cause: str, severity: Severity, summary: str, facts: list[str], data: dict[str, Any]) -> Finding:
    return Finding(id=cause, severity=severity, summary=summary, evidence=facts, data=data)


def _navigation(ev: BrowserEvidence, portal_host: str, proxied: bool) -> list[Finding]:
    error, url = ev.navigation_error or "", ev.navigation_error_url or ev.url
    host = host_of(url)
    fact = f"{error} at {url}"
    chain = [f"redirected through: {' -> '.join(ev.redirect_chain)}"] if len(ev.redirect_chain) > 1 else []
    if error in _net_errors()["loop"]:
        return [_finding("portal.redirect_loop", "critical", f"the login redirects in a loop ({error})",
                         [fact, *chain], {"url": url, "net_error": error, "hosts": ev.redirect_hosts,
                                          "requests": len(ev.redirect_chain)})]
    if error in _net_errors()["could_not_check"]:
        return []  # not a failure of any host: `unchecked` gives the reason
    if host and host != portal_host:
        return [_finding("sso.idp_unreachable", "critical",
                         f"the login was sent on to {host}, which the browser could not reach ({error})",
                         [fact, *chain], {"host": host, "hosts": [host], "url": url, "net_error": error,
                                          "redirect_hosts": ev.redirect_hosts, "portal_host": portal_host})]
    cause = (_net_errors()["proxied"].get(error) if proxied else None) or _net_errors()["portal"].get(error)
    if cause is None:
        return []
    return [_finding(cause, "critical", f"the browser could not load the login page: {error}", [fact],
                     {"source": "browser", "net_error": error, "url": url})]


def unchecked(ev: BrowserEvidence, findings: list[Finding]) -> str | None:
    """Why the page could not be judged: it did not load and no finding names a cause (else None).

    A name listed as "could not check" gives its reason; one not listed at all says so. Either
    way the probe is an error, which the verdict never counts as a pass.
    """
    if not ev.navigation_error or findings:
        return None
    where = f"the login page did not load: {ev.navigation_error} at {ev.navigation_error_url}"
    why = _net_errors()["could_not_check"].get(ev.navigation_error)
    if why is None and ev.navigation_error.startswith("net::ERR_"):
        why = "a browser error this agent does not map to a cause"
    return f"{where} ({why})" if why else where


def _insecure_form(ev: BrowserEvidence) -> list[Finding]:
    """A login form the browser will not send; a page served over plain http:// is the http probe's warning."""
    target = ev.form_target
    return [blocked_finding(target, "browser")] if target is not None and target.chromium_blocks else []


def _server_error(ev: BrowserEvidence, portal_host: str) -> Finding:
    fact = f"{ev.final_url} answered {ev.main_status}"
    if ev.final_host and ev.final_host != portal_host:
        return _finding("sso.idp_unreachable", "critical",
                        f"the identity provider {ev.final_host} answered with a server error ({ev.main_status})",
                        [fact], {"host": ev.final_host, "hosts": [ev.final_host], "url": ev.final_url,
                                 "status": ev.main_status,
                                 "redirect_hosts": ev.redirect_hosts, "portal_host": portal_host})
    return _finding("portal.outage", "critical", f"the login page answered with a server error ({ev.main_status})",
                    [fact], {"source": "browser", "status": ev.main_status, "url": ev.final_url})


def _maintenance(ev: BrowserEvidence, now: datetime) -> Finding | None:
    live: list[tuple[str, Any]] = []
    coming: list[tuple[str, Any]] = []
    for match in ev.maintenance:
        windows = find_windows(match.sentence, now)
        window = current_or_next(windows, now)
        if window is not None:
            (live if window.state(now) == "now" else coming).append((match.sentence, window))
        elif not windows:
            (live if match.group == "now" else coming).append((match.sentence, None))
    if not live and not coming:
        return None
    group = live or coming
    sentence, window = next((item for item in group if item[1] is not None), group[0])
    data = {"source": "browser", "url": ev.final_url, "sentences": [s for s, _ in group],
            "start": window.start.isoformat() if window else None, "end": window.end.isoformat() if window else None}
    facts = [f"the rendered page says: \u201c{s}\u201d" for s, _ in group]
    if live:
        return _finding("portal.maintenance", "critical", f"the login page says the portal is down for "
                        f"maintenance: \u201c{sentence}\u201d", facts, data)
    return _finding("portal.maintenance_scheduled", "warning",
                    f"the login page announces maintenance: \u201c{sentence}\u201d", facts, data)


def _unsupported(ev: BrowserEvidence, profile: Profile | None, form: bool) -> list[Finding]:
    said = ev.wording.get("unsupported")
    name, version = ev.browser.get("channel", ""), ev.browser.get("version", "")
    supported: dict[str, str] = dict(profile.supported_browsers.items()) if profile else {}
    minimum = supported.get(_PROFILE_NAMES.get(name, name))
    too_old = minimum is not None and _older(version, minimum)
    if not said and not too_old:
        return []
    facts = [f"the page says: \u201c{said}\u201d"] if said else []
    if too_old:
        facts.append(f"{ev.browser.get('name')} {version} is older than the portal's minimum {minimum}")
    return [_finding("browser.unsupported", "critical" if said and not form else "warning",
                     f"the portal does not support this browser: {facts[0]}", facts,
                     {"text": said, "browser": ev.browser.get("name"), "version": version, "minimum": minimum})]


def _older(version: str, minimum: str) -> bool:
    def parts(text: str) -> tuple[int, ...]:
        return tuple(int(p) for p in text.split(".") if p.isdigit())

    have = parts(version)
    return bool(have) and have < parts(minimum)


def _cookies(ev: BrowserEvidence, form: bool) -> list[Finding]:
    check, said = ev.cookies, ev.wording.get("enable_cookies")
    refused = check.enabled is False or check.test_write is False
    if not (said or refused or check.rejected):
        return []
    facts = []
    if said:
        facts.append(f"the page says: \u201c{said}\u201d")
    if refused:
        facts.append(f"a test cookie could not be stored (cookieEnabled={check.enabled}, read back={check.test_write})")
    if check.rejected:
        facts.append(f"cookies set by the server but not kept by the browser: {', '.join(check.rejected)}")
    severity: Severity = "critical" if said or refused or not form else "warning"
    return [_finding("browser.cookies_blocked", severity, f"the portal cannot set its cookies: {facts[0]}", facts,
                     {"text": said, "cookie_enabled": check.enabled, "test_write": check.test_write,
                      "rejected": check.rejected})]


def _blocked(ev: BrowserEvidence) -> list[str]:
    failed = [f"{f.resource_type} {f.url}: {f.error}" for f in ev.failed_requests if f.required]
    return failed + [c for c in ev.console_errors if c.startswith(_BLOCKED_CONSOLE) or "has been blocked" in c]


def summarize(ev: BrowserEvidence) -> str:
    """One line for the report: where the page ended and what showed."""
    browser = f"{ev.browser.get('name', 'browser')} {ev.browser.get('version', '')}".strip()
    if ev.navigation_error:
        return f"{browser}: {ev.navigation_error} at {ev.navigation_error_url}"
    shown = {"password": "a login form", "identifier": "a user-name form"}.get(ev.login_form or "", "no login form")
    if ev.login_form is not None and ev.login_form_usable is False:
        shown += " that cannot be used (sign-in button disabled)"
    where = f" on {ev.final_host}" if ev.final_host else ""
    extra = f", {len(ev.page_errors)} script error(s)" if ev.page_errors else ""
    return f"{browser}: {ev.final_url} showed {shown}{where}{extra}"
