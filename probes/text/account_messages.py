"""What the portal said after a login attempt: locked, expired, wrong password, a second factor, success.

Only text the attempt made appear is read (lines already on the page before submitting
do not count: a login page that warns "accounts are locked after 5 attempts" is not
a locked account). The portal's own wording from its profile is tried first, as it is
the most specific; then the built-in English patterns (`data/account_messages.toml`),
outcome by outcome in the file's order.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from probes.profile import Profile
from probes.text.maintenance import find_maintenance

Outcome = Literal["locked", "password_expired", "invalid_credentials", "mfa", "success", "rejected"]
_DATA = Path(__file__).with_name("data") / "account_messages.toml"
MAX_QUOTE = 300


class Verdict(BaseModel):
    """The outcome a line of the page supports, the line itself, and the wording that matched."""

    outcome: Outcome
    message: str
    pattern: str
    source: Literal["profile", "built-in"]


@cache
def _builtin() -> tuple[tuple[Outcome, tuple[re.Pattern[str], ...]], ...]:
    data = tomllib.loads(_DATA.read_text(encoding="utf-8"))
    return tuple(
        (item["name"], tuple(re.compile(p, re.IGNORECASE) for p in item["patterns"])) for item in data["outcome"]
    )


def outcomes() -> tuple[Outcome, ...]:
    return tuple(name for name, _ in _builtin())


def lines_of(text: str) -> list[str]:
    """Non-empty lines, whitespace collapsed."""
    return [line for line in (" ".join(raw.split()) for raw in text.splitlines()) if line]


def new_lines(before: str, after: str) -> list[str]:
    """Lines of `after` that `before` did not have, in page order."""
    seen = set(lines_of(before))
    return [line for line in lines_of(after) if line not in seen]


def _profile_wording(profile: Profile | None) -> list[tuple[Outcome, str]]:
    if profile is None:
        return []
    messages = profile.account_messages
    found: list[tuple[Outcome, str]] = []
    for outcome in outcomes():
        phrases: list[str] = getattr(messages, outcome)
        for phrase in phrases:
            if phrase.strip():
                found.append((outcome, phrase.strip()))
    return found


def classify_lines(lines: list[str], profile: Profile | None = None) -> Verdict | None:
    """The first outcome the lines support: the profile's wording first, then the built-in patterns."""
    for outcome, phrase in _profile_wording(profile):
        for line in lines:
            if phrase.lower() in line.lower():
                return Verdict(outcome=outcome, message=line[:MAX_QUOTE], pattern=phrase, source="profile")
    for outcome, patterns in _builtin():
        for pattern in patterns:
            for line in lines:
                if pattern.search(line):
                    return Verdict(outcome=outcome, message=line[:MAX_QUOTE], pattern=pattern.pattern,
                                   source="built-in")
    return None


_OUTCOME_CAUSES: dict[Outcome, str] = {
    "locked": "account.locked", "password_expired": "account.password_expired",
    "invalid_credentials": "account.invalid_credentials", "rejected": "account.login_rejected",
}


@cache
def _portal_rules() -> tuple[tuple[str, tuple[re.Pattern[str], ...]], ...]:
    data = tomllib.loads((_DATA.parent / "portal_messages.toml").read_text(encoding="utf-8"))
    return tuple((item["id"], tuple(re.compile(p, re.IGNORECASE) for p in item["patterns"])) for item in data["cause"])


def classify_message(text: str, profile: Profile | None = None) -> tuple[str, str] | None:
    """A message the user saw (any page, any time) as (cause id, the line that says it), or None.

    The account wording comes first (it is the most specific), then maintenance, then the
    portal's own failures. A second-factor prompt or a welcome is no cause.
    """
    lines = lines_of(text)
    verdict = classify_lines(lines, profile)
    if verdict is not None and verdict.outcome in _OUTCOME_CAUSES:
        return _OUTCOME_CAUSES[verdict.outcome], verdict.message
    for match in find_maintenance(text):
        return ("portal.maintenance" if match.group == "now" else "portal.maintenance_scheduled"), match.sentence
    for cause_id, patterns in _portal_rules():
        for line in lines:
            if any(p.search(line) for p in patterns):
                return cause_id, line[:MAX_QUOTE]
    return None
