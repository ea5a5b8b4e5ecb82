"""The OS's own proxy settings, whichever OS this is, as one plain record.

`read_system_proxy` picks the source the workstation's browsers follow: WinINET on
Windows (WinHTTP only when WinINET has nothing), `scutil --proxy` on macOS, GNOME or
KDE settings on Linux desktops. Every failure to read means "nothing configured".
"""

from __future__ import annotations

import os

from probes.osinfo import SystemProxy, current_os, proxy_linux, proxy_macos, proxy_windows
from probes.osinfo.commands import CommandError


def read_system_proxy(system: str | None = None) -> SystemProxy | None:
    """The configured OS proxy settings, or None when none are set or they cannot be read."""
    system = system or current_os()
    try:
        if system == "windows":
            found = proxy_windows.read_wininet()
            return found if found.configured else proxy_windows.read_winhttp()
        if system == "macos":
            return proxy_macos.read()
        if system == "linux":
            return proxy_linux.read(os.environ)
    except (CommandError, OSError, ValueError):
        return None
    return None
