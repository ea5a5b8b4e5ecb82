"""The `sso` probe: can this workstation reach the identity providers the login goes through?

Many portals hand the login to an identity provider on another host. When that host
cannot be resolved, reached or trusted, or its SAML signing certificate has expired,
the portal itself looks fine and the login still fails. The hosts come from the
profile (`idp_hosts`, the metadata URLs) and from the redirect chains the `http` and
`browser` probes followed; each is checked as the portal is (DNS, TCP, TLS), and the
SAML metadata or OIDC discovery document is read when the profile names one.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import ClassVar
from urllib.parse import urlsplit

import httpx

from probes.base import ProbeContext, ProbeResult
from probes.browser.evidence import BrowserEvidence
from probes.evidence import CertificateValidity, Finding, Stopwatch, status_from
from probes.http.evidence import HttpEvidence
from probes.net.host_lookup import lookup
from probes.net.httpclient import client_for
from probes.net.tcp_connect import classify
from probes.net.tls_handshake import handshake, workstation_context
from probes.profile import Profile
from probes.sso.evidence import IdpHost, OidcDiscovery, SamlMetadata, SsoEvidence
from probes.sso.metadata import FetchFailed, OutOfTime, fetch, read_oidc, read_saml

STEP_TIMEOUT = 4.0


class SsoProbe:
    """Check every identity-provider host, then the keys the provider publishes."""

    name: ClassVar[str] = "sso"
    depends_on: ClassVar[tuple[str, ...]] = ("dns", "http", "browser")
    budget: ClassVar[float] = 0.5  # of --timeout

    async def run(self, ctx: ProbeContext) -> ProbeResult:
        watch = Stopwatch()
        profile = ctx.config.profile
        hosts: dict[tuple[str, int], IdpHost] = {}
        if profile is not None:
            for entry in profile.idp_hosts:
                _add(hosts, ctx, f"https://{entry}/", "profile")
            for url in (profile.saml_metadata_url, profile.oidc_discovery_url):
                if url:
                    _add(hosts, ctx, url, "profile")
        known = list(hosts.values())
        early = [asyncio.create_task(check_host(ctx, h)) for h in known]  # start before the browser is done
        try:
            for source, seen in (("http", await ctx.evidence(HttpEvidence)),
                                 ("browser", await ctx.evidence(BrowserEvidence))):
                for url in _visited(seen):
                    _add(hosts, ctx, url, source)
            await asyncio.gather(*early, *(check_host(ctx, h) for h in hosts.values() if h not in known))
        finally:
            for task in early:
                task.cancel()
        evidence = SsoEvidence(hosts=list(hosts.values()))
        if not hosts:
            return ProbeResult(name=self.name, status="skip", duration_ms=watch.ms(),
                               summary="no identity provider known", evidence=evidence,
                               reason="no IdP in the profile, and the login did not redirect to another host")
        findings, unread = await _published_keys(ctx, profile, evidence)
        unreachable = [h for h in evidence.hosts if not h.reachable]
        if unreachable:
            findings.insert(0, _unreachable(unreachable))
        reached = sum(h.reachable for h in evidence.hosts)
        summary = f"{reached} of {len(evidence.hosts)} identity-provider host(s) reachable"
        if evidence.saml is not None and evidence.saml.certificates:
            until = max(c.not_after for c in evidence.saml.certificates)
            summary += f"; SAML signing certificate valid until {until:%Y-%m-%d}"
        if unread and not findings:  # a published document left unread is a check not made, never a pass
            return ProbeResult(name=self.name, status="timeout", duration_ms=watch.ms(), evidence=evidence,
                               summary=f"{summary}; {unread[0]}", reason="run deadline reached")
        return ProbeResult(name=self.name, status=status_from(findings), duration_ms=watch.ms(), summary=summary,
                           evidence=evidence, findings=findings)


def _add(hosts: dict[tuple[str, int], IdpHost], ctx: ProbeContext, url: str, source: str) -> None:
    parts = urlsplit(url if "://" in url else f"https://{url}")
    host = (parts.hostname or "").lower()
    if not host or host == ctx.target.host:
        return
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return
    entry = hosts.setdefault((host, port), IdpHost(host=host, port=port, scheme=parts.scheme))
    if source not in entry.sources:
        entry.sources.append(source)


def _visited(evidence: HttpEvidence | BrowserEvidence | None) -> list[str]:
    """URLs (or host names) the http probe's hops or the browser's redirect chain went through."""
    if evidence is None:
        return []
    if isinstance(evidence, HttpEvidence):
        urls = [hop.url for hop in evidence.hops] + [evidence.final_url or ""]
    else:
        urls = [*evidence.redirect_chain, evidence.final_url or ""]
    if not any(urls):  # host names alone carry no port: only when no URL was recorded
        urls = list(evidence.redirect_hosts)
    return [u for u in urls if u]


async def check_host(ctx: ProbeContext, idp: IdpHost) -> None:
    """DNS, TCP and TLS to `idp` as the workstation would go (through its proxy when it has one)."""
    watch = Stopwatch()
    try:
        url = f"{idp.scheme}://{idp.host}:{idp.port}/"
        if ctx.proxy.for_url(url) is not None:
            await _through_proxy(ctx, idp, url)
        else:
            await _direct(ctx, idp)
    finally:
        idp.ms = watch.ms()


async def _direct(ctx: ProbeContext, idp: IdpHost) -> None:
    idp.lookup = await lookup(ctx, idp.host, idp.port, STEP_TIMEOUT)
    if not idp.lookup.addresses:
        idp.failed_stage, idp.problem = "dns", f"DNS: {idp.lookup.outcome} ({idp.lookup.error or 'no address'})"
        return
    problem = "no address"
    for address in idp.lookup.addresses:
        try:
            async with asyncio.timeout(STEP_TIMEOUT):
                reader, writer = await asyncio.open_connection(address, idp.port)
        except OSError as exc:
            outcome, errno_name = classify(exc)
            text = f"no connection within {STEP_TIMEOUT:g} s" if isinstance(exc, TimeoutError) else str(exc)
            problem = f"TCP {address}:{idp.port}: {outcome} ({errno_name or text})"
            continue
        idp.address = address
        if idp.scheme != "https":
            writer.close()
            idp.reachable = True
            return
        shake = await handshake(reader, writer, _trust(ctx), idp.host, STEP_TIMEOUT)
        if shake.ok:
            idp.reachable, idp.tls_protocol = True, shake.protocol
        else:
            idp.failed_stage, idp.problem = "tls", f"TLS: {shake.verify_message or shake.error}"
        return
    idp.failed_stage, idp.problem = "tcp", problem


def _trust(ctx: ProbeContext) -> ssl.SSLContext:
    return workstation_context(ctx.config.ca_bundle)


async def _through_proxy(ctx: ProbeContext, idp: IdpHost, url: str) -> None:
    try:
        async with client_for(ctx, timeout=STEP_TIMEOUT) as client:
            response = await client.get(url)
    except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
        idp.failed_stage, idp.problem = "proxy", f"through the proxy: {type(exc).__name__}: {exc}"
        return
    idp.reachable = response.status_code != 407
    if not idp.reachable:
        idp.failed_stage, idp.problem = "proxy", "the proxy demands authentication (407)"


async def _published_keys(
    ctx: ProbeContext, profile: Profile | None, evidence: SsoEvidence
) -> tuple[list[Finding], list[str]]:
    """Read the SAML metadata and OIDC discovery the profile names: findings for what blocks a login, and what
    the deadline left unread."""
    saml_url = profile.saml_metadata_url if profile else None
    oidc_url = profile.oidc_discovery_url if profile else None
    findings: list[Finding] = []
    unread: list[str] = []
    down = {(h.host, h.port) for h in evidence.hosts if not h.reachable}
    try:
        client = client_for(ctx, timeout=STEP_TIMEOUT)
    except (OSError, ssl.SSLError):
        return findings, unread
    async with client:
        if saml_url and _host_key(saml_url) not in down:
            try:
                evidence.saml = read_saml(saml_url, await fetch(ctx, client, saml_url))
            except FetchFailed as exc:
                evidence.saml = SamlMetadata(url=saml_url, error=str(exc))
                _failed(exc, "SAML metadata", findings, unread)
            else:
                expired = _expired(evidence.saml, ctx)
                if expired is not None:
                    findings.append(expired)
        if oidc_url and _host_key(oidc_url) not in down:
            try:
                evidence.oidc = await read_oidc(ctx, client, oidc_url)
            except FetchFailed as exc:
                evidence.oidc = OidcDiscovery(url=oidc_url, error=str(exc))
                _failed(exc, "OpenID Connect discovery", findings, unread)
    return findings, unread


def _failed(exc: FetchFailed, what: str, findings: list[Finding], unread: list[str]) -> None:
    """A document not read: left unread by the deadline, a finding when the IdP failed, else only evidence."""
    if isinstance(exc, OutOfTime):
        unread.append(str(exc))
    elif exc.server_side:
        findings.append(_document_unreachable(what, str(exc)))


def _host_key(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return (parts.hostname or "").lower(), parts.port or (443 if parts.scheme == "https" else 80)


def _expired(saml: SamlMetadata, ctx: ProbeContext) -> Finding | None:
    """A finding when every signing certificate the IdP publishes has expired (one valid one suffices)."""
    now = ctx.now()
    if not saml.certificates or any(c.not_after > now for c in saml.certificates):
        return None
    latest = max(saml.certificates, key=lambda c: c.not_after)
    days = (now - latest.not_after).days
    return Finding(
        id="sso.idp_cert_expired", severity="critical",
        summary=f"The identity provider's SAML signing certificate expired on {latest.not_after:%Y-%m-%d} "
                f"({days} days ago), so the portal rejects its sign-ins.",
        evidence=[f"SAML metadata: {saml.url}"] + [
            f"signing certificate {c.subject}: valid {c.not_before.isoformat()} to {c.not_after.isoformat()}"
            for c in saml.certificates
        ],
        data={"url": saml.url, "subject": latest.subject},
        validity=CertificateValidity(not_before=latest.not_before.isoformat(),
                                     not_after=latest.not_after.isoformat(), checked_at=now.isoformat()),
    )


def _unreachable(hosts: list[IdpHost]) -> Finding:
    first = hosts[0]
    return Finding(
        id="sso.idp_unreachable", severity="critical",
        summary=f"The identity provider {first.host} cannot be reached from this workstation: {first.problem}.",
        evidence=[f"{h.host}:{h.port} (seen in {', '.join(h.sources)}): {h.problem}" for h in hosts],
        data={"hosts": [f"{h.host}:{h.port}" for h in hosts], "stage": first.failed_stage,
              "problems": {f"{h.host}:{h.port}": h.problem for h in hosts}},
    )


def _document_unreachable(what: str, problem: str) -> Finding:
    return Finding(
        id="sso.idp_unreachable", severity="critical",
        summary=f"The identity provider answers, but its {what} cannot be fetched: {problem}.",
        evidence=[problem], data={"stage": "http", "problem": problem},
    )
