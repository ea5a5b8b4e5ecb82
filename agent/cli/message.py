"""`--message TEXT`: a message the user saw on the portal, classified and ranked with what the run found.

No credentials are needed: the words alone name an `account.*` or `portal.*` cause. It is
the user's report, not the agent's observation, so it ranks below a cause the probes saw
for themselves at the same confidence, and a network root cause still comes first.
"""

from __future__ import annotations

from agent.engine.causes import contact_advice, info
from agent.engine.ranking import fill
from agent.engine.verdict import decide, one_line
from probes.evidence import Severity
from probes.text.account_messages import classify_message
from reports.models import EXIT_CODES, Cause, Report

REPORTED = 0.9  # share of the catalog's confidence for what the user reports having seen


def with_message(report: Report, text: str) -> Report:
    """`report` with the message's cause ranked in (or a note that it was not recognised), status redecided."""
    found = classify_message(text)
    if found is None:
        return report
    cause_id, quote = found
    entry = info(cause_id)
    severity: Severity = "warning" if cause_id == "portal.maintenance_scheduled" else "critical"
    cause = Cause(id=cause_id, title=entry.title, severity=severity, confidence=round(entry.confidence * REPORTED, 3),
                  probe="message", summary=f"the user saw: \u201c{quote}\u201d",
                  evidence=[f"message given with --message: \u201c{text.strip()[:300]}\u201d"],
                  remediation=[fill(step, {}) for step in entry.remediation], owner=entry.owner)
    causes = _ranked([c for c in report.causes if c.id != cause_id], _merged(report, cause))
    verdict = decide(report.probes, causes, interrupted=report.interrupted)
    roots = [c for c in causes if c.explained_by is None]
    support = report.support.model_copy(update={
        "error_text": list(dict.fromkeys([quote, *report.support.error_text])),
        "when_to_contact": contact_advice(roots[0].id), "owner": roots[0].owner})
    return report.model_copy(update={
        "causes": causes, "status": verdict.status, "exit_code": EXIT_CODES[verdict.status], "support": support,
        "unchecked": verdict.unchecked,
        "status_reason": one_line(verdict, report.interrupted) if verdict.status == "unknown" else None})


def _merged(report: Report, cause: Cause) -> Cause:
    """The same cause seen by a probe too: one cause, with the user's words added to its evidence."""
    seen = next((c for c in report.causes if c.id == cause.id), None)
    if seen is None:
        return cause
    return seen.model_copy(update={"evidence": [*seen.evidence, *cause.evidence]})


def _ranked(causes: list[Cause], new: Cause) -> list[Cause]:
    """`causes` in the ranking's order with `new` inserted before the first root it outranks."""
    def outranks(cause: Cause) -> bool:
        if cause.explained_by is not None:
            return True
        if new.severity != cause.severity:
            return new.severity == "critical"
        return new.confidence > cause.confidence

    place = next((i for i, cause in enumerate(causes) if outranks(cause)), len(causes))
    return [*causes[:place], new, *causes[place:]]
