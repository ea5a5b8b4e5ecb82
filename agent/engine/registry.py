"""The explicit map from probe name to probe class, imported only when the probe runs.

Lazy imports keep `diagnose --help` fast and keep Playwright out of runs that skip the browser.
"""

from __future__ import annotations

import importlib

from probes.base import Probe
from probes.names import PROBE_NAMES

PROBES: dict[str, str] = {
    "dns": "probes.dns.probe:DnsProbe",
    "network": "probes.network.probe:NetworkProbe",
    "proxy": "probes.proxy.probe:ProxyProbe",
    "tls": "probes.tls.probe:TlsProbe",
    "clock": "probes.clock.probe:ClockProbe",
    "http": "probes.http.probe:HttpProbe",
    "status_page": "probes.status_page.probe:StatusPageProbe",
    "browser": "probes.browser.probe:BrowserProbe",
    "sso": "probes.sso.probe:SsoProbe",
    "login": "probes.login.probe:LoginProbe",
    "user_browser": "probes.user_browser.probe:UserBrowserProbe",
}
assert tuple(PROBES) == PROBE_NAMES


def load(name: str) -> Probe:
    """An instance of the probe called `name`."""
    module_name, _, class_name = PROBES[name].partition(":")
    probe_class = getattr(importlib.import_module(module_name), class_name)
    probe: Probe = probe_class()
    return probe


def preload(names: list[str]) -> None:
    """Import the modules of the probes that will run, ahead of the run: a caller loading the agent in a
    worker thread (the command line, while the browser starts) keeps their imports off the event loop."""
    for name in names:
        importlib.import_module(PROBES[name].partition(":")[0])


def select(only: set[str] | None, skip: set[str]) -> list[str]:
    """Probe names to run, in contract order."""
    return [n for n in PROBE_NAMES if (only is None or n in only) and n not in skip]
