"""The one interface every probe sits behind, and the envelope its result comes in.

A probe observes and records typed evidence. It never decides the final verdict:
what it saw that could stop a login becomes a `Finding` naming a contract cause id,
and `agent.engine.ranking` decides which finding is the root cause and which a symptom.
A probe never raises out of `run`: the runner turns a crash into an `error` result,
and a probe that cannot look (a reference unreachable) says so with status `error`
and a reason, which keeps "could not check" apart from "found a problem".
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, SecretStr, SerializeAsAny

from probes.net.proxy_settings import ProxySettings
from probes.profile import Profile
from probes.target import Target

ProbeStatus = Literal["pass", "warn", "fail", "skip", "error", "timeout"]
Severity = Literal["critical", "warning"]

# `ProbeResult.reason` of a skip the verdict must tell apart from "could not check"
LEFT_OUT = "not selected"  # the user left the probe out (--only, --skip)
NOT_APPLICABLE = "not applicable"  # nothing to look at (no TLS on an http:// portal)



class Evidence(BaseModel):
    """Base of every probe's typed evidence; subclasses declare their fields.

    `extra="allow"` lets a report read back from JSON keep every field even where the
    concrete evidence class is not known to the reader.
    """

    model_config = ConfigDict(extra="allow")


class Finding(BaseModel):
    """Something a probe saw that can explain a failed login, named by a contract cause id."""

    id: str = Field(description="contract cause id, e.g. 'tls.cert_expired'")
    severity: Severity
    summary: str = Field(description="one sentence: what was seen, with the figures")
    evidence: list[str] = Field(default_factory=list, description="facts behind it, quoted exactly")
    data: dict[str, Any] = Field(
        default_factory=dict, description="machine-readable facts the ranking reasons with"
    )


class ProbeResult(BaseModel):
    """The attempt envelope: how the probe ended, and what it saw."""

    name: str
    status: ProbeStatus
    duration_ms: int = 0
    summary: str = ""
    reason: str | None = Field(default=None, description="why the probe could not check, when it could not")
    evidence: SerializeAsAny[Evidence] = Field(default_factory=Evidence)
    findings: list[Finding] = Field(default_factory=list)


class Credentials(BaseModel):
    """Login credentials; only ever read from the environment or a file, never argv."""

    username: str
    password: SecretStr


class RunConfig(BaseModel):
    """What the user asked for, already validated; shared read-only by every probe."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    dns_servers: list[tuple[str, int]] = Field(default_factory=list)
    system_resolvers: list[tuple[str, int]] | None = Field(
        default=None, description="resolvers to compare the system's answer with; None reads the OS's"
    )
    time_servers: list[tuple[str, int]] = Field(default_factory=list)
    ca_bundle: Path | None = None
    status_page: str | None = None
    browser: str | None = None
    timeout: float = 20.0
    credentials: Credentials | None = None
    output_dir: Path | None = None
    profile: Profile | None = None
    tls_warning_days: int = 14
    identifiers: dict[str, str] = Field(
        default_factory=dict, description="what support asks for: provider_id, npi, tax_id, practice_name"
    )
    captive_check_url: str | None = Field(
        default="http://connectivitycheck.gstatic.com/generate_204",
        description="a URL that answers 204 on an open network; None turns the captive-portal check off",
    )


ANSWER_SHARE = 0.25  # of --timeout: the longest wait for a silent server (see ProbeContext.answer_wait)

_budget_end: contextvars.ContextVar[float | None] = contextvars.ContextVar("probe_budget_end", default=None)


def set_budget_end(loop_time: float) -> None:
    """Called by the runner inside each probe's task: when (event-loop time) its budget runs out."""
    _budget_end.set(loop_time)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class ProbeContext:
    """Everything a probe may read: the target, the run's settings, other probes' results.

    The runner owns the futures behind `result()`; a probe awaits the results it
    `depends_on`, and gets None for a probe that is not part of this run. The clock
    is injected (`now`), never patched, so tests can set it.
    """

    def __init__(
        self,
        target: Target,
        config: RunConfig | None = None,
        proxy: ProxySettings | None = None,
        now: Callable[[], datetime] = _utcnow,
    ) -> None:
        self.target = target
        self.config = config or RunConfig()
        self.proxy = proxy if proxy is not None else ProxySettings.detect()
        self.now = now
        self.resources = contextlib.AsyncExitStack()
        self.shared: dict[str, Any] = {}
        self._results: dict[str, asyncio.Future[ProbeResult]] = {}

    def expect(self, name: str) -> None:
        """Announce that probe `name` runs, so dependents wait for it rather than get None."""
        self._results.setdefault(name, asyncio.get_running_loop().create_future())

    def provide(self, result: ProbeResult) -> None:
        """Publish a finished result to the probes waiting on it."""
        future = self._results.get(result.name)
        if future is None:
            future = asyncio.get_running_loop().create_future()
            self._results[result.name] = future
        if not future.done():
            future.set_result(result)

    async def result(self, name: str) -> ProbeResult | None:
        """The result of probe `name` once it finished, or None when it is not in this run."""
        future = self._results.get(name)
        if future is None:
            return None
        return await asyncio.shield(future)

    def answer_wait(self) -> float:
        """How long a server may stay silent (no ServerHello, no HTTP answer) before it counts as not answering.

        A quarter of --timeout (5 s at the default 20 s), within the probe's own budget: a
        hung portal is then named in about a third of the deadline, well inside half of it,
        while a portal that answers in a few seconds is still judged by what it says.
        """
        return self.time_left(max(1.0, self.config.timeout * ANSWER_SHARE))

    def time_left(self, at_most: float) -> float:
        """Seconds the running probe may still use, capped at `at_most`.

        A probe sizes its own timeouts with this, so that a portal which never answers is
        reported by the probe (as a finding) before the runner has to cut it off (as a timeout).
        """
        end = _budget_end.get()
        if end is None:
            return at_most
        return max(0.0, min(at_most, end - asyncio.get_running_loop().time()))

    async def unreachable(self) -> str | None:
        """Why not to fetch the login page: the network probe reached nothing and no proxy would carry it.

        The connectivity gate: a probe that would only repeat an earlier failure skips, saying why.
        """
        network = await self.result("network")
        if network is None or network.status not in ("fail", "skip") or self.proxy.for_url(self.target.url):
            return None
        said = network.summary or network.reason or network.status
        return f"not attempted: the portal is not reachable over the network ({said})"

    async def addresses(self) -> list[str] | None:
        """Addresses later connections must use, from the `dns` probe; None means let the OS resolve."""
        dns = await self.result("dns")
        if dns is None:
            return None
        pinned = getattr(dns.evidence, "addresses", None)
        return list(pinned) if pinned else None


class Probe(Protocol):
    """One probe: a name from the contract, the results it reads, and `run`."""

    name: ClassVar[str]
    depends_on: ClassVar[tuple[str, ...]]

    async def run(self, ctx: ProbeContext) -> ProbeResult: ...


class Stopwatch:
    """Milliseconds since creation, for `duration_ms` and per-phase timings."""

    def __init__(self) -> None:
        self._start = time.perf_counter()

    def ms(self) -> int:
        return int((time.perf_counter() - self._start) * 1000)

    def seconds(self) -> float:
        return time.perf_counter() - self._start


def status_from(findings: list[Finding]) -> ProbeStatus:
    """`fail` when a finding blocks login, `warn` when one only degrades it, else `pass`."""
    if any(f.severity == "critical" for f in findings):
        return "fail"
    if findings:
        return "warn"
    return "pass"
