"""The date half of a maintenance announcement: "Sunday, Dec 6", "2026-12-05", "12/6", "tonight".

An announcement's date is often partial (a weekday alone, a day without a year), so a
`DateSpec` keeps what was said and offers the calendar days it could mean; the window
parser picks among them with the run's clock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_WEEKDAY = (
    r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)"
)
_ORDINAL = r"(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+(?P<year>\d{4})\b)?"

_FORMS = {
    "iso": r"\b(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})\b",
    "numeric": r"\b(?P<m>\d{1,2})/(?P<d>\d{1,2})(?:/(?P<y>\d{4}|\d{2}))?\b",
    "month_day": rf"\b(?P<month>{_MONTH})\.?\s+(?P<d>\d{{1,2}}){_ORDINAL}\b{_YEAR}",
    "day_month": rf"\b(?P<d>\d{{1,2}}){_ORDINAL}\s+(?:of\s+)?(?P<month>{_MONTH})\b\.?{_YEAR}",
    "weekday": rf"\b(?P<weekday>{_WEEKDAY})\b\.?",
    "relative": r"\b(?P<relative>today|tonight|tomorrow)\b",
}


# Compiled on first use: only a page that announces maintenance has dates to read.
@cache
def _compiled() -> dict[str, re.Pattern[str]]:
    return {kind: re.compile(pattern, re.IGNORECASE) for kind, pattern in _FORMS.items()}


@cache
def date_pattern() -> re.Pattern[str]:
    """One pattern for every form, its groups unnamed (a name may not repeat across alternatives)."""
    return re.compile("|".join(re.sub(r"\(\?P<\w+>", "(?:", p) for p in _FORMS.values()), re.IGNORECASE)


@dataclass(frozen=True)
class DateSpec:
    """What an announcement said about the day; any part may be missing."""

    weekday: int | None = None
    month: int | None = None
    day: int | None = None
    year: int | None = None
    relative: int | None = None

    @property
    def is_dated(self) -> bool:
        return self.month is not None and self.day is not None

    @classmethod
    def combine(cls, texts: list[str]) -> DateSpec:
        """One spec from the date words next to a time ("Sunday", "Dec 6, 2026")."""
        spec = cls()
        for text in texts:
            spec = _read(text.strip(), spec)
        return spec

    def candidates(self, today: date) -> list[date]:
        """The days this may mean, around `today` (the portal's local date)."""
        if self.is_dated:
            assert self.month is not None and self.day is not None
            years = [self.year] if self.year else [today.year - 1, today.year, today.year + 1]
            days = [d for y in years if (d := _date(y, self.month, self.day)) is not None]
            matching = [d for d in days if self.weekday is None or d.weekday() == self.weekday]
            return matching or days or [today]
        if self.relative is not None:
            return [today + timedelta(days=self.relative)]
        if self.weekday is not None:
            return [today + timedelta(days=n) for n in range(-7, 8)
                    if (today + timedelta(days=n)).weekday() == self.weekday]
        return [today - timedelta(days=1), today, today + timedelta(days=1)]

    def following(self, start: date) -> date:
        """The day this means as the end of a window that starts on `start`."""
        if self.is_dated:
            assert self.month is not None and self.day is not None
            for year in (self.year or start.year, start.year + 1):
                end = _date(year, self.month, self.day)
                if end is not None and end >= start:
                    return end
            return start
        if self.weekday is not None:
            return start + timedelta(days=(self.weekday - start.weekday()) % 7)
        if self.relative:
            return start + timedelta(days=1)
        return start


def _read(text: str, spec: DateSpec) -> DateSpec:
    for kind, pattern in _compiled().items():
        match = pattern.fullmatch(text)
        if match is None:
            continue
        parts = match.groupdict()
        if kind == "weekday":
            return replace(spec, weekday=_index(parts["weekday"], _WEEKDAYS))
        if kind == "relative":
            return replace(spec, relative=1 if parts["relative"].lower() == "tomorrow" else 0)
        month = int(parts["m"]) if parts.get("m") else _index(parts["month"], _MONTHS) + 1
        year_text = parts.get("y") or parts.get("year")
        year = None if not year_text else int(year_text) + (2000 if len(year_text) == 2 else 0)
        return replace(spec, month=month, day=int(parts["d"]), year=year)
    return spec


_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _index(word: str, names: tuple[str, ...]) -> int:
    return names.index(word[:3].lower())


def _date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
