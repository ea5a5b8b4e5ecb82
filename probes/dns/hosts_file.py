"""The operating system's hosts file, read directly.

The hosts file overrides DNS on the workstation: an old entry pointing the portal at
a retired address is a classic cause of "it works for everyone but me". Reading it
ourselves (rather than through getaddrinfo) lets the dns probe compare it with the
resolvers the user names, without asking the system's resolver.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import ipaddress
import os
import sys
from pathlib import Path

from pydantic import BaseModel


class HostsEntry(BaseModel):
    """What the hosts file says about one name; `error` when it could not be read."""

    path: str
    addresses: list[str] = []
    error: str | None = None


def default_hosts_path() -> Path:
    """/etc/hosts, or %SystemRoot%\\System32\\drivers\\etc\\hosts on Windows."""
    if sys.platform == "win32":
        root = os.environ.get("SystemRoot") or os.environ.get("windir") or r"C:\Windows"
        return Path(root) / "System32" / "drivers" / "etc" / "hosts"
    return Path("/etc/hosts")


def parse_hosts(text: str) -> dict[str, list[str]]:
    """Name -> addresses in file order; comments, blank and malformed lines are skipped.

    Names are lower-cased without a trailing dot; an address listed twice for a name
    counts once. A line is `address name [aliases...]`, separated by spaces or tabs.
    """
    table: dict[str, list[str]] = {}
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if len(fields) < 2:
            continue
        address = _address(fields[0])
        if address is None:
            continue
        for name in fields[1:]:
            key = name.rstrip(".").lower()
            if key and address not in table.setdefault(key, []):
                table[key].append(address)
    return table


def lookup(host: str, path: Path | None = None) -> HostsEntry:
    """The hosts file's addresses for `host` (empty when it has none)."""
    where = path or default_hosts_path()
    try:
        raw = where.read_bytes()
    except FileNotFoundError:
        return HostsEntry(path=str(where))
    except OSError as exc:
        return HostsEntry(path=str(where), error=f"{type(exc).__name__}: {exc.strerror or exc}")
    text = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    return HostsEntry(path=str(where), addresses=parse_hosts(text).get(host.rstrip(".").lower(), []))


def _address(text: str) -> str | None:
    """The address in canonical form, or None for anything that is not one."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None
