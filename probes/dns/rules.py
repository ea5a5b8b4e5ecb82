"""Turning what resolvers said into contract findings: which failure, and who disagrees.

Kept apart from the probe so the rules read in one place: a failure is named by the
most telling answer any source gave (a definite NXDOMAIN says more than a silence),
and a disagreement is two sources that both gave addresses with none in common.
"""

from __future__ import annotations

import socket

from probes.evidence import Finding
from probes.net.resolvers import Outcome, ServerAnswer
from probes.text.durations import seconds

# The failure that names the finding when sources fail differently, most telling first.
_PRIORITY: tuple[Outcome, ...] = ("nxdomain", "no_answer", "servfail", "refused", "timeout", "error")

_CAUSE: dict[Outcome, str] = {
    "nxdomain": "dns.nxdomain",
    "no_answer": "dns.no_answer",
    "servfail": "dns.servfail",
    "refused": "dns.servfail",
    "timeout": "dns.timeout",
    "error": "dns.servfail",
}

# getaddrinfo's error codes; EAI_NODATA exists only where the platform defines it.
_GAI_OUTCOME: dict[int, Outcome] = {socket.EAI_NONAME: "nxdomain", socket.EAI_AGAIN: "timeout"}
if hasattr(socket, "EAI_NODATA"):
    _GAI_OUTCOME[socket.EAI_NODATA] = "no_answer"


def failure_from_servers(host: str, answers: list[ServerAnswer], lifetime: float) -> Finding | None:
    """The critical finding for resolvers none of which gave an address; None if none failed telling."""
    failed = [a for a in answers if a.outcome in _PRIORITY]
    if not failed:
        return None
    worst = min(failed, key=lambda a: _PRIORITY.index(a.outcome))
    finding = failure(host, worst.server, worst.outcome, lifetime)
    finding.evidence = [f"{a.server}: {_outcome_text(a)} ({a.ms} ms)" for a in answers]
    return finding


def failure_from_gaierror(host: str, exc: BaseException | None, lifetime: float) -> Finding:
    """The finding when only the system's own lookup is there to go by."""
    if exc is None:
        outcome: Outcome = "timeout"
    else:
        code = getattr(exc, "errno", None)
        outcome = _GAI_OUTCOME.get(code, "servfail") if isinstance(code, int) else "servfail"
    finding = failure(host, "system", outcome, lifetime)
    finding.evidence = [f"system lookup: {exc}" if exc else f"system lookup: no answer within {seconds(lifetime)} s"]
    return finding


def failure(host: str, server: str, outcome: Outcome, lifetime: float) -> Finding:
    who = "the system resolver" if server == "system" else f"resolver {server}"
    summary = {
        "nxdomain": f"{who} says {host} does not exist (NXDOMAIN)",
        "no_answer": f"{host} exists but {who} has no address (A/AAAA) record for it",
        "servfail": f"{who} failed to resolve {host} (SERVFAIL)",
        "refused": f"{who} refused to resolve {host} (REFUSED)",
        "timeout": f"{who} did not answer for {host} within {seconds(lifetime)} s",
        "error": f"{who} could not resolve {host}",
    }[outcome]
    return Finding(
        id=_CAUSE[outcome],
        severity="critical",
        summary=summary,
        data={"host": host, "server": server, "outcome": outcome},
    )


def mismatch(
    host: str, reference: str, reference_addresses: list[str], others: dict[str, list[str]]
) -> Finding | None:
    """A dns.mismatch warning when some source's addresses share none with the reference's."""
    ref = set(reference_addresses)
    disjoint = {name: addrs for name, addrs in others.items() if addrs and ref and not ref & set(addrs)}
    if not disjoint:
        return None
    first, first_addrs = next(iter(disjoint.items()))
    return Finding(
        id="dns.mismatch",
        severity="warning",
        summary=f"{reference} gives {_short(reference_addresses)} for {host}, "
        f"but {first} gives {_short(first_addrs)}",
        evidence=[f"{reference}: {', '.join(reference_addresses)}"]
        + [f"{name}: {', '.join(addrs)}" for name, addrs in disjoint.items()],
        data={
            "host": host,
            "server": first,
            "reference": reference,
            "reference_addresses": reference_addresses,
            "disagreeing": disjoint,
        },
    )


def denial(host: str, answers: list[ServerAnswer]) -> Finding | None:
    """A dns.mismatch warning when one named resolver denies the name another resolves."""
    resolved = [a for a in answers if a.addresses]
    denied = [a for a in answers if a.outcome in ("nxdomain", "no_answer")]
    if not resolved or not denied:
        return None
    good, bad = resolved[0], denied[0]
    return Finding(
        id="dns.mismatch",
        severity="warning",
        summary=f"{good.server} gives {_short(good.addresses)} for {host}, "
        f"but {bad.server} says {_outcome_text(bad)}",
        evidence=[f"{a.server}: {_outcome_text(a)}" for a in answers],
        data={"host": host, "server": bad.server, "reference": good.server, "outcome": bad.outcome},
    )


def _outcome_text(answer: ServerAnswer) -> str:
    if answer.addresses:
        return ", ".join(answer.addresses)
    errors = [q.error for q in answer.queries if q.error and q.outcome == answer.outcome]
    if errors:
        return errors[0]
    plain = {"nxdomain": "NXDOMAIN", "no_answer": "no address record"}
    return plain.get(answer.outcome, answer.outcome.upper())


def _short(addresses: list[str]) -> str:
    shown = ", ".join(addresses[:3])
    return shown + (f" (+{len(addresses) - 3} more)" if len(addresses) > 3 else "")
