"""What an HTML status page says in words, for pages that offer no Statuspage API.

The page's visible text is split into sentences; maintenance sentences are read with
the same rules as the portal's own pages (`probes.maintenance`), with any announced
window resolved against the run's clock, and outage wording with `data/status_page.toml`.
A page that says all systems are operational raises no outage from its incident history.
"""

from __future__ import annotations

import re
import tomllib
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path

from probes.base import Finding
from probes.maintenance import find_maintenance, sentences
from probes.maintenance_window import Window, current_or_next, find_windows

_DATA = Path(__file__).with_name("data") / "status_page.toml"


@cache
def _rules() -> tuple[re.Pattern[str], tuple[tuple[str, re.Pattern[str]], ...]]:
    data = tomllib.loads(_DATA.read_text(encoding="utf-8"))
    rules = tuple((r["group"], re.compile(r["pattern"], re.IGNORECASE)) for r in data["rule"])
    return re.compile(data["past"], re.IGNORECASE), rules


def wording_findings(
    text: str, now: datetime, extra_wording: list[str], evidence: list[str], default_tz: tzinfo | None = None
) -> tuple[list[str], list[Window], list[Finding]]:
    """The quoted sentences, the windows read from them, and the findings they support."""
    past, rules = _rules()
    said = [(m.group, m.sentence) for m in find_maintenance(text)]
    said += [("now", s) for s in sentences(text) if any(w.lower() in s.lower() for w in extra_wording)]
    maintenance = {s for _, s in said}
    groups: dict[str, list[str]] = {"healthy": [], "outage": [], "degraded": []}
    for sentence in sentences(text):
        if sentence in maintenance or past.search(sentence):
            continue  # "down for maintenance" is not an outage; history is not news
        group = next((g for g, p in rules if p.search(sentence)), None)
        if group is not None:
            groups[group].append(sentence)
    live: list[tuple[str, Window | None]] = []
    coming: list[tuple[str, Window | None]] = []
    windows: list[Window] = []
    for group, sentence in said:
        found = find_windows(sentence, now, default_tz)
        windows += found
        window = current_or_next(found, now)
        if window is not None:
            (live if window.state(now) == "now" else coming).append((sentence, window))
        elif not found:
            (live if group == "now" else coming).append((sentence, None))
    findings = [_maintenance(live, evidence)] if live else [_scheduled(coming, evidence)] if coming else []
    trouble = [] if groups["healthy"] else groups["outage"] or groups["degraded"]
    if trouble:
        findings.append(Finding(
            id="portal.outage", severity="critical" if groups["outage"] else "warning",
            summary=f"The portal's status page reports a problem: \"{trouble[0]}\"",
            evidence=evidence + trouble, data={"source": "status_page"},
        ))
    quoted = list(dict.fromkeys(groups["healthy"] + trouble + [s for _, s in said]))
    return quoted, windows, findings


def _maintenance(live: list[tuple[str, Window | None]], evidence: list[str]) -> Finding:
    sentence, window = next((item for item in live if item[1] is not None), live[0])
    until = f" until {window.end.isoformat()}" if window else ""
    return Finding(
        id="portal.maintenance", severity="critical",
        summary=f"The portal's status page says it is down for maintenance{until}: \"{sentence}\"",
        evidence=evidence + [s for s, _ in live],
        data={"source": "status_page", "start": window.start.isoformat() if window else None,
              "end": window.end.isoformat() if window else None},
    )


def _scheduled(coming: list[tuple[str, Window | None]], evidence: list[str]) -> Finding:
    timed = sorted((item for item in coming if item[1] is not None), key=lambda item: item[1].start)  # type: ignore[union-attr]
    sentence, window = timed[0] if timed else coming[0]
    when = f" from {window.start.isoformat()} to {window.end.isoformat()}" if window else ""
    return Finding(
        id="portal.maintenance_scheduled", severity="warning",
        summary=f"The portal's status page announces maintenance{when}: \"{sentence}\"",
        evidence=evidence + [s for s, _ in coming],
        data={"source": "status_page", "start": window.start.isoformat() if window else None,
              "end": window.end.isoformat() if window else None},
    )
