"""The demo portal's status page: an Atlassian Statuspage-compatible `/api/v2/summary.json`.

One document per variant (see demo.faults.Fault.status): all operational, maintenance in
progress, maintenance scheduled for the announced window, or a major outage with an
open incident. Times are real (around the moment the demo starts), as a live page's are.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from demo.web import Page

_COMPONENTS = ("Provider Portal", "Sign-in (SSO)", "Claims and Eligibility")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def summary(variant: str, now: datetime, window: tuple[datetime, datetime]) -> dict[str, object]:
    """The summary document the status page serves for `variant`."""
    status = {"indicator": "none", "description": "All Systems Operational"}
    portal_status = "operational"
    incidents: list[dict[str, object]] = []
    maintenances: list[dict[str, object]] = []
    portal = {"id": "c-portal", "name": _COMPONENTS[0]}
    if variant == "maintenance":
        status = {"indicator": "maintenance", "description": "Service Under Maintenance"}
        portal_status = "under_maintenance"
        maintenances.append({"id": "m1", "name": "Provider portal upgrade", "status": "in_progress",
                             "impact": "maintenance", "scheduled_for": _iso(now - timedelta(minutes=30)),
                             "scheduled_until": _iso(now + timedelta(minutes=90)), "components": [portal]})
    elif variant == "scheduled":
        maintenances.append({"id": "m2", "name": "Provider portal upgrade", "status": "scheduled",
                             "impact": "maintenance", "scheduled_for": _iso(window[0]),
                             "scheduled_until": _iso(window[1]), "components": [portal]})
    elif variant == "outage":
        status = {"indicator": "major", "description": "Major System Outage"}
        portal_status = "major_outage"
        incidents.append({"id": "i1", "name": "Provider portal unavailable", "status": "investigating",
                          "impact": "major", "created_at": _iso(now - timedelta(minutes=20)),
                          "components": [portal]})
    elif variant != "ok":
        raise ValueError(f"unknown status variant {variant!r}")
    components = [
        {"id": f"c-{i}" if i else "c-portal", "name": name, "group": False,
         "status": portal_status if i == 0 else "operational"}
        for i, name in enumerate(_COMPONENTS)
    ]
    return {
        "page": {"id": "demo", "name": "Demo Provider Portal", "url": "https://status.demo.test",
                 "updated_at": _iso(now)},
        "status": status, "components": components, "incidents": incidents,
        "scheduled_maintenances": maintenances,
    }


def status_routes(variant: str, now: datetime, window: tuple[datetime, datetime]) -> dict[str, Page]:
    document = summary(variant, now, window)
    status = document["status"]
    said = status.get("description", "") if isinstance(status, dict) else ""
    return {
        "/api/v2/summary.json": Page(json.dumps(document, indent=2), content_type="application/json"),
        "/": Page(f"<!doctype html><title>Demo Provider Portal Status</title><h1>{said}</h1>"),
    }
