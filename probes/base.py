"""The one interface every probe sits behind, and the envelope its result comes in.

A probe observes and records typed evidence. It never decides the final verdict:
what it saw that could stop a login becomes a `Finding` naming a contract cause id,
and `agent.engine.ranking` decides which finding is the root cause and which a symptom.
A probe never raises out of `run`: the runner turns a crash into an `error` result,
and a probe that cannot look (a reference unreachable) says so with status `error`
and a reason, which keeps "could not check" apart from "found a problem".
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

__all__ = [
    "LEFT_OUT", "MIN_SILENCE_SECONDS", "NOT_APPLICABLE", "CertificateValidity", "Credentials", "Evidence", "Finding",
    "NoEvidence", "Probe", "ProbeContext", "ProbeResult", "ProbeStatus", "RunConfig", "Severity", "Stopwatch",
    "UndeclaredRead", "enter_probe", "status_from",
]

import asyncio
import contextvars
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, Protocol, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from probes.dns.evidence import DnsEvidence
from probes.evidence import (
    LEFT_OUT,
    NOT_APPLICABLE,
    CertificateValidity,
    Evidence,
    Finding,
    NoEvidence,
    ProbeStatus,
    Severity,
    Stopwatch,
    status_from,
)
from probes.net.proxy_settings import ProxySettings
from probes.profile import Profile
from probes.resources import RunResources
from probes.result import ProbeResult
from probes.target import Target


class Credentials(BaseModel):
    """Login credentials; only ever read from the environment or a file, never argv."""

    username: str
    password: SecretStr


class RunConfig(BaseModel):
    """What the user asked for, already validated; shared read-only by every probe."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    dns_servers: list[tuple[str, int]] = []
    system_resolvers: list[tuple[str, int]] | None = Field(
        default=None, description="resolvers to compare the system's answer with; None reads the OS's"
    )
    time_servers: list[tuple[str, int]] = []
    ca_bundle: Path | None = None
    status_page: str | None = None
    browser: str | None = None
    timeout: float = 20.0
    credentials: Credentials | None = None
    output_dir: Path | None = None
    artifacts: bool = Field(default=True, description="leave a screenshot and HAR for support (the exporter: off)")
    profile: Profile | None = None
    tls_warning_days: int = 14
    user_profile: str | None = Field(default=None, description="--user-profile BROWSER[:PROFILE] ('' = the first)")
    user_profile_with_cookies: bool = False
    identifiers: dict[str, str] = Field(
        default_factory=dict, description="what support asks for: provider_id, npi, tax_id, practice_name"
    )
    captive_check_url: str | None = Field(
        default="http://connectivitycheck.gstatic.com/generate_204",
        description="a URL that answers 204 on an open network; None turns the captive-portal check off",
    )


ANSWER_SHARE = 0.25  # of --timeout: the longest wait for a silent server (see ProbeContext.answer_wait)
# The shortest silence that names a server silent or hung. A wait the run's deadline cut below this is a check
# not made: a far server's first answer, or a cold resolver's, can take some hundred milliseconds.
MIN_SILENCE_SECONDS = 0.5

_budget_end: contextvars.ContextVar[float | None] = contextvars.ContextVar("probe_budget_end", default=None)


_running: contextvars.ContextVar["Probe | None"] = contextvars.ContextVar("running_probe", default=None)
E = TypeVar("E", bound=Evidence)


class UndeclaredRead(Exception):
    """A probe read another probe's result that its `depends_on` does not declare: a bug, caught in tests."""


def enter_probe(probe: "Probe", budget_end: float) -> None:
    """Called by the runner inside each probe's task: which probe runs there, and when its budget runs out."""
    _running.set(probe)
    _budget_end.set(budget_end)


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
        resources: RunResources | None = None,
    ) -> None:
        self.target = target
        self.config = config or RunConfig()
        self.proxy = proxy if proxy is not None else ProxySettings()  # the engine detects the workstation's
        self.now = now
        self.resources = resources or RunResources()
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
        """The result of probe `name` once it finished, or None when it is not in this run.

        Inside a probe's task, only a probe its `depends_on` names can be read.
        """
        running = _running.get()
        if running is not None and name not in running.depends_on:
            raise UndeclaredRead(f"the {running.name} probe reads {name} but does not declare it in depends_on")
        future = self._results.get(name)
        if future is None:
            return None
        return await asyncio.shield(future)

    async def evidence(self, kind: type[E]) -> E | None:
        """The typed evidence of the probe that records `kind`, once it finished; None when absent."""
        result = await self.result(kind.model_fields["probe"].default)
        if result is None or not isinstance(result.evidence, kind):
            return None
        return result.evidence

    def answer_wait(self) -> float:
        """How long a server may stay silent (no ServerHello, no HTTP answer) before it counts as not answering.

        A quarter of --timeout (5 s at the default 20 s), within the probe's own budget: a
        hung portal is then named in about a third of the deadline, well inside half of it,
        while a portal that answers in a few seconds is still judged by what it says.
        """
        return self.time_left(max(1.0, self.config.timeout * ANSWER_SHARE))

    def time_left(self, at_most: float, keep: float = 0.0) -> float:
        """Seconds the running probe may still use, capped at `at_most`, keeping `keep` seconds for itself.

        Every wait inside a probe is sized with this (its budget is the probe's `budget`
        share of the deadline), so that a portal which never answers is reported by the
        probe (as a finding) before the runner has to cut it off (as a timeout). `keep`
        holds back time for what must follow the wait: a screenshot, closing a browser.
        """
        end = _budget_end.get()
        if end is None:
            return at_most
        return max(0.0, min(at_most, end - asyncio.get_running_loop().time() - keep))

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
        dns = await self.evidence(DnsEvidence)
        return list(dns.addresses) if dns is not None and dns.addresses else None


class Probe(Protocol):
    """One probe: a name from the contract, the results it reads, its share of the deadline, and `run`."""

    name: ClassVar[str]
    depends_on: ClassVar[tuple[str, ...]]
    budget: ClassVar[float]  # its share of --timeout (the runner scales and caps it; see agent.engine.runner)

    async def run(self, ctx: ProbeContext) -> ProbeResult: ...
