"""VPN interfaces that are up, and whether the route to the portal goes through one.

A VPN that is connected but leaves the portal's route alone is only noted; one that
carries the portal's traffic is a `vpn.interference` warning: split tunnels, VPN
DNS and VPN-side filtering are common reasons a portal works on one network only.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import asyncio
import ipaddress

from pydantic import BaseModel

from probes.evidence import Finding
from probes.osinfo.commands import CommandError
from probes.osinfo.host_state import HostState
from probes.osinfo.interfaces import Interface
from probes.osinfo.routes import Route, interface_for
from probes.osinfo.vpn import VpnMatch, match_vpns
from probes.proxy.evidence import InterfaceSeen, RouteSeen

MAX_ROUTE_LOOKUPS = 4
LOOPBACK_INTERFACE = "lo"


class VpnCheck(BaseModel):
    interfaces: list[InterfaceSeen] = []
    routes: list[RouteSeen] = []
    notes: list[str] = []


async def check_vpn(
    addresses: list[str], host: HostState | None = None, system: str | None = None
) -> tuple[VpnCheck, list[Finding]]:
    """Interfaces, VPN matches and the routes to `addresses`, with a finding when a VPN carries them.

    `host` is where the machine's state is read (one shared across runs, the exporter's); by default
    it is read now."""
    host = host or HostState(system=system)
    notes = []
    try:
        interfaces = await host.interfaces()
    except CommandError as exc:
        notes.append(f"interfaces not listed: {exc}")
        interfaces = []
    routes = await asyncio.gather(*(_route(address, host) for address in addresses[:MAX_ROUTE_LOOKUPS]))
    return assess(interfaces, list(routes), system, notes)


def assess(
    interfaces: list[Interface],
    routes: list[tuple[Route, str | None]],
    system: str | None = None,
    notes: list[str] | None = None,
) -> tuple[VpnCheck, list[Finding]]:
    """The pure half of `check_vpn`: match VPN adapters, and see which one each route leaves through."""
    check = VpnCheck(notes=list(notes or []))
    matches = {id(m.interface): m for m in match_vpns(interfaces, system)}
    for interface in interfaces:
        match = matches.get(id(interface))
        if interface.up or match is not None:
            check.interfaces.append(_seen(interface, match))
    for route, error in routes:
        seen = RouteSeen(address=route.destination, gateway=route.gateway, error=error)
        chosen = interface_for(route, interfaces)
        seen.interface = chosen.name if chosen else route.interface
        match = matches.get(id(chosen)) if chosen else None
        if match is not None and match.active:
            seen.vpn = match.product
        check.routes.append(seen)
    return check, _findings(check, list(matches.values()))


async def _route(address: str, host: HostState) -> tuple[Route, str | None]:
    try:
        if ipaddress.ip_address(address).is_loopback:
            return Route(address, interface=LOOPBACK_INTERFACE), None
    except ValueError:
        return Route(address), "not an IP address"
    try:
        return await host.route(address), None
    except (CommandError, ValueError) as exc:
        return Route(address), str(exc)


def _seen(interface: Interface, match: VpnMatch | None) -> InterfaceSeen:
    return InterfaceSeen(
        name=interface.name, description=interface.description, up=interface.up,
        addresses=interface.addresses, vpn=match.product if match else None,
        vpn_active=bool(match and match.active),
        vpn_inactive_because=match.why_inactive if match and not match.active else None,
    )


def _findings(check: VpnCheck, matches: list[VpnMatch]) -> list[Finding]:
    active = [m for m in matches if m.active]
    through = [r for r in check.routes if r.vpn]
    if through:
        names = sorted({r.interface or "?" for r in through})
        products = sorted({r.vpn or "" for r in through})
        return [Finding(
            id="vpn.interference", severity="warning",
            summary=(f"The route to the portal goes through the VPN ({', '.join(products)}, "
                     f"interface {', '.join(names)}): the VPN's routing or filtering applies to the login"),
            evidence=[f"route to {r.address} via {r.interface}" + (f" gateway {r.gateway}" if r.gateway else "")
                      + f": {r.vpn}" for r in through],
            data={"interfaces": names, "products": products, "addresses": [r.address for r in through]},
        )]
    known = any(r.interface for r in check.routes)
    for match in active:
        where = "not on the portal's route" if known else "the portal's route is not known"
        check.notes.append(
            f"VPN up, {where}: {match.interface.name} ({match.product}, {', '.join(match.interface.routable)})"
        )
    return []
