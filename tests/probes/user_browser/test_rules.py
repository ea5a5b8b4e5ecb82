"""Chromium site patterns and the extension rules, on the forms Chromium stores."""

from __future__ import annotations

import pytest

from probes.user_browser.extensions import Catalog, describe
from probes.user_browser.site_patterns import Site, best_match
from probes.user_browser.sites import crosses_sites, registrable_domain

PORTAL = Site.of("https", "portal.example.com")


@pytest.mark.parametrize(
    ("patterns", "chosen"),
    [
        (["[*.]example.com", "https://portal.example.com:443"], "https://portal.example.com:443"),
        (["*", "[*.]example.com"], "[*.]example.com"),
        (["[*.]other.com", "http://portal.example.com:80"], None),
        (["portal.example.com"], "portal.example.com"),
        (["[*.]portal.example.com"], "[*.]portal.example.com"),  # [*.] covers the host itself too
    ],
)
def test_the_most_specific_pattern_decides(patterns: list[str], chosen: str | None) -> None:
    assert best_match(patterns, PORTAL) == chosen


def test_cross_site_sign_in() -> None:
    assert registrable_domain("login.portal.nhs.uk") == "portal.nhs.uk"
    idps = [Site.of("https", "sso.example.com"), Site.of("https", "login.microsoftonline.com")]
    assert [s.host for s in crosses_sites(PORTAL, idps)] == ["login.microsoftonline.com"]


def test_unknown_extensions_are_flagged_by_their_powers() -> None:
    catalog = Catalog.load()
    assert describe(catalog, "chromium", "cjpalhdlnbpafiamejdnhcphjbkeiagm", "", "1.0", [], []).known
    proxy = describe(catalog, "chromium", "x" * 32, "Corp VPN", "2", ["proxy", "storage"], [])
    assert proxy.flagged and "proxy" in proxy.flagged and not proxy.known
    blocker = describe(catalog, "firefox", "a@b", "Filter", "1", ["webRequestBlocking", "webRequest"], ["<all_urls>"])
    assert blocker.flagged and "every site" in blocker.flagged
    narrow = describe(catalog, "chromium", "y" * 32, "Narrow", "1", ["declarativeNetRequest"], ["https://a.com/*"])
    assert narrow.flagged is None
