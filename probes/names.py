"""The probe names of the contract, in contract order: the one list every other module reads.

Kept free of heavy imports, so the command line can show them in `--help` at once.
"""

from __future__ import annotations

from enum import StrEnum


class ProbeName(StrEnum):
    DNS = "dns"
    NETWORK = "network"
    PROXY = "proxy"
    TLS = "tls"
    CLOCK = "clock"
    HTTP = "http"
    STATUS_PAGE = "status_page"
    BROWSER = "browser"
    SSO = "sso"
    LOGIN = "login"
    USER_BROWSER = "user_browser"


PROBE_NAMES: tuple[str, ...] = tuple(name.value for name in ProbeName)
# The checks that prove the login page reachable and usable: OK is earned by these (agent.engine.verdict).
PATH_CHECKS: tuple[str, ...] = (ProbeName.DNS, ProbeName.NETWORK, ProbeName.TLS, ProbeName.HTTP, ProbeName.BROWSER)
