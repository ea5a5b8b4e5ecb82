"""Maintenance windows read out of announcement wording: "Saturday 10 PM - 2 AM ET" as two instants.

Whether a portal is down for maintenance *now* or only will be decides between a
critical cause and a warning, and announcements rarely say which: they give a weekday,
a date without a year, or a time zone abbreviation. This module turns such a sentence
into aware `start`/`end` datetimes relative to the run's clock (`now`), choosing the
occurrence the announcement most plausibly means. Time-zone words are data
(`data/time_zones.toml`). Text with no start and end time gives no window.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone, tzinfo
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from probes.text.window_dates import DateSpec, date_pattern

WindowState = Literal["now", "upcoming", "past"]

_MERIDIEM = r"[ap]\.?\s?m\b\.?"
_TIME = (
    rf"(?i:\b\d{{1,2}}(?::[0-5]\d)?\s*{_MERIDIEM}|\b(?:[01]?\d|2[0-3]):[0-5]\d\b|\bnoon\b|\bmidnight\b"
    rf"|\b\d{{1,2}}(?=\s*(?:-|\u2013|\u2014|to|and)\s*\d{{1,2}}(?::[0-5]\d)?\s*{_MERIDIEM}))"
)
_SEP = r"(?:\s*[-\u2013\u2014]\s*|(?i:\b(?:to|until|till|through|thru|and)\b))"
_FILLER = re.compile(
    r"(?i:\b(?:at|on|from|between|starting|beginning|begins|of|the|night|morning|evening|afternoon"
    r"|approximately|approx|about|around)\b)|[\s,()]"
)
_MAX_GAP = 40


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    start: int
    end: int


class Window(BaseModel):
    """An announced maintenance window, with the words it was read from."""

    text: str
    start: datetime
    end: datetime

    def state(self, now: datetime) -> WindowState:
        if now < self.start:
            return "upcoming"
        return "now" if now < self.end else "past"


@cache
def _zone_words() -> tuple[dict[str, tzinfo], re.Pattern[str]]:
    data = tomllib.loads((Path(__file__).with_name("data") / "time_zones.toml").read_text(encoding="utf-8"))
    zones: dict[str, tzinfo] = {k: ZoneInfo(v) for k, v in data["zones"].items()}
    zones.update({k: timezone(timedelta(hours=v)) for k, v in data["offsets"].items()})
    abbreviations = sorted((k for k in zones if k.isalpha() and k.isupper() and len(k) <= 4), key=len)
    names = sorted((k for k in zones if k not in abbreviations), key=len, reverse=True)
    long_names = "|".join(n.lower().replace(" ", r"\s+") for n in names)
    pattern = rf"\b(?:{'|'.join(reversed(abbreviations))})\b|(?i:\b(?:{long_names})(?:\s+time)?\b)"
    return zones, re.compile(pattern)


def _tokens(text: str) -> list[_Token]:
    _, tz_pattern = _zone_words()
    kinds = (("date", date_pattern()), ("time", re.compile(_TIME)), ("tz", tz_pattern), ("sep", re.compile(_SEP)))
    found: list[_Token] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in kinds:
        for match in pattern.finditer(text):
            span = match.span()
            if span[0] == span[1] or any(s < span[1] and span[0] < e for s, e in taken):
                continue
            taken.append(span)
            found.append(_Token(kind, match.group(0), *span))
    return sorted(found, key=lambda t: t.start)


def _adjacent(text: str, left: _Token, right: _Token) -> bool:
    gap = text[left.end : right.start]
    return len(gap) <= _MAX_GAP and not _FILLER.sub("", gap)


def find_windows(text: str, now: datetime, default_tz: tzinfo | None = None) -> list[Window]:
    """Every start-to-end window announced in `text`, resolved relative to `now` (aware)."""
    zones, _ = _zone_words()
    tokens = _tokens(text)
    windows: list[Window] = []
    i = 0
    while i < len(tokens):
        parsed = _window_at(text, tokens, i)
        if parsed is None:
            i += 1
            continue
        first, last, start_spec, end_spec, t_a, t_b, tz_word = parsed
        tz = zones[_tz_key(tz_word)] if tz_word else (default_tz or now.astimezone().tzinfo or UTC)
        start, end = _resolve(start_spec, end_spec, t_a, t_b, tz, now)
        windows.append(Window(text=text[tokens[first].start : tokens[last].end], start=start, end=end))
        i = last + 1
    return windows


def _tz_key(word: str) -> str:
    key = " ".join(word.upper().split()).removesuffix(" TIME")
    zones, _ = _zone_words()
    return key if key in zones else key.split()[0]


def _window_at(
    text: str, tokens: list[_Token], i: int
) -> tuple[int, int, DateSpec, DateSpec | None, time, time, str | None] | None:
    """The window whose start time is `tokens[i]`: [dates] TIME [TZ] SEP [dates] TIME [TZ] [dates]."""
    def at(j: int, kind: str, prev: int) -> bool:
        return j < len(tokens) and tokens[j].kind == kind and _adjacent(text, tokens[prev], tokens[j])

    if tokens[i].kind != "time":
        return None
    j, tz_word = i + 1, None
    if at(j, "tz", j - 1):
        tz_word, j = tokens[j].text, j + 1
    if not at(j, "sep", j - 1):
        return None
    j += 1
    end_dates: list[str] = []
    while at(j, "date", j - 1):
        end_dates.append(tokens[j].text)
        j += 1
    if not at(j, "time", j - 1):
        return None
    a_text, b_text, last = tokens[i].text, tokens[j].text, j
    if at(last + 1, "tz", last):
        last += 1
        tz_word = tokens[last].text
    first = i
    start_dates: list[str] = []
    while first > 0 and tokens[first - 1].kind == "date" and _adjacent(text, tokens[first - 1], tokens[first]):
        first -= 1
        start_dates.insert(0, tokens[first].text)
    while not start_dates and at(last + 1, "date", last):
        last += 1
        start_dates.append(tokens[last].text)
    t_a, t_b = _times(a_text, b_text)
    end_spec = DateSpec.combine(end_dates) if end_dates else None
    return first, last, DateSpec.combine(start_dates), end_spec, t_a, t_b, tz_word


def _times(a_text: str, b_text: str) -> tuple[time, time]:
    """Both ends as times; a bare hour ("10 - 11 PM") takes the end's half of the day."""
    (a_h, a_m, a_mer), (b_h, b_m, b_mer) = _clock(a_text), _clock(b_text)
    if a_mer is None and b_mer is not None and ":" not in a_text:
        a_mer = b_mer if _hour(a_h, b_mer) <= _hour(b_h, b_mer) else ("a" if b_mer == "p" else "p")
    return time(_hour(a_h, a_mer), a_m), time(_hour(b_h, b_mer), b_m)


