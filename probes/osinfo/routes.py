"""Which interface the route to an address leaves through.

Linux answers with `ip -j route get ADDR`, macOS with `route -n get ADDR`. Windows
has no quick per-address lookup (PowerShell's `Find-NetRoute` takes seconds to start),
so its IPv4 table from `route print -4` is searched here the way Windows does: the
longest matching prefix, then the lowest metric. Its answer names the interface by
its local address, which `interface_for` maps back to an adapter.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass

from probes.osinfo import current_os
from probes.osinfo.commands import CommandError, run
from probes.osinfo.interfaces import Interface

_ROUTE_PRINT_ROW = re.compile(
    r"^\s*(?P<dest>\d+\.\d+\.\d+\.\d+)\s+(?P<mask>\d+\.\d+\.\d+\.\d+)\s+(?P<gateway>\S+)\s+"
    r"(?P<iface>\d+\.\d+\.\d+\.\d+)\s+(?P<metric>\d+)\s*$"
)


@dataclass
class Route:
    """The route to `destination`: interface name (when the OS names it), gateway, local address."""

    destination: str
    interface: str | None = None
    gateway: str | None = None
    source: str | None = None


def parse_ip_route_get(text: str, destination: str) -> Route:
    """`ip -j route get ADDR` (JSON list of one route)."""
    routes = json.loads(text or "[]")
    if not routes:
        return Route(destination)
    first = routes[0]
    return Route(destination, interface=first.get("dev"), gateway=first.get("gateway"),
                 source=first.get("prefsrc"))


def parse_route_get(text: str, destination: str) -> Route:
    """macOS `route -n get ADDR`: `key: value` lines, `interface:` and `gateway:` among them."""
    values: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.strip().partition(": ")
        if sep and key in ("interface", "gateway"):
            values[key] = value.strip()
    return Route(destination, interface=values.get("interface"), gateway=values.get("gateway"))


def parse_route_print(text: str, destination: str) -> Route:
    """Windows `route print -4`: the active route that wins for `destination` (longest prefix, lowest metric)."""
    address = ipaddress.IPv4Address(destination)
    best: tuple[int, int, str, str] | None = None
    in_persistent = False
    for line in text.splitlines():
        if line.strip().startswith("Persistent Routes"):
            in_persistent = True  # persistent routes repeat the active ones, or are not in force
        row = _ROUTE_PRINT_ROW.match(line)
        if row is None or in_persistent:
            continue
        network = ipaddress.IPv4Network(f"{row['dest']}/{row['mask']}", strict=False)
        if address not in network:
            continue
        rank = (network.prefixlen, -int(row["metric"]), row["gateway"], row["iface"])
        if best is None or rank[:2] > best[:2]:
            best = rank
    if best is None:
        return Route(destination)
    gateway = None if best[2].lower() == "on-link" else best[2]
    return Route(destination, gateway=gateway, source=best[3])


async def route_to(destination: str, system: str | None = None) -> Route:
    """The route this machine would use to `destination`; CommandError when it cannot tell."""
    system = system or current_os()
    family6 = ":" in destination
    if system == "linux":
        return parse_ip_route_get(await run(["ip", "-j", "route", "get", destination]), destination)
    if system == "macos":
        args = ["route", "-n", "get", *(["-inet6"] if family6 else []), destination]
        return parse_route_get(await run(args), destination)
    if system == "windows" and not family6:
        return parse_route_print(await run(["route", "print", "-4"]), destination)
    raise CommandError(f"route lookup for {destination} is not supported on {system}")


def interface_for(route: Route, interfaces: list[Interface]) -> Interface | None:
    """The interface the route names, by name or else by its local address."""
    for interface in interfaces:
        if route.interface and interface.name == route.interface:
            return interface
    for interface in interfaces:
        if route.source and route.source in interface.addresses:
            return interface
    return None
