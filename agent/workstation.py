"""What the workstation looks like during the run: the facts a support engineer asks for first."""

from __future__ import annotations

import platform
import socket
import sys
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

from probes.proxy_settings import ProxySettings
from reports.models import Workstation


def redact_url(url: str) -> str:
    """The URL with any user:password@ part replaced, so proxy credentials never reach a report."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = "***@" + host + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def timezone_name() -> str:
    now = datetime.now().astimezone()
    offset = now.strftime("%z")
    return f"{now.tzname()} (UTC{offset[:3]}:{offset[3:]})"


def os_description() -> str:
    system = platform.system()
    if system == "Darwin":
        return f"macOS {platform.mac_ver()[0]}"
    if system == "Windows":
        return f"Windows {platform.release()} ({platform.version()})"
    return f"{system} {platform.release()}"


def describe(proxy: ProxySettings) -> Workstation:
    return Workstation(
        hostname=socket.gethostname(),
        os=os_description(),
        os_version=platform.platform(),
        timezone=timezone_name(),
        local_time=datetime.now().astimezone().isoformat(timespec="seconds"),
        python=sys.version.split()[0],
        proxy={
            "source": proxy.source,
            "proxies": {scheme: redact_url(url) for scheme, url in proxy.proxies.items()},
            "no_proxy": proxy.no_proxy,
            "pac_url": proxy.pac_url,
        },
    )