def _clock(text: str) -> tuple[int, int, str | None]:
    word = text.strip().lower()
    if word == "noon":
        return 12, 0, None
    if word == "midnight":
        return 0, 0, None
    match = re.match(r"(\d{1,2})(?::(\d{2}))?\s*(?:([ap])\.?\s?m)?", word)
    assert match is not None  # the token pattern guarantees the shape
    return int(match.group(1)), int(match.group(2) or 0), match.group(3)


def _hour(hour: int, meridiem: str | None) -> int:
    if meridiem is None:
        return hour % 24
    return hour % 12 + (12 if meridiem == "p" else 0)


def _resolve(
    start_spec: DateSpec, end_spec: DateSpec | None, t_a: time, t_b: time, tz: tzinfo, now: datetime
) -> tuple[datetime, datetime]:
    """The occurrence meant: the nearest for a dated window, else the first not yet over."""
    today = now.astimezone(tz).date()
    options: list[tuple[datetime, datetime]] = []
    for day in start_spec.candidates(today):
        start = datetime.combine(day, t_a, tzinfo=tz)
        end_day = end_spec.following(day) if end_spec else day
        end = datetime.combine(end_day, t_b, tzinfo=tz)
        if end <= start:
            end = datetime.combine(end_day + timedelta(days=1), t_b, tzinfo=tz)
        options.append((start, end))
    options.sort()
    if start_spec.is_dated:
        return min(options, key=lambda o: abs(o[0] - now))
    return next((o for o in options if o[1] > now), options[-1])


def current_or_next(windows: list[Window], now: datetime) -> Window | None:
    """The window that contains `now`, else the soonest still to come, else None."""
    live = [w for w in windows if w.state(now) == "now"]
    if live:
        return live[0]
    coming = sorted((w for w in windows if w.state(now) == "upcoming"), key=lambda w: w.start)
    return coming[0] if coming else None
