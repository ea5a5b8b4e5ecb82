"""Which interfaces belong to a VPN, by the patterns in `data/vpn_adapters.toml`.

A VPN adapter that exists is not a VPN that is on: Windows keeps its miniports and
disconnected clients' adapters, macOS keeps idle `utun` interfaces. So a match is
active only when the interface is up and has an address other than loopback or
link-local (an IPv4 address where the entry asks for one).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from probes.osinfo import current_os
from probes.osinfo.interfaces import Interface

_DATA = Path(__file__).with_name("data") / "vpn_adapters.toml"
_FIELDS = ("name", "description", "kind")


@dataclass(frozen=True)
class AdapterRule:
    """One entry of the data file: a regex on one interface field, for some OSes."""

    product: str
    systems: tuple[str, ...]
    field: str
    pattern: re.Pattern[str]
    require_ipv4: bool = False

    def matches(self, interface: Interface, system: str) -> bool:
        value = getattr(interface, self.field)
        return system in self.systems and bool(value) and self.pattern.search(value) is not None


@dataclass
class VpnMatch:
    """An interface that looks like a VPN, and whether it is carrying traffic now."""

    interface: Interface
    product: str
    active: bool
    why_inactive: str = ""


@cache
def load_rules(path: Path = _DATA) -> tuple[AdapterRule, ...]:
    """The adapter rules, in file order; a bad entry raises ValueError naming it."""
    with path.open("rb") as handle:
        entries = tomllib.load(handle).get("adapter", [])
    rules = []
    for index, entry in enumerate(entries):
        fields = [name for name in _FIELDS if name in entry]
        if len(fields) != 1 or "product" not in entry:
            raise ValueError(f"{path.name}: adapter #{index + 1} needs a product and one of {_FIELDS}")
        rules.append(AdapterRule(
            product=str(entry["product"]),
            systems=tuple(entry.get("os", ("windows", "macos", "linux"))),
            field=fields[0],
            pattern=re.compile(entry[fields[0]], re.IGNORECASE),
            require_ipv4=bool(entry.get("require_ipv4", False)),
        ))
    return tuple(rules)


def match_vpns(
    interfaces: list[Interface], system: str | None = None, rules: tuple[AdapterRule, ...] | None = None
) -> list[VpnMatch]:
    """Every interface that matches a rule, active or not, in the interfaces' order."""
    system = system or current_os()
    found = []
    for interface in interfaces:
        rule = next((r for r in rules or load_rules() if r.matches(interface, system)), None)
        if rule is None:
            continue
        why = _why_inactive(interface, rule)
        found.append(VpnMatch(interface, rule.product, active=not why, why_inactive=why))
    return found


def _why_inactive(interface: Interface, rule: AdapterRule) -> str:
    if not interface.up:
        return "down"
    if not interface.routable:
        return "no address beyond link-local"
    if rule.require_ipv4 and not any(":" not in address for address in interface.routable):
        return "no IPv4 address"
    return ""
