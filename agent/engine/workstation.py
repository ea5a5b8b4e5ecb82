"""What the workstation looks like during the run: the facts a support engineer asks for first."""

from __future__ import annotations

import os
import platform
import socket
import sys
from datetime import datetime

from probes.net.proxy_settings import ProxySettings
from reports.models import Workstation


def timezone_name() -> str:
    now = datetime.now().astimezone()
    offset = now.strftime("%z")
    utc = f"UTC{offset[:3]}:{offset[3:]}"
    return "UTC" if offset == "+0000" and now.tzname() == "UTC" else f"{now.tzname()} ({utc})"


def os_description() -> str:
    system = platform.system()
    if system == "Darwin":
        return f"macOS {platform.mac_ver()[0]}"
    if system == "Windows":
        return f"Windows {platform.release()} ({platform.version()})"
    return f"{system} {platform.release()}"


def os_version() -> str:
    """The exact system, for support; on Linux the kernel and C library without `platform.platform()`, which
    starts a `uname -p` process (and blocks the run while it does) only to learn the processor it leaves out."""
    if sys.platform.startswith("linux"):
        name = os.uname()
        libc, version = platform.libc_ver()
        return f"{name.sysname}-{name.release}-{name.machine}" + (f"-with-{libc}{version}" if libc else "")
    return platform.platform()


def describe(proxy: ProxySettings) -> Workstation:
    return Workstation(
        hostname=socket.gethostname(),
        os=os_description(),
        os_version=os_version(),
        timezone=timezone_name(),
        local_time=datetime.now().astimezone().isoformat(timespec="seconds"),
        python=sys.version.split()[0],
        proxy=proxy.model_dump(mode="json"),  # credentials in proxy URLs are redacted by the model
    )
