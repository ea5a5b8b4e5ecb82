"""Findings from enterprise policies: the portal blocked, a proxy forced, cookies, JavaScript or pop-ups off, IE mode.

A policy is not the user's to change, so the remediation names the policy, its
source and the value IT should set. Blocks are critical; a forced proxy is a warning
that names the proxy (the `proxy` probe checks whether it carries the portal).
"""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from probes.evidence import Finding, Severity
from probes.user_browser.evidence import PolicySet
from probes.user_browser.safe_read import Unreadable, read_text
from probes.user_browser.site_patterns import Site, best_match
from probes.user_browser.url_filter import verdict
from probes.user_browser.workstation import browser_table

THIRD_PARTY_SCALE = 0.6
UNREAD_SITE_LIST_SCALE = 0.5
_PROXY_MODES = {2: "fixed_servers", 3: "pac_script"}


def _finding(policies: PolicySet, severity: Severity, summary: str, names: Sequence[str], fix: str,
             confidence_scale: float = 1.0, **extra: Any) -> Finding:
    title = browser_table()[policies.browser]["title"]
    return Finding(
        id="browser.policy_blocked", severity=severity, summary=f"{title} policy: {summary}",
        evidence=[f"{n} = {policies.values.get(n)!r} ({policies.source})" for n in names if n in policies.values],
        data={"browser": policies.browser, "source": policies.source, "policies": list(names)} | extra,
        confidence_scale=confidence_scale,
        remediation=[f"Ask IT to change {title} policy {fix} (set in {policies.source})"],
    )


def _list(values: dict[str, Any], *names: str) -> list[str]:
    return [str(v) for n in names for v in (values.get(n) or []) if isinstance(values.get(n), list)]


def _content(policies: PolicySet, kind: str, sites: list[Site], severity: Severity) -> list[Finding]:
    """`Default<Kind>Setting` 2 or `<Kind>BlockedForUrls`, unless `<Kind>AllowedForUrls` is more specific."""
    values = policies.values
    blocked, allowed = _list(values, f"{kind}BlockedForUrls"), _list(values, f"{kind}AllowedForUrls")
    label = {"Cookies": "cookies", "JavaScript": "JavaScript", "Popups": "pop-ups"}[kind]
    found: list[Finding] = []
    for site in sites:
        block, allow = best_match(blocked, site), best_match(allowed, site)
        if block is not None and allow is None:
            found.append(_finding(policies, severity, f"{kind}BlockedForUrls blocks {label} for {site.host} ({block})",
                                  [f"{kind}BlockedForUrls"], f"{kind}BlockedForUrls: remove {block}"))
        elif values.get(f"Default{kind}Setting") == 2 and allow is None:
            found.append(_finding(policies, severity, f"Default{kind}Setting = 2 turns {label} off, {site.host} too",
                                  [f"Default{kind}Setting"], f"{kind}AllowedForUrls: add [*.]{site.host}"))
    return found


def _proxy(policies: PolicySet) -> list[Finding]:
    values = dict(policies.values)
    if isinstance(values.get("ProxySettings"), dict):
        values = values["ProxySettings"] | values
    mode = values.get("ProxyMode") or _PROXY_MODES.get(values.get("ProxyServerMode", 0))
    if mode is None and values.get("ProxyServer"):
        mode = "fixed_servers"
    proxy = values.get("ProxyServer") if mode == "fixed_servers" else values.get("ProxyPacUrl")
    if mode not in ("fixed_servers", "pac_script") or not proxy:
        return []
    names = [n for n in ("ProxySettings", "ProxyMode", "ProxyServerMode", "ProxyServer", "ProxyPacUrl")
             if n in policies.values]
    return [_finding(policies, "warning", f"forces the proxy {proxy} ({mode})", names,
                     f"{'/'.join(names)} if the portal must not go through {proxy}", proxy=proxy)]


def _ie_mode(policies: PolicySet, hosts: list[str]) -> list[Finding]:
    if policies.values.get("InternetExplorerIntegrationLevel") != 1:
        return []
    site_list = str(policies.values.get("InternetExplorerIntegrationSiteList", ""))
    names = ["InternetExplorerIntegrationLevel", "InternetExplorerIntegrationSiteList"]
    path = Path(unquote(urlsplit(site_list).path)) if site_list.startswith("file:") else Path(site_list)
    try:
        text = read_text(path).lower() if site_list and not site_list.startswith("http") else None
    except Unreadable:
        text = None
    if text is None:
        return [_finding(policies, "warning", f"IE mode is on with a site list not read here ({site_list or 'none'})",
                         names, "InternetExplorerIntegrationSiteList: check that the portal is not listed",
                         confidence_scale=UNREAD_SITE_LIST_SCALE)]
    listed = [h for h in hosts if h in text]
    return [_finding(policies, "critical", f"IE mode site list sends {', '.join(listed)} to Internet Explorer mode",
                     names, f"InternetExplorerIntegrationSiteList: remove {', '.join(listed)} from {site_list}")
            ] if listed else []


