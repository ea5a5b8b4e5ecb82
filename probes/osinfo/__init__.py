"""What the operating system knows about proxies, network interfaces and routes.

Each OS module splits in two: pure parsers that take a command's text (or registry
values) and return plain data, tested on Linux with recorded outputs; and a thin
reader that runs the command with a short timeout and gives up quietly when the
command is missing.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field


def current_os() -> str:
    """`windows`, `macos`, `linux`, or `other`: the names the data files use."""
    if sys.platform == "win32":
        return "windows"
    if sys.platform == "darwin":
        return "macos"
    if sys.platform.startswith("linux"):
        return "linux"
    return "other"


@dataclass
class SystemProxy:
    """Proxies by scheme (`http`, `https`, `all`), bypass entries, PAC URL, and the source's name."""

    source: str
    proxies: dict[str, str] = field(default_factory=dict)
    bypass: list[str] = field(default_factory=list)
    pac_url: str | None = None
    auto_detect: bool = False

    @property
    def configured(self) -> bool:
        return bool(self.proxies or self.pac_url or self.auto_detect)
