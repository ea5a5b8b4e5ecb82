"""The window parser, table-driven: announcement wording in, start/end instants and state out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from probes.text.maintenance import find_maintenance, with_windows
from probes.text.maintenance_window import Window, current_or_next, find_windows

SAT_EVENING = datetime(2026, 12, 5, 23, 30, tzinfo=UTC)  # Saturday 18:30 in New York
SUN_NIGHT = datetime(2026, 12, 6, 6, 0, tzinfo=UTC)  # Sunday 01:00 in New York

CASES = [
    # (text, now, start, end, state)
    ("Saturday 10 PM - 2 AM ET", SAT_EVENING,
     "2026-12-05T22:00:00-05:00", "2026-12-06T02:00:00-05:00", "upcoming"),
    ("Saturday 10 PM - 2 AM ET", SUN_NIGHT,
     "2026-12-05T22:00:00-05:00", "2026-12-06T02:00:00-05:00", "now"),
    ("Saturday 10 PM - 2 AM ET", datetime(2026, 12, 6, 8, 0, tzinfo=UTC),
     "2026-12-12T22:00:00-05:00", "2026-12-13T02:00:00-05:00", "upcoming"),
    ("Sunday, Dec 6, 12:00 AM to 4:00 AM EST", SAT_EVENING,
     "2026-12-06T00:00:00-05:00", "2026-12-06T04:00:00-05:00", "upcoming"),
    ("Sunday, Dec 6, 12:00 AM to 4:00 AM EST", SUN_NIGHT,
     "2026-12-06T00:00:00-05:00", "2026-12-06T04:00:00-05:00", "now"),
    ("from 22:00 to 02:00 UTC on 2026-12-05", SAT_EVENING,
     "2026-12-05T22:00:00+00:00", "2026-12-06T02:00:00+00:00", "now"),
    ("from 22:00 to 02:00 UTC on 2026-12-05", datetime(2026, 12, 7, tzinfo=UTC),
     "2026-12-05T22:00:00+00:00", "2026-12-06T02:00:00+00:00", "past"),
    ("The portal will be down between 10 and 11 PM CT tonight.", SAT_EVENING,
     "2026-12-05T22:00:00-06:00", "2026-12-05T23:00:00-06:00", "upcoming"),
    ("Saturday, December 5 at 10:00 PM ET through Sunday, December 6 at 2:00 AM ET", SAT_EVENING,
     "2026-12-05T22:00:00-05:00", "2026-12-06T02:00:00-05:00", "upcoming"),
    ("Maintenance 12/12 10pm-2am PT.", SAT_EVENING,
     "2026-12-12T22:00:00-08:00", "2026-12-13T02:00:00-08:00", "upcoming"),
    ("Dec 6 from noon to 4 p.m. Pacific", SAT_EVENING,
     "2026-12-06T12:00:00-08:00", "2026-12-06T16:00:00-08:00", "upcoming"),
    ("Scheduled for Dec 31 11 PM to Jan 1 3 AM ET", SAT_EVENING,
     "2026-12-31T23:00:00-05:00", "2027-01-01T03:00:00-05:00", "upcoming"),
    ("July 4, 2026 1:00 AM – 3:00 AM Eastern Time", SAT_EVENING,
     "2026-07-04T01:00:00-04:00", "2026-07-04T03:00:00-04:00", "past"),
    ("5 January 2027, 08:00 to 09:30 GMT", SAT_EVENING,
     "2027-01-05T08:00:00+00:00", "2027-01-05T09:30:00+00:00", "upcoming"),
    ("tomorrow from 1 AM until 5 AM MST", SAT_EVENING,
     "2026-12-06T01:00:00-07:00", "2026-12-06T05:00:00-07:00", "upcoming"),
    ("10 PM - 2 AM", SAT_EVENING,  # no date, no zone: the next such night, in the default zone (UTC)
     "2026-12-05T22:00:00+00:00", "2026-12-06T02:00:00+00:00", "now"),
]


@pytest.mark.parametrize(("text", "now", "start", "end", "state"), CASES)
def test_window(text: str, now: datetime, start: str, end: str, state: str) -> None:
    windows = find_windows(text, now, default_tz=UTC)
    assert len(windows) == 1, windows
    window = windows[0]
    assert (window.start.isoformat(), window.end.isoformat()) == (start, end)
    assert window.state(now) == state


@pytest.mark.parametrize(
    "text",
    [
        "Please e-mail support to get help.",
        "We are down for maintenance until 2 AM.",
        "Scheduled maintenance this weekend.",
        "Call 1-800-555-0100 between 8 and 5.",
        "Version 10.2 - 11.4 release notes",
    ],
)
def test_no_window(text: str) -> None:
    assert find_windows(text, SAT_EVENING, default_tz=UTC) == []


def test_window_text_is_quoted_exactly() -> None:
    [window] = find_windows("Heads up: Saturday 10 PM - 2 AM ET, the portal will be offline.", SAT_EVENING)
    assert window.text == "Saturday 10 PM - 2 AM ET"


def test_two_windows_in_one_text() -> None:
    text = "Maintenance Saturday 10 PM - 2 AM ET and again Sunday 11 PM - 1 AM ET."
    windows = find_windows(text, SAT_EVENING)
    assert [w.text for w in windows] == ["Saturday 10 PM - 2 AM ET", "Sunday 11 PM - 1 AM ET"]


def test_current_or_next() -> None:
    at = datetime(2026, 12, 6, 4, tzinfo=UTC)
    past = Window(text="a", start=at - timedelta(hours=3), end=at - timedelta(hours=1))
    later = Window(text="b", start=at + timedelta(days=2), end=at + timedelta(days=2, hours=1))
    soon = Window(text="c", start=at + timedelta(hours=1), end=at + timedelta(hours=2))
    live = Window(text="d", start=at - timedelta(hours=1), end=at + timedelta(hours=1))
    assert current_or_next([past, later, soon], at) is soon
    assert current_or_next([past, later, soon, live], at) is live
    assert current_or_next([past], at) is None


def test_default_zone_is_used_without_a_zone_word() -> None:
    plus_two = timezone(timedelta(hours=2))
    [window] = find_windows("on 2026-12-05 from 22:00 to 23:00", SAT_EVENING, default_tz=plus_two)
    assert window.start.isoformat() == "2026-12-05T22:00:00+02:00"


@pytest.mark.parametrize(
    ("now", "groups"),
    [
        (SAT_EVENING, ["announced", "now"]),  # before the window: announced, with its times
        (SUN_NIGHT, ["now", "now"]),  # inside it: the announcement now means down
    ],
)
def test_with_windows_regroups_page_sentences(now: datetime, groups: list[str]) -> None:
    text = "The portal will be down for maintenance Saturday 10 PM - 2 AM ET. We are down for maintenance."
    matches = with_windows(find_maintenance(text), now)
    assert [m.group for m in matches] == groups
    assert matches[0].start is not None and matches[0].start.isoformat() == "2026-12-05T22:00:00-05:00"
    assert matches[1].start is None


def test_with_windows_drops_a_past_announcement() -> None:
    text = "Planned maintenance on 2026-11-20 from 22:00 to 23:00 UTC."
    assert with_windows(find_maintenance(text), SAT_EVENING) == []
