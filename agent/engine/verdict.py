"""The run's status, from what was actually checked: the one place where OK is earned.

OK (exit 0) means every check on the path to a usable login page that the user did not
leave out ran to its end and passed. The path is `dns`, `network`, `tls` (for https),
`http` and `browser`. A check on that path that ended `error` or `timeout`, or that was
skipped for any reason but the user's choice, could not vouch for the login page: the
run is then at least UNKNOWN, and says which check and why. A critical cause outranks
that (when the name does not resolve, the checks after it are expected not to run);
an interrupted run is never OK.

    critical cause found                  -> critical
    else a path check could not check     -> unknown
    else the run was interrupted          -> unknown
    else a warning cause                  -> warning
    else                                  -> ok
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from pydantic import BaseModel, Field

from probes.base import ProbeResult
from probes.evidence import LEFT_OUT, NOT_APPLICABLE
from probes.names import PATH_CHECKS
from reports.models import Cause, ReportStatus, UncheckedCheck


class Verdict(BaseModel):
    status: ReportStatus
    unchecked: list[UncheckedCheck] = []
    left_out: list[str] = Field(default=[], description="path checks the user left out")


def path_selected(selected: list[str] | set[str]) -> list[str]:
    """The path checks among `selected`; none at all means the run could never earn a verdict."""
    return [name for name in PATH_CHECKS if name in selected]


def decide(results: list[ProbeResult], causes: list[Cause], *, interrupted: bool = False) -> Verdict:
    """The status the run earned, with the path checks that could not check and those left out."""
    left_out = [r.name for r in results if r.name in PATH_CHECKS and r.reason == LEFT_OUT]
    blocking = any(c.severity == "critical" for c in causes)
    found_by = {c.probe for c in causes}
    unchecked = [
        UncheckedCheck(probe=r.name, status=r.status, reason=r.reason or r.summary or r.status)
        for r in results
        if r.name in PATH_CHECKS and r.name not in left_out and not _vouches(r, blocking, found_by)
    ]
    if blocking:
        status: ReportStatus = "critical"
    elif unchecked or interrupted:
        status = "unknown"
    elif causes:
        status = "warning"
    else:
        status = "ok"
    return Verdict(status=status, unchecked=unchecked, left_out=left_out)


def _vouches(result: ProbeResult, blocking: bool, found_by: set[str]) -> bool:
    """The check ran to its end (pass, warn, or fail with the cause it found), or had nothing to look at.

    A failure vouches when a cause stands for it: one of its own (however the ranking weighed it, e.g. an
    interception a successful sign-in showed not to block), or a blocking one that explains why it failed.
    """
    if result.status in ("pass", "warn") or (result.status == "fail" and (blocking or result.name in found_by)):
        return True
    return result.status == "skip" and result.reason == NOT_APPLICABLE


def one_line(verdict: Verdict, interrupted: bool) -> str:
    """Why the status is unknown, in one line for stderr."""
    if verdict.unchecked:
        parts = [f"{u.probe} ({u.status}: {u.reason})" for u in verdict.unchecked]
        return "could not check " + "; ".join(parts)
    if interrupted:
        return "the run was interrupted before every check finished"
    return "no check could run"
