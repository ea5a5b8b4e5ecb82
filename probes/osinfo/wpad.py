"""Where WPAD (proxy auto-discovery) looks for a PAC file when the OS has auto-detection on.

Browsers and WinHTTP try DHCP option 252 first, then DNS: `http://wpad.<domain>/wpad.dat`
for the workstation's domain and each parent domain, stopping above the registered
domain (never `wpad.com`: that name was abused, see Microsoft's MS12-074 and Chromium's
"WPAD DNS devolution" notes). DHCP option 252 is not readable without the DHCP
client's lease files, so only the DNS candidates are listed here.
"""

from __future__ import annotations

import socket
from pathlib import Path

RESOLV_CONF = Path("/etc/resolv.conf")


def candidates(domain: str) -> list[str]:
    """The WPAD URLs for `domain`, most specific first, never above a two-label domain."""
    labels = [label for label in domain.lower().strip(".").split(".") if label]
    urls = []
    for start in range(len(labels) - 1):
        urls.append(f"http://wpad.{'.'.join(labels[start:])}/wpad.dat")
    return urls


def workstation_domains(resolv_conf: Path = RESOLV_CONF) -> list[str]:
    """The workstation's DNS domain: its FQDN's domain, then `search` / `domain` lines of resolv.conf."""
    domains: list[str] = []
    fqdn = socket.getfqdn()
    if "." in fqdn and not fqdn.endswith(".localdomain"):
        domains.append(fqdn.split(".", 1)[1])
    try:
        lines = resolv_conf.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        lines = []
    for line in lines:
        words = line.split()
        if words and words[0] in ("search", "domain"):
            domains.extend(words[1:])
    return list(dict.fromkeys(d.lower().strip(".") for d in domains if "." in d))


def discovery_urls(resolv_conf: Path = RESOLV_CONF) -> list[str]:
    """Every WPAD URL to try for this workstation, in order, without repeats."""
    urls: list[str] = []
    for domain in workstation_domains(resolv_conf):
        urls.extend(candidates(domain))
    return list(dict.fromkeys(urls))
