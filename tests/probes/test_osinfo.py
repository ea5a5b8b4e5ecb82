"""OS parsers against recorded outputs, VPN adapter matching, route choice, and the command runner."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from probes.net.proxy_settings import ProxySettings
from probes.osinfo import proxy_linux, proxy_macos, proxy_windows
from probes.osinfo.commands import CommandError, run, run_sync
from probes.osinfo.interfaces import Interface, from_psutil, list_interfaces, parse_ifconfig, parse_ipconfig
from probes.osinfo.routes import (
    Route,
    interface_for,
    parse_ip_route_get,
    parse_route_get,
    parse_route_print,
)
from probes.osinfo.system_proxy import read_system_proxy
from probes.osinfo.vpn import load_rules, match_vpns
from probes.proxy.vpn import assess

DATA = Path(__file__).resolve().parent.parent / "data" / "osinfo"


def recorded(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


# --- Windows proxy settings ---

def test_wininet_per_protocol_server_override_and_pac() -> None:
    found = proxy_windows.from_internet_settings(
        proxy_windows.parse_reg_query(recorded("reg_query_internet_settings.txt"))
    )
    assert found.proxies == {
        "http": "http://proxy.corp.example.com:8080",
        "https": "http://proxy.corp.example.com:8443",
    }
    assert found.bypass == ["*.corp.example.com", "10.*", "192.168.*", "<local>"]
    assert found.pac_url == "http://pac.corp.example.com/proxy.pac"


def test_wininet_proxy_disabled_keeps_nothing() -> None:
    values = proxy_windows.parse_reg_query(recorded("reg_query_internet_settings_disabled.txt"))
    assert values["ProxyEnable"] == 0 and values["ProxyServer"] == "10.0.0.8:3128"
    found = proxy_windows.from_internet_settings(values)
    assert not found.configured


@pytest.mark.parametrize(
    ("server", "expected"),
    [
        ("proxy:8080", {"http": "http://proxy:8080", "https": "http://proxy:8080"}),
        ("http=a:1;https=b:2", {"http": "http://a:1", "https": "http://b:2"}),
        ("socks=s:1080", {"all": "socks4://s:1080"}),
        ("HTTP=a:1; ftp=f:21;", {"http": "http://a:1"}),
        ("", {}),
    ],
)
def test_proxy_server_forms(server: str, expected: dict[str, str]) -> None:
    assert proxy_windows.parse_proxy_server(server) == expected


def test_winhttp_direct_and_proxy() -> None:
    assert not proxy_windows.parse_netsh_winhttp(recorded("netsh_winhttp_direct.txt")).configured
    found = proxy_windows.parse_netsh_winhttp(recorded("netsh_winhttp_proxy.txt"))
    assert found.proxies["https"] == "http://proxy.corp.example.com:8080"
    assert found.bypass == ["*.corp.example.com", "<local>"]


# --- macOS and Linux desktop proxy settings ---

def test_scutil_manual_pac_and_exceptions() -> None:
    found = proxy_macos.from_scutil(proxy_macos.parse_scutil(recorded("scutil_proxy_manual_pac.txt")))
    assert found.proxies == {
        "http": "http://proxy.corp.example.com:8080",
        "https": "http://proxy.corp.example.com:8080",
    }
    assert found.pac_url == "http://pac.corp.example.com/proxy.pac"
    assert found.bypass == ["*.local", "169.254/16", "*.corp.example.com", "<local>"]


def test_scutil_nothing_enabled() -> None:
    parsed = proxy_macos.parse_scutil(recorded("scutil_proxy_none.txt"))
    assert parsed["__SCOPED__"]["en0"]["FTPPassive"] == "1"
    assert not proxy_macos.from_scutil(parsed).configured


def test_gsettings_manual_and_auto() -> None:
    manual = proxy_linux.from_gsettings(proxy_linux.parse_gsettings(recorded("gsettings_manual.txt")))
    assert manual.proxies == {
        "http": "http://proxy.corp.example.com:3128",
        "https": "http://proxy.corp.example.com:3128",
    }
    assert manual.bypass == ["localhost", "127.0.0.0/8", "::1", "*.corp.example.com"]
    auto = proxy_linux.from_gsettings(proxy_linux.parse_gsettings(recorded("gsettings_auto.txt")))
    assert auto.pac_url == "http://wpad.corp.example.com/wpad.dat" and not auto.proxies


def test_kioslaverc_manual_old_port_form_and_pac() -> None:
    manual = proxy_linux.parse_kioslaverc(recorded("kioslaverc_manual"))
    assert manual.proxies["https"] == "http://proxy.corp.example.com:3128"
    assert manual.bypass == ["localhost", "127.0.0.1", ".corp.example.com"]
    assert proxy_linux.parse_kioslaverc(recorded("kioslaverc_pac")).pac_url == (
        "http://pac.corp.example.com/proxy.pac"
    )


def test_detect_reads_kde_settings_when_the_environment_has_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "kioslaverc").write_text(recorded("kioslaverc_manual"), encoding="utf-8")
    monkeypatch.setenv("XDG_CURRENT_DESKTOP", "KDE")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert read_system_proxy("linux") is not None
    if sys.platform.startswith("linux"):
        settings = asyncio.run(ProxySettings.detect())
        assert settings.source == "system" and settings.detail == proxy_linux.KDE_SOURCE
        assert settings.for_url("https://portal.example.com/") == "http://proxy.corp.example.com:3128"
        assert settings.for_url("https://sso.corp.example.com/") is None
        monkeypatch.setenv("HTTPS_PROXY", "http://env-proxy:3128")
        assert asyncio.run(ProxySettings.detect()).source == "environment"


def test_linux_without_a_known_desktop_reads_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("XDG_CURRENT_DESKTOP", raising=False)
    assert read_system_proxy("linux") is None


# --- interfaces and VPN adapters ---

def test_ipconfig_globalprotect_connected_anyconnect_disconnected() -> None:
    interfaces = parse_ipconfig(recorded("ipconfig_all_globalprotect.txt"))
    pangp = interfaces[0]
    assert (pangp.name, pangp.description) == ("Ethernet 3", "PANGP Virtual Ethernet Adapter Secure")
    assert pangp.addresses == ["fe80::5d2c:9a1e:b3f4:7c21", "10.72.14.23"]
    wifi = next(i for i in interfaces if i.name == "Wi-Fi")
    assert "192.168.1.34" in wifi.addresses and "192.168.1.1" not in wifi.addresses
    matches = {m.interface.name: m for m in match_vpns(interfaces, "windows")}
    assert set(matches) == {"Ethernet 3", "Ethernet 2"}
    assert matches["Ethernet 3"].product == "Palo Alto GlobalProtect" and matches["Ethernet 3"].active
    assert not matches["Ethernet 2"].active and matches["Ethernet 2"].why_inactive == "down"


def test_ipconfig_anyconnect_ppp_and_warp() -> None:
    matches = {m.interface.name: m for m in match_vpns(parse_ipconfig(recorded("ipconfig_all_anyconnect.txt")),
                                                        "windows")}
    assert matches["Ethernet 4"].product.startswith("Cisco AnyConnect") and matches["Ethernet 4"].active
    assert matches["Corp VPN"].product.startswith("Windows built-in VPN") and matches["Corp VPN"].active
    assert matches["CloudflareWARP"].product == "Cloudflare WARP" and not matches["CloudflareWARP"].active
    assert "Ethernet" not in matches


def linux_view(name: str) -> list[Interface]:
    """A recorded Linux workstation's interfaces, in psutil's shape, read as the agent reads them."""
    data = json.loads(recorded(name))
    addresses = {n: [SimpleNamespace(family=getattr(socket, f), address=a) for f, a in pairs]
                 for n, pairs in data["addrs"].items()}
    stats = {n: SimpleNamespace(**stat) for n, stat in data["stats"].items()}
    return from_psutil(addresses, stats)


async def test_this_machines_interfaces_come_from_the_kernel_without_a_process() -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("psutil's view is the Linux path")
    loopback = next(i for i in await list_interfaces("linux") if i.kind == "loopback")
    assert loopback.up and "127.0.0.1" in loopback.addresses and loopback.routable == []


def test_linux_tun_and_wireguard() -> None:
    interfaces = linux_view("psutil_if_tun_wg.json")
    assert not next(i for i in interfaces if i.name == "docker0").up
    matches = {m.interface.name: m for m in match_vpns(interfaces, "linux")}
    assert set(matches) == {"tun0", "wg0"}
    assert matches["wg0"].product == "WireGuard" and all(m.active for m in matches.values())


def test_macos_idle_utun_is_not_a_vpn() -> None:
    matches = {m.interface.name: m for m in match_vpns(parse_ifconfig(recorded("ifconfig_macos.txt")), "macos")}
    assert not matches["utun0"].active and not matches["utun1"].active
    assert matches["utun3"].active and matches["gpd0"].product == "Palo Alto GlobalProtect"
    assert "en0" not in matches and "lo0" not in matches


def test_every_adapter_rule_loads() -> None:
    rules = load_rules()
    assert len(rules) >= 15 and all(rule.systems for rule in rules)


# --- routes ---

def test_route_print_longest_prefix_then_metric() -> None:
    table = recorded("route_print_globalprotect.txt")
    corp = parse_route_print(table, "10.20.30.40")
    assert (corp.source, corp.gateway) == ("10.72.14.23", None)
    internet = parse_route_print(table, "93.184.215.14")
    assert (internet.source, internet.gateway) == ("192.168.1.34", "192.168.1.1")
    adapter = interface_for(corp, parse_ipconfig(recorded("ipconfig_all_globalprotect.txt")))
    assert adapter is not None and adapter.name == "Ethernet 3"


def test_route_get_macos_and_ip_route_get() -> None:
    assert parse_route_get(recorded("route_get_macos_gpd.txt"), "10.20.30.40").interface == "gpd0"
    assert parse_route_get(recorded("route_get_macos_default.txt"), "93.184.215.14").gateway == "192.168.1.1"
    linux = parse_ip_route_get(recorded("ip_route_get_tun0.json"), "10.20.30.40")
    assert (linux.interface, linux.source) == ("tun0", "10.72.14.23")


def test_vpn_carrying_the_portal_route_is_interference() -> None:
    interfaces = parse_ipconfig(recorded("ipconfig_all_globalprotect.txt"))
    table = recorded("route_print_globalprotect.txt")
    routes = [(parse_route_print(table, "10.20.30.40"), None)]
    check, findings = assess(interfaces, routes, "windows")
    assert [f.id for f in findings] == ["vpn.interference"]
    assert findings[0].severity == "warning" and findings[0].data["interfaces"] == ["Ethernet 3"]
    assert check.routes[0].vpn == "Palo Alto GlobalProtect"


def test_vpn_up_but_portal_route_avoids_it_is_only_noted() -> None:
    interfaces = linux_view("psutil_if_tun_wg.json")
    routes = [(parse_ip_route_get(recorded("ip_route_get_wlan.json"), "93.184.215.14"), None)]
    check, findings = assess(interfaces, routes, "linux")
    assert findings == []
    assert check.routes[0].interface == "wlp0s20f3" and check.routes[0].vpn is None
    assert any(note.startswith("VPN up, not on the portal's route: tun0") for note in check.notes)
    assert assess(interfaces, [(Route("127.0.0.1", interface="lo"), None)], "linux")[1] == []


# --- the command runner ---

async def test_missing_failing_and_slow_commands() -> None:
    with pytest.raises(CommandError, match="not installed"):
        await run(["no-such-command-here"])
    with pytest.raises(CommandError, match="exited with status 1"):
        await run(["false"])
    with pytest.raises(CommandError, match="no answer within"):
        await run(["sleep", "5"], timeout=0.2)
    assert (await run(["echo", "ok"])).strip() == "ok"
    with pytest.raises(CommandError, match="no answer within"):
        run_sync(["sleep", "5"], timeout=0.2)
