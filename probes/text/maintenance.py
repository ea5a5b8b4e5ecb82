"""Maintenance wording in a page's text: is the portal down for maintenance now, or announcing it?

Pure and small on purpose: text in, the sentences that speak of maintenance out, each
with its group (`now` or `announced`) and the exact sentence, so a report can quote
the page and a later step can read a maintenance window out of the sentence. The
wording is data (`data/maintenance.toml`), ordered so the first matching rule decides.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import re
import tomllib
from datetime import datetime, tzinfo
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

from probes.text.maintenance_window import current_or_next, find_windows

MaintenanceGroup = Literal["now", "announced"]

_DATA = Path(__file__).with_name("data") / "maintenance.toml"
_MAX_SENTENCE = 300
# a sentence ends at . ! ? followed by space, except after "a.m." / "p.m." inside a time
_SENTENCE_END = re.compile(r"(?<![ap]\.m\.)(?<=[.!?])\s+")


class MaintenanceMatch(BaseModel):
    """One sentence that speaks of maintenance, quoted as the page has it."""

    group: MaintenanceGroup
    sentence: str
    phrase: str
    start: datetime | None = None
    end: datetime | None = None


@cache
def _rules() -> tuple[tuple[MaintenanceGroup, re.Pattern[str]], ...]:
    data = tomllib.loads(_DATA.read_text(encoding="utf-8"))
    when = data.get("when", "")
    return tuple(
        (rule["group"], re.compile(rule["pattern"].replace("{when}", when), re.IGNORECASE))
        for rule in data["rule"]
    )


def sentences(text: str) -> list[str]:
    """The text's sentences, whitespace collapsed; a line break always ends one."""
    found: list[str] = []
    for line in text.splitlines():
        line = " ".join(line.split())
        found.extend(part for part in _SENTENCE_END.split(line) if part)
    return found


def find_maintenance(text: str) -> list[MaintenanceMatch]:
    """Every distinct sentence of `text` that speaks of maintenance, in page order."""
    matches: list[MaintenanceMatch] = []
    seen: set[str] = set()
    for sentence in sentences(text):
        for group, pattern in _rules():
            hit = pattern.search(sentence)
            if hit is None:
                continue
            quoted = _clip(sentence, hit)
            if quoted not in seen:
                seen.add(quoted)
                matches.append(MaintenanceMatch(group=group, sentence=quoted, phrase=hit.group(0)))
            break
    return matches


def _clip(sentence: str, hit: re.Match[str]) -> str:
    """The sentence, or a window around the match when the sentence runs on (a page without full stops)."""
    if len(sentence) <= _MAX_SENTENCE:
        return sentence
    half = (_MAX_SENTENCE - len(hit.group(0))) // 2
    start = max(0, hit.start() - half)
    return sentence[start : start + _MAX_SENTENCE].strip()


def with_windows(
    matches: list[MaintenanceMatch], now: datetime, default_tz: tzinfo | None = None
) -> list[MaintenanceMatch]:
    """Regroup by the window a sentence announces: one that contains `now` is `now`, a later one `announced`.

    A sentence whose announced window is over is dropped ("maintenance Saturday 10 PM - 2 AM"
    read on Sunday noon), unless it says the portal is down now: a page still saying so is
    still down. Sentences without a window keep the group their wording gave them.
    """
    timed: list[MaintenanceMatch] = []
    for match in matches:
        window = current_or_next(find_windows(match.sentence, now, default_tz), now)
        if window is None:
            over = bool(find_windows(match.sentence, now, default_tz))
            if not over or match.group == "now":
                timed.append(match)
            continue
        group: MaintenanceGroup = "now" if window.state(now) == "now" else "announced"
        timed.append(match.model_copy(update={"group": group, "start": window.start, "end": window.end}))
    return timed
