"""What an Atlassian Statuspage `/api/v2/summary.json` says about logging in, as findings.

The summary holds the page's overall indicator (none / minor / major / critical /
maintenance), every component's status, the unresolved incidents and the scheduled
maintenances (scheduled / in_progress / verifying / completed). Maintenance going on
now is `portal.maintenance`; one announced for the coming days `portal.maintenance_scheduled`;
a major or critical indicator, a component in outage or an open incident `portal.outage`.
Pure: data and the run's clock in, facts and findings out.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from datetime import datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field

from probes.evidence import Finding
from probes.text.maintenance_window import Window

SCHEDULED_HORIZON = timedelta(days=14)
_OUTAGE = ("major_outage", "partial_outage")
_OPEN_MAINTENANCE = ("scheduled", "in_progress", "verifying")


class Component(BaseModel):
    name: str
    status: str


class Incident(BaseModel):
    name: str
    status: str
    impact: str = "none"
    components: list[str] = []
    started_at: str | None = None


class Maintenance(BaseModel):
    name: str
    status: str
    scheduled_for: datetime | None = None
    scheduled_until: datetime | None = None
    components: list[str] = []


class Summary(BaseModel):
    """The parts of the summary that matter for a login, as the page published them."""

    page_name: str | None = None
    indicator: str | None = None
    description: str | None = None
    components_total: int = 0
    components_affected: list[Component] = Field(default=[], description="not operational")
    incidents: list[Incident] = []
    maintenances: list[Maintenance] = []


def looks_like_summary(data: object) -> bool:
    """A Statuspage summary (or a status.json) has a `status` object or a `components` list."""
    if not isinstance(data, dict):
        return False
    return isinstance(data.get("status"), dict) or isinstance(data.get("components"), list)


def read_summary(data: dict[str, Any]) -> Summary:
    """The summary's facts; unknown or missing parts are left empty rather than guessed."""
    status = data.get("status") or {}
    components = [c for c in data.get("components") or [] if isinstance(c, dict) and not c.get("group")]
    names = {c.get("id"): str(c.get("name", "?")) for c in components}
    return Summary(
        page_name=(data.get("page") or {}).get("name"),
        indicator=status.get("indicator"),
        description=status.get("description"),
        components_total=len(components),
        components_affected=[
            Component(name=str(c.get("name", "?")), status=str(c.get("status")))
            for c in components if c.get("status") not in (None, "operational")
        ],
        incidents=[_incident(i, names) for i in data.get("incidents") or []
                   if isinstance(i, dict) and i.get("status") not in ("resolved", "postmortem")],
        maintenances=[_maintenance(m, names) for m in data.get("scheduled_maintenances") or []
                      if isinstance(m, dict) and m.get("status") in _OPEN_MAINTENANCE],
    )


def _incident(item: dict[str, Any], names: dict[Any, str]) -> Incident:
    return Incident(
        name=str(item.get("name", "?")), status=str(item.get("status", "?")),
        impact=str(item.get("impact") or "none"), components=_component_names(item, names),
        started_at=item.get("started_at") or item.get("created_at"),
    )


def _maintenance(item: dict[str, Any], names: dict[Any, str]) -> Maintenance:
    return Maintenance(
        name=str(item.get("name", "?")), status=str(item.get("status", "?")),
        scheduled_for=_time(item.get("scheduled_for")), scheduled_until=_time(item.get("scheduled_until")),
        components=_component_names(item, names),
    )


def summary_findings(summary: Summary, now: datetime, evidence: list[str]) -> list[Finding]:
    """Maintenance now, maintenance announced, outage: at most one finding of each."""
    findings: list[Finding] = []
    live = [m for m in summary.maintenances if _is_live(m, now)]
    coming = sorted(
        (m for m in summary.maintenances
         if m.status == "scheduled" and m.scheduled_for and now < m.scheduled_for <= now + SCHEDULED_HORIZON),
        key=lambda m: m.scheduled_for or now,
    )
    in_maintenance = [c for c in summary.components_affected if c.status == "under_maintenance"]
    if live or in_maintenance:
        first = live[0] if live else None
        until = f" until {first.scheduled_until.isoformat()}" if first and first.scheduled_until else ""
        what = f"'{first.name}' ({first.status.replace('_', ' ')}){until}" if first else (
            "components under maintenance: " + ", ".join(c.name for c in in_maintenance))
        findings.append(Finding(
            id="portal.maintenance", severity="critical",
            summary=f"The portal's status page reports maintenance going on now: {what}.",
            evidence=evidence + [_maintenance_line(m) for m in live]
            + [f"component {c.name}: {c.status}" for c in in_maintenance],
            data={"source": "status_page", "name": first.name if first else None,
                  "start": _iso(first.scheduled_for) if first else None,
                  "end": _iso(first.scheduled_until) if first else None},
        ))
    if coming:
        soon = coming[0]
        findings.append(Finding(
            id="portal.maintenance_scheduled", severity="warning",
            summary=f"The portal's status page announces maintenance '{soon.name}' from "
                    f"{_iso(soon.scheduled_for)} to {_iso(soon.scheduled_until) or 'an unannounced end'}.",
            evidence=evidence + [_maintenance_line(m) for m in coming],
            data={"source": "status_page", "name": soon.name, "start": _iso(soon.scheduled_for),
                  "end": _iso(soon.scheduled_until)},
        ))
    outage = _outage(summary, evidence)
    if outage is not None:
        findings.append(outage)
    return findings


def _outage(summary: Summary, evidence: list[str]) -> Finding | None:
    down = [c for c in summary.components_affected if c.status in _OUTAGE]
    degraded = [c for c in summary.components_affected if c.status == "degraded_performance"]
    major = summary.indicator in ("major", "critical")
    if not (major or down or summary.incidents or degraded):
        return None
    critical = major or bool(down) or any(i.impact in ("major", "critical") for i in summary.incidents)
    said = summary.description or summary.indicator or "an incident"
    names = ", ".join(f"'{i.name}'" for i in summary.incidents)
    facts = evidence + [f"indicator: {summary.indicator} ({summary.description})"] + [
        f"incident '{i.name}': {i.status}, impact {i.impact}"
        + (f", affects {', '.join(i.components)}" if i.components else "") for i in summary.incidents
    ] + [f"component {c.name}: {c.status}" for c in down + degraded]
    return Finding(
        id="portal.outage", severity="critical" if critical else "warning",
        summary=f"The portal's status page reports {said}" + (f": {names}" if names else "") + ".",
        evidence=facts,
        data={"source": "status_page", "indicator": summary.indicator,
              "incidents": [i.name for i in summary.incidents],
              "components": {c.name: c.status for c in down + degraded}},
    )


def _is_live(m: Maintenance, now: datetime) -> bool:
    """In progress by its status, or its announced window (the one rule, `Window.state`) contains now."""
    if m.status in ("in_progress", "verifying"):
        return m.status == "in_progress" or m.scheduled_until is None or now < m.scheduled_until
    if m.scheduled_for is None or m.scheduled_until is None:
        return False
    return Window(text=m.name, start=m.scheduled_for, end=m.scheduled_until).state(now) == "now"


def _maintenance_line(m: Maintenance) -> str:
    return f"maintenance '{m.name}': {m.status}, {_iso(m.scheduled_for)} to {_iso(m.scheduled_until)}"


def _component_names(item: dict[str, Any], names: dict[Any, str]) -> list[str]:
    found = []
    for component in item.get("components") or []:
        if isinstance(component, dict):
            found.append(str(component.get("name") or names.get(component.get("id"), "?")))
    return found


def _time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else None


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None
