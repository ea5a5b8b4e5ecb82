"""What an HTML status page says in words, for pages that offer no Statuspage API.

The page's visible text is split into sentences; maintenance sentences are read with
the same rules as the portal's own pages (`probes.text.maintenance`), with any announced
window resolved against the run's clock (`with_windows`), and outage wording with `data/status_page.toml`.
A page that says all systems are operational raises no outage from its incident history.
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path

from probes.evidence import Finding
from probes.text.maintenance import MaintenanceMatch, find_maintenance, sentences, with_windows

_DATA = Path(__file__).with_name("data") / "status_page.toml"


@cache
def _rules() -> tuple[re.Pattern[str], tuple[tuple[str, re.Pattern[str]], ...]]:
    data = tomllib.loads(_DATA.read_text(encoding="utf-8"))
    rules = tuple((r["group"], re.compile(r["pattern"], re.IGNORECASE)) for r in data["rule"])
    return re.compile(data["past"], re.IGNORECASE), rules


def wording_findings(
    text: str, now: datetime, extra_wording: list[str], evidence: list[str], default_tz: tzinfo | None = None
) -> tuple[list[str], list[MaintenanceMatch], list[Finding]]:
    """The quoted sentences, the maintenance sentences (with their windows) and the findings they support."""
    past, rules = _rules()
    said = find_maintenance(text)
    known = {m.sentence for m in said}
    said += [MaintenanceMatch(group="now", sentence=s, phrase=w) for s in sentences(text) for w in extra_wording
             if w.lower() in s.lower() and s not in known]
    groups: dict[str, list[str]] = {"healthy": [], "outage": [], "degraded": []}
    for sentence in sentences(text):
        if sentence in {m.sentence for m in said} or past.search(sentence):
            continue  # "down for maintenance" is not an outage; history is not news
        group = next((g for g, p in rules if p.search(sentence)), None)
        if group is not None:
            groups[group].append(sentence)
    timed = with_windows(said, now, default_tz)
    live = [m for m in timed if m.group == "now"]
    coming = sorted((m for m in timed if m.group == "announced"), key=lambda m: (m.start is None, m.start or now))
    findings = [_finding("portal.maintenance", live, evidence)] if live else (
        [_finding("portal.maintenance_scheduled", coming, evidence)] if coming else [])
    trouble = [] if groups["healthy"] else groups["outage"] or groups["degraded"]
    if trouble:
        findings.append(Finding(
            id="portal.outage", severity="critical" if groups["outage"] else "warning",
            summary=f"The portal's status page reports a problem: \"{trouble[0]}\"",
            evidence=evidence + trouble, data={"source": "status_page"},
        ))
    return list(dict.fromkeys(groups["healthy"] + trouble + [m.sentence for m in said])), timed, findings


def _finding(cause: str, matches: list[MaintenanceMatch], evidence: list[str]) -> Finding:
    first = next((m for m in matches if m.start is not None), matches[0])
    start, end = (first.start.isoformat() if first.start else None), (first.end.isoformat() if first.end else None)
    if cause == "portal.maintenance":
        summary = "The portal's status page says it is down for maintenance" + (f" until {end}" if end else "")
    else:
        summary = "The portal's status page announces maintenance" + (f" from {start} to {end}" if start else "")
    return Finding(
        id=cause, severity="critical" if cause == "portal.maintenance" else "warning",
        summary=f"{summary}: \"{first.sentence}\"", evidence=evidence + [m.sentence for m in matches],
        data={"source": "status_page", "start": start, "end": end},
    )