def chromium(policies: PolicySet, url: str, sites: list[Site], cross_site: list[str]) -> list[Finding]:
    values = policies.values
    found: list[Finding] = []
    block, allow = _list(values, "URLBlocklist", "URLBlacklist"), _list(values, "URLAllowlist", "URLWhitelist")
    for target in [url] + [f"https://{s.host}:{s.port}/" for s in sites[1:]]:
        blocked, by = verdict(target, block, allow)
        if blocked:
            names = [n for n in ("URLBlocklist", "URLBlacklist") if n in values]
            found.append(_finding(policies, "critical", f"URLBlocklist blocks {target} ({by})", names,
                                  f"URLAllowlist: add {urlsplit(target).hostname}, or remove {by} from URLBlocklist"))
    found += _proxy(policies)
    found += _content(policies, "Cookies", sites, "critical")
    found += _content(policies, "JavaScript", sites, "critical")
    found += _content(policies, "Popups", sites, "warning")
    if values.get("BlockThirdPartyCookies") is True and cross_site:
        found.append(_finding(policies, "warning", f"BlockThirdPartyCookies is on and the sign-in crosses sites "
                              f"({', '.join(cross_site)})", ["BlockThirdPartyCookies"],
                              f"CookiesAllowedForUrls: add [*.]{cross_site[0]}", confidence_scale=THIRD_PARTY_SCALE))
    found += _ie_mode(policies, [s.host for s in sites])
    return found


def _firefox_pref(values: dict[str, Any], name: str) -> Any:
    pref = (values.get("Preferences") or {}).get(name)
    return pref.get("Value") if isinstance(pref, dict) else pref


def firefox(policies: PolicySet, url: str, sites: list[Site], cross_site: list[str]) -> list[Finding]:
    values = policies.values
    found: list[Finding] = []
    website = values.get("WebsiteFilter") or {}
    for target in [url] + [f"https://{s.host}/" for s in sites[1:]]:
        hits = [p for p in website.get("Block", []) if p == "<all_urls>" or fnmatchcase(target, p)]
        spared = [p for p in website.get("Exceptions", []) if p == "<all_urls>" or fnmatchcase(target, p)]
        if hits and not spared:
            found.append(_finding(policies, "critical", f"WebsiteFilter blocks {target} ({hits[0]})",
                                  ["WebsiteFilter"], f"WebsiteFilter: add {target}* to Exceptions"))
    proxy = values.get("Proxy") or {}
    server = {"manual": proxy.get("SSLProxy") or proxy.get("HTTPProxy"), "autoConfig": proxy.get("AutoConfigURL")}
    if server.get(str(proxy.get("Mode"))):
        named = server[str(proxy.get("Mode"))]
        found.append(_finding(policies, "warning", f"forces the proxy {named} ({proxy.get('Mode')})", ["Proxy"],
                              f"Proxy if the portal must not go through {named}", proxy=named))
    cookies = values.get("Cookies") or {}
    blocked = [h for s in sites for h in [s.host]
               if any(h == (urlsplit(o).hostname or o) or h.endswith("." + (urlsplit(o).hostname or o))
                      for o in cookies.get("Block", []))]
    if cookies.get("Default") is False or cookies.get("Behavior") == "reject" or blocked:
        scope = ", ".join(blocked) or "every site"
        found.append(_finding(policies, "critical", f"Cookies turns cookies off for {scope}", ["Cookies"],
                              "Cookies: allow cookies for the portal (Allow list)"))
    elif cookies.get("Behavior") == "reject-foreign" and cross_site:
        found.append(_finding(policies, "warning", "Cookies rejects third-party cookies and the sign-in crosses sites",
                              ["Cookies"], f"Cookies: add https://{cross_site[0]} to Allow",
                              confidence_scale=THIRD_PARTY_SCALE))
    if _firefox_pref(values, "javascript.enabled") is False:
        found.append(_finding(policies, "critical", "Preferences turns JavaScript off (javascript.enabled)",
                              ["Preferences"], "Preferences: javascript.enabled must be true"))
    return found
