"""The words every renderer uses: status, who must act, the headline, what an OK run could not see.

One table each, so the terminal, HTML, Markdown and the webhook agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Final

from reports import timefmt

if TYPE_CHECKING:
    from reports.models import Cause, Report

STATUS_WORDS: Final[dict[str, str]] = {
    "ok": "OK: nothing found that blocks logging in",
    "warning": "WARNING: something degrades or will soon break logging in",
    "critical": "CRITICAL: something blocks logging in",
    "unknown": "UNKNOWN: the agent could not check enough to say",
}

IDENTIFIER_LABELS: Final[dict[str, str]] = {
    "provider_id": "Provider ID", "npi": "NPI", "tax_id": "Tax ID", "practice_name": "Practice name",
}

OWNER_WORDS: Final[dict[str, str]] = {
    "workstation": "this workstation's IT support",
    "network": "your network's IT support or internet provider",
    "portal": "the portal's support",
    "account": "your practice's portal account administrator",
}

# The checks the seed guide lists that the agent cannot make from here (an OK run says so).
NOT_SEEN: Final[list[str]] = [
    "your own browser's cache and extensions, and its pop-up blocker (try a private window);",
    "the phone's authenticator app: its clock and its push notifications.",
]
TRY_ACCOUNT: Final = "Run again with credentials (DIAGNOSE_USERNAME, DIAGNOSE_PASSWORD) to test the account."


def status_meaning(status: str) -> str:
    """What a status means, without the status word: "nothing found that blocks logging in"."""
    return STATUS_WORDS[status].split(": ", 1)[1]


def who(owner: str | None) -> str:
    """Who must act, in words: `the portal's support`."""
    return OWNER_WORDS.get(owner or "", "not known (a report from an older version)")


def headline(cause: Cause, now: datetime) -> str:
    """The first cause in plain words, with its date when it has one ("… expired on Sat 31 Oct 2026")."""
    end, start = cause.window_end, cause.window_start
    if cause.id == "tls.cert_expired" and end:
        return f"The portal's certificate expired on {timefmt.day(end)}"
    if cause.id == "tls.expiring_soon" and end:
        return f"The portal's certificate expires on {timefmt.day(end)}"
    if cause.id == "tls.cert_not_yet_valid" and start:
        return f"The portal's certificate is not valid until {timefmt.day(start)}"
    if cause.id == "portal.maintenance" and end:
        return f"The portal is down for maintenance, back at {timefmt.back_at(end, now)}"
    if cause.id == "portal.maintenance_scheduled" and start:
        until = f" to {timefmt.back_at(end, start)}" if end else ""
        return f"Maintenance is announced from {timefmt.back_at(start, now)}{until}"
    return cause.title


# What a check off the path to the login page looks at, for the line saying it could not check.
UNFINISHED_WORDS = {
    "clock": "the clock check (a clock minutes off breaks sign-in codes and single sign-on)",
    "sso": "the identity provider check (single sign-on)",
    "status_page": "the portal's status page",
    "proxy": "the proxy check",
    "user_browser": "your browser's own settings and extensions",
    "login": "the sign-in with your account",
}


def not_seen(report: Report) -> list[str]:
    """What an OK run could not check from here, as a few lines: first any check that could not end (the
    deadline cut it, a reference did not answer)."""
    lines = [f"{UNFINISHED_WORDS.get(p.name, f'the {p.name} check')}: could not check "
             f"({(p.reason or p.status).removeprefix('could not check: ')})"
             for p in report.probes if p.status in ("timeout", "error")]
    lines += NOT_SEEN
    login = next((p for p in report.probes if p.name == "login"), None)
    if login is None or login.status == "skip":
        lines.append(TRY_ACCOUNT)
    return lines


def label(identifier: str) -> str:
    """A support identifier's name as people write it ("NPI", "Tax ID")."""
    return IDENTIFIER_LABELS.get(identifier, identifier.replace("_", " ").capitalize())
