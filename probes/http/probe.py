"""The `http` probe: what the login URL answers, hop by hop, and what the final page says.

Redirects are followed by hand so every hop (status, Location, timing, server) is on
record: the `sso` probe reads the hosts the login went through, and a loop is caught
where a browser would only say "too many redirects". The final page is read (bounded)
for maintenance wording and a password field; its `Date` header, with the local time
it arrived, is the `clock` probe's second reference. TLS and connection failures are
the `tls` and `network` probes' to explain: here they end the probe as `error`.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar
from urllib.parse import urljoin, urlsplit

import httpx

from probes.base import ProbeContext, ProbeResult
from probes.evidence import Stopwatch, status_from
from probes.http.evidence import Hop, HttpEvidence
from probes.http.rules import bad_answer, classify, no_answer
from probes.net.httpclient import DEFAULT_TIMEOUT, client_for, describe_error, tls_error
from probes.net.proxy_settings import redact
from probes.text.durations import seconds
from probes.text.maintenance import find_maintenance, with_windows
from probes.text.page_text import read_page

MAX_REDIRECTS = 10
ANSWER_MARGIN = 0.5  # seconds kept from the budget to report a portal that never answers
MAX_BODY = 1_000_000
_REDIRECTS = frozenset({301, 302, 303, 307, 308})


class _Silent(Exception):
    """The server stopped answering part-way (headers or body dripping, never ending)."""

    def __init__(self, partial: bool) -> None:
        super().__init__("the answer stopped arriving")
        self.partial = partial


@dataclass
class _Answer:
    url: str
    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    encoding: str | None


class HttpProbe:
    """GET the login URL like a browser would, one hop at a time."""

    name: ClassVar[str] = "http"
    depends_on: ClassVar[tuple[str, ...]] = ("dns", "network")
    budget: ClassVar[float] = 0.5  # of --timeout

    def __init__(self, timeout: float = DEFAULT_TIMEOUT, max_body: int = MAX_BODY) -> None:
        self.timeout = timeout
        self.max_body = max_body

    async def run(self, ctx: ProbeContext) -> ProbeResult:
        watch = Stopwatch()
        url = ctx.target.url
        evidence = HttpEvidence(url=url, proxy=redact(proxy) if (proxy := ctx.proxy.for_url(url)) else None)
        try:
            gate = await ctx.unreachable()
            if gate is not None:
                return ProbeResult(
                    name=self.name, status="skip", reason=gate, summary=gate,
                    duration_ms=watch.ms(), evidence=evidence,
                )
            wait = ctx.answer_wait()
            timeout = max(0.5, min(wait, ctx.time_left(self.timeout + ANSWER_MARGIN) - ANSWER_MARGIN))
            async with client_for(ctx, timeout=timeout) as client:
                answer = await self._walk(client, url, evidence, timeout)
        except (httpx.ReadTimeout, _Silent) as exc:
            failed = evidence.hops[-1].url if evidence.hops else url
            findings = [no_answer(failed, timeout, partial=isinstance(exc, _Silent) and exc.partial)]
            return ProbeResult(name=self.name, status="fail", summary=findings[0].summary,
                               duration_ms=watch.ms(), evidence=evidence, findings=findings)
        except httpx.RemoteProtocolError as exc:
            failed = evidence.hops[-1].url if evidence.hops else url
            if evidence.proxy is not None:  # through a proxy, who broke the answer is the proxy probe's question
                reason = f"could not fetch {failed}: {describe_error(exc)}"
                return ProbeResult(name=self.name, status="error", reason=reason, summary=reason,
                                   duration_ms=watch.ms(), evidence=evidence)
            findings = [bad_answer(failed, describe_error(exc))]
            return ProbeResult(name=self.name, status="fail", summary=findings[0].summary,
                               duration_ms=watch.ms(), evidence=evidence, findings=findings)
        except Exception as exc:  # a probe reports, it never raises
            evidence.tls_rejected = tls_error(exc) is not None
            failed = evidence.hops[-1].url if evidence.hops else url
            reason = f"could not fetch {failed}: {describe_error(exc)}"
            return ProbeResult(
                name=self.name, status="error", reason=reason, summary=reason,
                duration_ms=watch.ms(), evidence=evidence,
            )
        if answer is not None:
            self._read_final(answer, evidence, ctx.now())
        findings = classify(evidence, ctx.now())
        return ProbeResult(
            name=self.name, status=status_from(findings),
            summary=findings[0].summary if findings else _summary(evidence),
            duration_ms=watch.ms(), evidence=evidence, findings=findings,
        )

    async def _walk(
        self, client: httpx.AsyncClient, url: str, evidence: HttpEvidence, wait: float
    ) -> _Answer | None:
        """Follow redirects by hand; None when they loop (`loop_url` set) or exceed MAX_REDIRECTS.

        The client keeps cookies across hops, so a login that redirects back to a URL
        once it has set a cookie is not a loop: a state seen twice is the URL and the
        cookies together.
        """
        seen: set[tuple[str, tuple[tuple[str, str, str, str | None], ...]]] = set()
        for _ in range(MAX_REDIRECTS + 1):
            state = (url, tuple(sorted((c.domain, c.path, c.name, c.value) for c in client.cookies.jar)))
            if state in seen:
                evidence.loop_url = url
                return None
            seen.add(state)
            answer = await self._fetch(client, url, evidence, wait)
            location = evidence.hops[-1].location
            if answer.status not in _REDIRECTS or not location:
                return answer
            following = urljoin(url, location)
            if urlsplit(following).scheme not in ("http", "https"):
                return answer
            url = following
        evidence.loop_url = url
        return None

    async def _fetch(self, client: httpx.AsyncClient, url: str, evidence: HttpEvidence, wait: float) -> _Answer:
        """One request; the headers and then the body must each arrive within `wait` (wall clock, not per read)."""
        hop = Hop(url=url)
        evidence.hops.append(hop)
        host = urlsplit(url).hostname or ""
        if host not in evidence.redirect_hosts:
            evidence.redirect_hosts.append(host)
        watch = Stopwatch()
        try:
            # connecting has its own timeout inside; this caps a server that drips its headers
            async with asyncio.timeout(2 * wait):
                response = await client.send(client.build_request("GET", url), stream=True)
        except TimeoutError:
            hop.ms, hop.error = watch.ms(), f"no complete answer within {seconds(2 * wait)} s"
            raise _Silent(partial=True) from None
        except Exception as exc:
            hop.ms, hop.error = watch.ms(), describe_error(exc)
            raise
        try:
            received_at = time.time()
            hop.ms, hop.status = watch.ms(), response.status_code
            hop.location = response.headers.get("location")
            hop.server = response.headers.get("server")
            hop.address = _peer(response)
            dates = response.headers.get_list("date")
            if dates:
                # a duplicated Date: the framework's comes first, the application's last
                evidence.date_header, evidence.received_at_epoch = dates[-1], received_at
            body = b""
            if response.status_code not in _REDIRECTS:
                try:
                    async with asyncio.timeout(wait):
                        body = await self._read_body(response, evidence)
                except TimeoutError:
                    hop.error = f"the page did not finish arriving within {seconds(wait)} s"
                    raise _Silent(partial=True) from None
            return _Answer(
                url=url, status=response.status_code, reason=response.reason_phrase,
                headers=dict(response.headers), body=body, encoding=response.charset_encoding,
            )
        finally:
            await response.aclose()

    async def _read_body(self, response: httpx.Response, evidence: HttpEvidence) -> bytes:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size >= self.max_body:
                evidence.body_truncated = True
                break
        return b"".join(chunks)[: self.max_body]

    def _read_final(self, answer: _Answer, evidence: HttpEvidence, now: datetime) -> None:
        evidence.final_url, evidence.final_status = answer.url, answer.status
        evidence.reason_phrase = answer.reason
        evidence.response_ms = evidence.hops[-1].ms
        evidence.content_type = answer.headers.get("content-type")
        evidence.content_length = len(answer.body)
        evidence.retry_after = answer.headers.get("retry-after")
        text = _decode(answer.body, answer.encoding)
        content_type = (evidence.content_type or "").lower()
        if "html" in content_type or text.lstrip()[:1] == "<":
            page = read_page(text)
            evidence.title, evidence.has_password_field = page.title, page.has_password_field
            if page.password_form_action is not None:
                evidence.password_form_action = urljoin(answer.url, page.password_form_action)
            text = "\n".join(part for part in (page.title, page.text) if part)
        elif not (content_type.startswith("text/") or "json" in content_type):
            text = ""
        # an announced window that contains now is maintenance now; one already over is dropped
        evidence.maintenance = with_windows(find_maintenance(text), now)


def _decode(body: bytes, encoding: str | None) -> str:
    try:
        return body.decode(encoding or "utf-8", errors="replace")
    except LookupError:
        return body.decode("utf-8", errors="replace")


def _peer(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    address = stream.get_extra_info("server_addr") if stream is not None else None
    return f"{address[0]}:{address[1]}" if isinstance(address, tuple) and len(address) >= 2 else None


def _summary(evidence: HttpEvidence) -> str:
    redirects = len(evidence.hops) - 1
    text = f"{evidence.final_status} {evidence.reason_phrase} from {evidence.final_url}"
    text += f" in {evidence.response_ms} ms"
    if redirects:
        text += f" after {redirects} redirect{'s' if redirects > 1 else ''}"
    if evidence.has_password_field:
        text += "; the page has a password field"
    return text
