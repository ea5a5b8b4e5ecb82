"""Network interfaces with their state and addresses: psutil on Linux, `ipconfig /all`, `ifconfig`.

Windows matters most for VPN detection and names its adapters by description
("PANGP Virtual Ethernet Adapter"), which only `ipconfig /all` prints without
PowerShell's start-up cost; Linux and macOS name the interface itself (`tun0`, `utun3`).
On Linux the kernel's own list comes from psutil, in-process: no `ip` process on every
run (or every exporter scrape).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import psutil

from probes.osinfo import current_os
from probes.osinfo.commands import CommandError, run

_IPCONFIG_HEADER = re.compile(r"^(?P<kind>\S.*?) adapter (?P<name>.+?):\s*$")
_IPCONFIG_FIELD = re.compile(r"^\s+(?P<key>[^.:]+?)[ .]*:\s?(?P<value>.*)$")
_IPCONFIG_CONTINUATION = re.compile(r"^\s{20,}(?P<value>\S+)\s*$")
_IPCONFIG_ADDRESS_KEYS = ("IPv4 Address", "IP Address", "IPv6 Address", "Temporary IPv6 Address",
                          "Link-local IPv6 Address", "Autoconfiguration IPv4 Address")
_IFCONFIG_HEADER = re.compile(r"^(?P<name>[\w.-]+): flags=\w+<(?P<flags>[^>]*)>")


@dataclass
class Interface:
    """One interface: its name, the OS's description (Windows), link kind, state and addresses."""

    name: str
    description: str = ""
    kind: str = ""
    up: bool = False
    addresses: list[str] = field(default_factory=list)

    @property
    def routable(self) -> list[str]:
        """Addresses other than loopback and link-local: what carries traffic off the machine."""
        found = []
        for text in self.addresses:
            try:
                address = ipaddress.ip_address(text)
            except ValueError:
                continue
            if not (address.is_loopback or address.is_link_local):
                found.append(text)
        return found


def from_psutil(addresses: Mapping[str, Sequence[Any]], stats: Mapping[str, Any]) -> list[Interface]:
    """psutil's `net_if_addrs()` and `net_if_stats()` as interfaces; up = up and running (a carrier, or a tunnel)."""
    found = []
    for name in dict.fromkeys([*stats, *addresses]):
        stat = stats.get(name)
        flags = set(str(getattr(stat, "flags", "")).split(","))
        found.append(Interface(
            name=name,
            kind="loopback" if "loopback" in flags else "point-to-point" if "pointopoint" in flags else "",
            up=bool(stat is not None and stat.isup),
            addresses=[_clean_address(a.address) for a in addresses.get(name, ())
                       if a.family in (socket.AF_INET, socket.AF_INET6)],
        ))
    return found


def parse_ipconfig(text: str) -> list[Interface]:
    """`ipconfig /all` sections ("Ethernet adapter Ethernet 3:") as interfaces; a disconnected medium is down."""
    found: list[Interface] = []
    current: Interface | None = None
    last_key = ""
    for line in text.splitlines():
        header = _IPCONFIG_HEADER.match(line)
        if header:
            current = Interface(name=header["name"], kind=header["kind"], up=True)
            found.append(current)
            last_key = ""
            continue
        if current is None:
            continue
        field_match = _IPCONFIG_FIELD.match(line)
        if field_match and not _IPCONFIG_CONTINUATION.match(line):
            last_key, value = field_match["key"].strip(), field_match["value"].strip()
            if last_key == "Description":
                current.description = value
            elif last_key == "Media State" and "disconnected" in value.lower():
                current.up = False
            elif last_key in _IPCONFIG_ADDRESS_KEYS and value:
                current.addresses.append(_clean_address(value))
            continue
        more = _IPCONFIG_CONTINUATION.match(line)
        if more and last_key in _IPCONFIG_ADDRESS_KEYS:
            current.addresses.append(_clean_address(more["value"]))
    return found


def parse_ifconfig(text: str) -> list[Interface]:
    """macOS `ifconfig` as interfaces; up means the UP flag and no `status: inactive`."""
    found: list[Interface] = []
    current: Interface | None = None
    for line in text.splitlines():
        header = _IFCONFIG_HEADER.match(line)
        if header:
            flags = header["flags"].split(",")
            current = Interface(name=header["name"], up="UP" in flags,
                                kind="point-to-point" if "POINTOPOINT" in flags else "")
            found.append(current)
            continue
        if current is None:
            continue
        words = line.split()
        if len(words) >= 2 and words[0] in ("inet", "inet6"):
            current.addresses.append(_clean_address(words[1]))
        elif words[:2] == ["status:", "inactive"]:
            current.up = False
    return found


async def list_interfaces(system: str | None = None) -> list[Interface]:
    """This machine's interfaces; CommandError when the OS's tool is missing or fails."""
    system = system or current_os()
    if system == "linux":
        return from_psutil(psutil.net_if_addrs(), psutil.net_if_stats())
    if system == "windows":
        return parse_ipconfig(await run(["ipconfig", "/all"]))
    if system == "macos":
        return parse_ifconfig(await run(["ifconfig"]))
    raise CommandError(f"listing interfaces is not supported on {system}")


def _clean_address(text: str) -> str:
    """`10.0.0.5(Preferred)` or `fe80::1%18` -> the bare address."""
    return re.sub(r"\(.*\)$", "", text).split("%", 1)[0].strip()
