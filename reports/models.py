"""The report, one pydantic tree: what the JSON holds and what every renderer reads.

Probe results are embedded as they are (`probes.base.ProbeResult`), never mirrored;
`reports/schema.json` is generated from `Report` and a test keeps the two in sync.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from datetime import datetime
from typing import Any, Final, Literal

from pydantic import BaseModel, Field, model_validator

from probes.evidence import Severity
from probes.result import ProbeResult
from reports import timefmt

ReportStatus = Literal["ok", "warning", "critical", "unknown"]
Owner = Literal["workstation", "network", "portal", "account"]
EXIT_CODES: Final[dict[str, int]] = {"ok": 0, "warning": 1, "critical": 2, "unknown": 3}  # the contract's
SCHEMA_VERSION: Final = "1"


class ToolInfo(BaseModel):
    name: str = "diagnose"
    version: str


class TargetInfo(BaseModel):
    input: str
    url: str | None = None
    host: str | None = None
    port: int | None = None
    profile: str | None = None


class Workstation(BaseModel):
    """What the workstation looked like during the run; support engineers ask for all of it."""

    hostname: str
    os: str
    os_version: str = ""
    timezone: str
    local_time: str
    python: str = ""
    proxy: dict[str, Any] = Field(default_factory=dict, description="proxy settings seen (no credentials)")
    extra: dict[str, Any] = Field(default_factory=dict)


class Cause(BaseModel):
    """A likely reason the login fails, with why the agent believes it and what to do."""

    id: str
    title: str
    severity: Severity
    confidence: float = Field(ge=0, le=1)
    probe: str
    summary: str = ""
    evidence: list[str] = []
    remediation: list[str] = []
    explained_by: str | None = Field(
        default=None, description="id of the cause this one is a symptom of, when it is one"
    )
    owner: Owner | None = Field(default=None, description="who must act: the causes catalog's owner of this id")
    window_start: datetime | None = Field(
        default=None, description="start of the window the cause is about: a maintenance, a certificate's validity")
    window_end: datetime | None = Field(
        default=None, description="its end: the announced end of a maintenance, a certificate's expiry")


class Support(BaseModel):
    """What a support engineer asks for when the ticket is opened."""

    started_at: datetime
    finished_at: datetime
    timezone: str
    os: str
    portal_url: str | None = None
    resolved_addresses: list[str] = []
    browser: dict[str, Any] = Field(default_factory=dict, description="the browser the agent drove: name, version")
    user_browsers: list[str] = Field(
        default=[], description="the browsers installed for the user, with versions (the user_browser probe)"
    )
    error_text: list[str] = Field(default=[], description="exact error messages seen")
    screenshot: str | None = Field(default=None, description="the failing step's screenshot, relative to the report")
    screenshot_step: str | None = Field(default=None, description="the probe whose screenshot it is")
    har: str | None = Field(default=None, description="the redacted HAR, relative to the report")
    user_id: str | None = Field(default=None, description="the account tried, masked (first and last character)")
    identifiers: dict[str, str] = Field(default_factory=dict)
    identifiers_missing: list[str] = Field(
        default=[], description="identifiers the portal's support asks for that were not given"
    )
    contact: dict[str, str] = Field(default_factory=dict)
    when_to_contact: str = ""
    owner: Owner | None = Field(default=None, description="who must act on the first cause")


class Bundle(BaseModel):
    """Where the support bundle of this run was written (the folder always, the zip on request)."""

    folder: str = Field(description="the bundle folder, relative to the report")
    zip: str | None = Field(default=None, description="the bundle's zip, relative to the report, when asked for")


class UncheckedCheck(BaseModel):
    """A check on the path to the login page that could not vouch for it (error, timeout, skipped)."""

    probe: str
    status: str
    reason: str


CompareScope = Literal["here_only", "everywhere", "neither", "unknown"]


class ReferenceRun(BaseModel):
    """The reference report a run was compared with: where it came from and what it found."""

    source: str = Field(description="the report file or the exporter URL it was read from")
    hostname: str
    started_at: datetime
    status: ReportStatus
    first_cause: str | None = None


class Difference(BaseModel):
    """One thing a probe saw differently here and at the reference."""

    probe: str
    aspect: str = Field(description="status, resolved addresses, certificate issuer, proxy path, clock, page outcome")
    here: str
    reference: str
    note: str = ""


class Comparison(BaseModel):
    """This run against a reference run of the same portal: is the fault here only, or everywhere?"""

    scope: CompareScope = Field(description="here_only: the reference passed at about the same time; "
                                "everywhere: it failed too (the portal's side); neither: both passed")
    summary: str
    reference: ReferenceRun
    minutes_apart: float
    differences: list[Difference] = []
    shared_causes: list[str] = Field(default=[], description="root cause ids both runs found")
    server_errors: list[int] = Field(default=[], description="5xx statuses the reference saw as well")


class Report(BaseModel):
    schema_version: Literal["1"] = SCHEMA_VERSION
    tool: ToolInfo
    target: TargetInfo
    started_at: datetime
    finished_at: datetime
    duration_ms: int
    status: ReportStatus
    exit_code: int
    workstation: Workstation
    probes: list[ProbeResult]
    causes: list[Cause]
    support: Support
    unchecked: list[UncheckedCheck] = Field(
        default=[], description="checks on the path to the login page that could not check, and why"
    )
    left_out: list[str] = Field(default=[], description="checks on that path the user left out")
    interrupted: bool = Field(default=False, description="the run was stopped (SIGINT, SIGTERM) before its end")
    status_reason: str | None = Field(default=None, description="why the status is unknown, in one line")
    comparison: Comparison | None = Field(default=None, description="this run against a reference report")
    run_id: str = Field(default="", description="names this run in the bundle and the support ticket")
    time_zone: str = Field(default="", description="the workstation's time zone (IANA name when known)")
    started_at_local: str = Field(default="", description="started_at in the workstation's zone, RFC 3339",
                                  json_schema_extra={"format": "date-time"})
    finished_at_local: str = Field(default="", description="finished_at in the workstation's zone, RFC 3339",
                                   json_schema_extra={"format": "date-time"})
    bundle: Bundle | None = None

    @model_validator(mode="after")
    def _local_times(self) -> "Report":
        """The local times beside the UTC ones, filled in once, where the report is made."""
        if not self.time_zone:
            self.time_zone = timefmt.zone_name()
        if not self.started_at_local:
            self.started_at_local = timefmt.iso_local(self.started_at)
        if not self.finished_at_local:
            self.finished_at_local = timefmt.iso_local(self.finished_at)
        return self
