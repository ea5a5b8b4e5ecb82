"""The browser's command line and context options for one run: quiet, and routed as the workstation routes.

Names are not a flag: with `--dns-server` the browser connects through `ResolvingRelay`
(`probes.web.relay`, `probes.web.resolving`). Trust is not a flag either: with
`--ca-bundle` the browser reads the bundle from a throwaway NSS database
(`probes.web.trust`), so it judges certificates by its own rules. Light to import: the
command line launches the browser before the rest of the agent has loaded.
"""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

_QUIET = tomllib.loads((Path(__file__).with_name("data") / "quiet.toml").read_text(encoding="utf-8"))
BASE_ARGS = (*_QUIET["switches"], "--disable-features=" + ",".join(_QUIET["disable_features"]))
UNSWITCHABLE_HOSTS: tuple[str, ...] = tuple(_QUIET["unswitchable_hosts"])

if TYPE_CHECKING:
    from probes.base import ProbeContext


def needs_no_sandbox() -> bool:
    """Chromium's sandbox cannot start as root on Linux, nor in most containers."""
    if not sys.platform.startswith("linux"):
        return False
    in_container = Path("/.dockerenv").exists() or Path("/run/.containerenv").exists() or "container" in os.environ
    return os.geteuid() == 0 or in_container


def context_proxy(ctx: ProbeContext, url: str) -> dict[str, Any] | None:
    """Playwright's per-context `proxy` option for `url`, as the workstation routes it; None when direct."""
    proxy = ctx.proxy.for_url(url)
    if proxy is None or ctx.proxy.uses_pac:  # Chromium runs the same PAC itself (--proxy-pac-url), per host
        return None
    parts = urlsplit(proxy)
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
    server = f"{parts.scheme}://{host}" + (f":{parts.port}" if parts.port else "")
    option: dict[str, Any] = {"server": server}
    if ctx.proxy.no_proxy:
        option["bypass"] = ",".join(ctx.proxy.no_proxy)
    if parts.username:
        option["username"] = unquote(parts.username)
        option["password"] = unquote(parts.password or "")
    return option
