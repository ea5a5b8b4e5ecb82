"""Times as the person reading them lives them: local, with the offset, and the time zone named.

The JSON keeps UTC (RFC 3339, `Z`); every human-facing rendering goes through here,
so the terminal, HTML, Markdown and the webhook say the same local time the same way.
The zone is the IANA name when the workstation has one (`TZ`, `/etc/localtime`), else
the abbreviation the C library gives.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def zone_name() -> str:
    """The workstation's time zone as people know it: `America/New_York`, else `EST`, else `UTC`."""
    key = _zone_key()
    if key is not None:
        return key
    return datetime.now().astimezone().tzname() or "UTC"


def local_zone() -> tzinfo:
    key = _zone_key()
    if key is not None:
        return ZoneInfo(key)
    return datetime.now().astimezone().tzinfo or UTC


def to_local(moment: datetime) -> datetime:
    """`moment` (naive means UTC) in the workstation's zone."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(local_zone())


def offset(moment: datetime) -> str:
    """`UTC-05:00` for a local time."""
    raw = moment.strftime("%z") or "+0000"
    return f"UTC{raw[:3]}:{raw[3:]}"


def clock(moment: datetime) -> str:
    """`10:44 PM`, the way the person reads a wall clock."""
    local = to_local(moment)
    return f"{local.strftime('%I').lstrip('0')}:{local:%M %p}"


def day(moment: datetime) -> str:
    """`Sat 29 Nov 2026`."""
    local = to_local(moment)
    return f"{local:%a} {local.day} {local:%b %Y}"


def when(moment: datetime) -> str:
    """`Sat 29 Nov 2026, 10:44 PM EST (UTC-05:00, America/New_York)`: a time nobody can misread."""
    local = to_local(moment)
    abbreviation = local.tzname() or ""
    zone = zone_name()
    named = offset(local) if zone == abbreviation else f"{offset(local)}, {zone}"
    return f"{day(local)}, {clock(local)} {abbreviation} ({named})".replace("  ", " ")


def back_at(moment: datetime, now: datetime) -> str:
    """`back at 12:07 AM EST (UTC-05:00) on Sun 30 Nov`: the day only when it is not today."""
    local, today = to_local(moment), to_local(now)
    stamp = f"{clock(local)} {local.tzname() or ''} ({offset(local)})".replace("  ", " ")
    if local.date() != today.date():
        stamp += f" on {local:%a} {local.day} {local:%b}"
    return stamp


def iso_local(moment: datetime) -> str:
    """RFC 3339 with the local offset, for the JSON beside the UTC one."""
    return to_local(moment).isoformat(timespec="seconds")


def _zone_key() -> str | None:
    for candidate in (_tz_variable(), _localtime_link()):
        if candidate:
            try:
                ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
            return candidate
    return None


def _tz_variable() -> str | None:
    value = os.environ.get("TZ", "").lstrip(":")
    return value or None


def _localtime_link() -> str | None:
    """The zone `/etc/localtime` links to (one readlink: every report asks, and a monitor makes many)."""
    try:
        target = os.readlink("/etc/localtime")
    except OSError:  # not a link, or no such file
        return None
    marker = "zoneinfo/"
    if marker not in target:  # a link to a link (an alternatives entry): follow it to the end
        target = os.path.realpath("/etc/localtime")
    return target.split(marker, 1)[1] if marker in target else None
