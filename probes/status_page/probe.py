"""The `status_page` probe: does the portal's own status page announce maintenance or an outage?

A login that fails during announced maintenance needs no IT ticket. The page is read
through Atlassian Statuspage's public API (`/api/v2/summary.json`) when it has one, and
from its wording otherwise. The URL is `--status-page`, else the profile's. A status
page that cannot be fetched is "could not check" (`error`), never a portal fault:
the portal itself is examined by other probes.
"""

from __future__ import annotations

import json
import ssl
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

import httpx

from probes.base import ProbeContext, ProbeResult
from probes.evidence import Finding, Stopwatch, status_from
from probes.net.capped import CappedBody, get_capped
from probes.net.httpclient import client_for, describe_error
from probes.status_page.evidence import StatusPageEvidence
from probes.status_page.html_page import wording_findings
from probes.status_page.statuspage_api import looks_like_summary, read_summary, summary_findings
from probes.text.page_text import read_page

TIMEOUT = 5.0
MAX_REDIRECTS = 5
MAX_BODY = 2_000_000
API_PATH = "api/v2/summary.json"


class StatusPageUnavailable(Exception):
    """The status page could not be read; the message says why, in one line."""


class StatusPageProbe:
    """Read the status page's API, or its wording, and say what it announces."""

    name: ClassVar[str] = "status_page"
    depends_on: ClassVar[tuple[str, ...]] = ("dns",)
    budget: ClassVar[float] = 0.3  # of --timeout

    async def run(self, ctx: ProbeContext) -> ProbeResult:
        watch = Stopwatch()
        url = ctx.config.status_page or (ctx.config.profile.status_page if ctx.config.profile else None)
        if not url:
            return ProbeResult(name=self.name, status="skip", summary="no status page known",
                               reason="give --status-page URL, or use a profile that names one")
        evidence = StatusPageEvidence(url=url)
        try:
            async with client_for(ctx, timeout=TIMEOUT) as client:
                findings = await self._read(ctx, client, url, evidence)
        except StatusPageUnavailable as exc:
            return self._error(watch, evidence, str(exc))
        except (httpx.HTTPError, OSError, ssl.SSLError) as exc:
            return self._error(watch, evidence, describe_error(exc))
        if evidence.source == "statuspage_api" and evidence.summary is not None:
            said = evidence.summary.description or evidence.summary.indicator or "no overall status"
        else:
            said = "; ".join(evidence.sentences[:2]) or "no status or maintenance wording found"
        summary = f"status page ({evidence.source}): {said}"
        return ProbeResult(name=self.name, status=status_from(findings), duration_ms=watch.ms(), summary=summary,
                           evidence=evidence, findings=findings)

    def _error(self, watch: Stopwatch, evidence: StatusPageEvidence, reason: str) -> ProbeResult:
        return ProbeResult(name=self.name, status="error", duration_ms=watch.ms(),
                           summary="could not check the status page", reason=reason, evidence=evidence)

    async def _read(
        self, ctx: ProbeContext, client: httpx.AsyncClient, url: str, evidence: StatusPageEvidence
    ) -> list[Finding]:
        api = url if urlsplit(url).path.endswith(".json") else urljoin(url.rstrip("/") + "/", API_PATH)
        response = await self._fetch(ctx, client, api, evidence)
        data = _json(response) if response.response.status_code == 200 else None
        if looks_like_summary(data):
            assert isinstance(data, dict)
            evidence.source = "statuspage_api"
            evidence.summary = read_summary(data)
            return summary_findings(evidence.summary, ctx.now(), [f"status page API: {api}"])
        if api == url:
            raise StatusPageUnavailable(
                f"{api} answered {response.response.status_code} without a Statuspage summary")
        response = await self._fetch(ctx, client, url, evidence)
        if response.response.status_code >= 400:
            raise StatusPageUnavailable(f"the status page answered {response.response.status_code} "
                                        f"{response.response.reason_phrase}")
        evidence.source = "html"
        page = read_page(response.text)
        wording = list(ctx.config.profile.maintenance_wording) if ctx.config.profile else []
        evidence.sentences, evidence.maintenance, findings = wording_findings(
            page.text, ctx.now(), wording, [f"status page: {url}"]
        )
        return findings

    async def _fetch(
        self, ctx: ProbeContext, client: httpx.AsyncClient, url: str, evidence: StatusPageEvidence
    ) -> CappedBody:
        """GET `url`, following redirects by hand (each hop recorded), names resolved as the run does.

        The body is read only up to `MAX_BODY` decoded bytes and within the probe's time left,
        so a compressed bomb or a trickling server costs nothing more than that.
        """
        for _ in range(MAX_REDIRECTS + 1):
            got = await get_capped(client, url, max_bytes=MAX_BODY, seconds=ctx.time_left(TIMEOUT, keep=0.2))
            response = got.response
            evidence.fetched.append(f"{url} -> {response.status_code}" + (
                f" (body cut at {MAX_BODY} bytes)" if got.truncated else ""))
            location = response.headers.get("location")
            if response.status_code not in (301, 302, 303, 307, 308) or not location:
                return got
            url = urljoin(url, location)
        raise StatusPageUnavailable(f"the status page redirects more than {MAX_REDIRECTS} times")


def _json(response: CappedBody) -> object:
    if response.truncated:
        return None  # a cut document is no summary
    try:
        return json.loads(response.body)
    except (ValueError, UnicodeDecodeError):
        return None
