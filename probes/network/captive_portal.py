"""Is a hotspot's login page standing between the workstation and the web?

The check the operating systems themselves make: fetch a URL that answers an empty
204 on an open network. A captive portal answers it instead, with a redirect to its
login page, a 511, or a page of its own. Failing to reach the URL at all proves
nothing either way, so it is recorded as "could not check", never as a finding.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import httpx

from probes.evidence import Finding, Stopwatch
from probes.net.httpclient import client_for
from probes.net.proxy_settings import redact
from probes.network.evidence import CaptiveCheck, CaptiveOutcome
from probes.text.durations import seconds

if TYPE_CHECKING:
    from probes.base import ProbeContext

_BODY_LIMIT = 64 * 1024


async def check(ctx: ProbeContext, url: str, timeout: float) -> CaptiveCheck:
    """GET `url` once, without following redirects, through the proxy the workstation uses for it."""
    proxy = redact(found) if (found := ctx.proxy.for_url(url)) else None
    watch = Stopwatch()
    try:
        # the run's client: routed through the proxy that applies, and resolved through --dns-server like every name
        async with asyncio.timeout(timeout), client_for(ctx, timeout=timeout, verify=False) as client, \
                client.stream("GET", url, headers={"Cache-Control": "no-cache"}) as response:
            body = b""
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) >= _BODY_LIMIT:
                    break
    except TimeoutError:
        return CaptiveCheck(url=url, outcome="unreachable", proxy=proxy, ms=watch.ms(),
                            error=f"no answer within {seconds(timeout)} s")
    except httpx.HTTPError as exc:
        error = redact(f"{type(exc).__name__}: {exc}") if str(exc) else type(exc).__name__
        return CaptiveCheck(url=url, outcome="unreachable", proxy=proxy, ms=watch.ms(), error=error)
    status = response.status_code
    return CaptiveCheck(
        url=url,
        outcome=_outcome(status, response.headers.get("content-type", ""), body),
        status_code=status,
        location=response.headers.get("location"),
        proxy=proxy,
        ms=watch.ms(),
    )


def _outcome(status: int, content_type: str, body: bytes) -> CaptiveOutcome:
    if status == 204:
        return "open"
    if status in (301, 302, 303, 307, 308, 511):
        return "captive"
    if status == 200 and ("html" in content_type.lower() or b"<html" in body[:2048].lower()):
        return "captive"
    return "unexpected"


def finding(result: CaptiveCheck) -> Finding | None:
    """The network.captive_portal finding for an intercepted check, else None."""
    if result.outcome != "captive":
        return None
    if result.location:
        seen = f"answered {result.status_code} redirecting to {result.location}"
    else:
        seen = f"answered {result.status_code} with a page of its own"
    return Finding(
        id="network.captive_portal",
        severity="critical",
        summary=f"a captive portal intercepts web traffic: {result.url} {seen} instead of 204",
        evidence=[f"GET {result.url} -> {result.status_code}"]
        + ([f"Location: {result.location}"] if result.location else []),
        data={"url": result.url, "status": result.status_code, "location": result.location},
    )


def describe(result: CaptiveCheck) -> str:
    """One clause for the probe's summary."""
    return {
        "open": "no captive portal",
        "captive": "captive portal in the way",
        "unexpected": f"captive-portal check answered {result.status_code}",
        "unreachable": "could not check for a captive portal",
    }[result.outcome]
