"""The cause catalog (agent/data/causes.toml): titles, base confidence, owner, contact and remediation per id.

The owner decides who is told to act in every renderer; `annotate` copies it onto the
ranked causes, with a maintenance window's start and end where a probe found one.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import tomllib
from datetime import datetime, timedelta
from functools import cache
from importlib import resources

from pydantic import BaseModel, Field

from probes.base import ProbeResult
from reports.models import Cause, Owner

CONTACT_ADVICE: dict[Owner, str] = {
    "workstation": "This is fixed on this workstation: ask your IT support.",
    "network": "This is fixed in your network (DNS, firewall, proxy, VPN) or by your internet provider: "
    "ask your IT support.",
    "portal": "This is on the portal's side: contact the portal's support with this report.",
    "account": "This is about the account: ask your practice's portal administrator, "
    "or the portal's support if you are the administrator.",
}


class CauseInfo(BaseModel):
    title: str
    confidence: float = Field(ge=0, le=1)
    owner: Owner
    contact: str | None = None
    remediation: list[str]


@cache
def catalog() -> dict[str, CauseInfo]:
    """Every known cause id and what the report says about it."""
    text = resources.files("agent.engine").joinpath("data/causes.toml").read_text(encoding="utf-8")
    return {cid: CauseInfo(**entry) for cid, entry in tomllib.loads(text)["causes"].items()}


def info(cause_id: str) -> CauseInfo:
    """The catalog entry, or a plain one for an id a newer probe added before the catalog knew it."""
    known = catalog().get(cause_id)
    if known is not None:
        return known
    return CauseInfo(title=cause_id, confidence=0.5, owner="portal", remediation=[])


def contact_advice(cause_id: str) -> str:
    """Whom to contact for this cause: the catalog's own words, else its owner's."""
    entry = info(cause_id)
    return entry.contact or CONTACT_ADVICE[entry.owner]


def annotate(causes: list[Cause], results: list[ProbeResult], started: datetime) -> list[Cause]:
    """The causes with their owner, and the window (maintenance, certificate validity) a finding gave."""
    windows = _windows(results, started)
    return [cause.model_copy(update={"owner": info(cause.id).owner,
                                     "window_start": windows.get(cause.id, (None, None))[0],
                                     "window_end": windows.get(cause.id, (None, None))[1]})
            for cause in causes]


def _windows(results: list[ProbeResult], started: datetime) -> dict[str, tuple[datetime | None, datetime | None]]:
    """Per cause id, the first window a finding states: a maintenance (ISO times, Retry-After), a validity."""
    found: dict[str, tuple[datetime | None, datetime | None]] = {}
    for result in results:
        for finding in result.findings:
            if finding.validity is not None:
                start, end = _parse(finding.validity.not_before), _parse(finding.validity.not_after)
            elif finding.id.startswith("portal.maintenance"):
                start, end = _parse(finding.data.get("start")), _parse(finding.data.get("end"))
            else:
                continue
            seconds = finding.data.get("retry_after_seconds")
            if end is None and isinstance(seconds, int | float) and seconds > 0:
                end = started + timedelta(seconds=seconds)
            if (start or end) and found.get(finding.id, (None, None)) == (None, None):
                found[finding.id] = (start, end)
    return found


def _parse(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
