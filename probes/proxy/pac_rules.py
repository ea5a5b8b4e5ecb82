"""A PAC file's state as the proxy probe reports it: one line, and the finding for a broken one.

A PAC that cannot be fetched or run leaves the browser going direct, which a network
built around its proxy usually blocks: `proxy.pac_unreachable` / `proxy.pac_invalid`
name that as the cause. WPAD finding nothing is no fault: most networks do not use it.
"""

from __future__ import annotations

from probes.evidence import Finding
from probes.net.pac_report import PacReport


def pac_summary(pac: PacReport | None) -> str:
    """One line: where the PAC came from and what became of it."""
    if pac is None:
        return "PAC configured but not read in this run"
    where = f"PAC {pac.url}" if pac.url else "WPAD"
    if pac.source == "wpad" and pac.url:
        where += " (found by WPAD)"
    if pac.failure == "unreachable" or (not pac.fetched and pac.error):
        return f"{where}: not fetched ({pac.error})"
    if pac.failure == "invalid":
        return f"{where}: {'fetched, ' if pac.fetched else ''}broken ({pac.error})"
    answers = "; ".join(f"{d.url} -> {d.chosen or 'DIRECT'}" for d in pac.decisions[:4])
    return f"{where}: fetched ({pac.bytes} bytes) and evaluated" + (f": {answers}" if answers else "")


def pac_findings(pac: PacReport | None) -> list[Finding]:
    """`proxy.pac_unreachable` or `proxy.pac_invalid` for a PAC file that failed; nothing otherwise."""
    if pac is None or pac.failure is None:
        return []
    data = {"pac_url": pac.url, "source": pac.source, "fetched": pac.fetched, "error": pac.error}
    if pac.failure == "unreachable":
        return [Finding(id="proxy.pac_unreachable", severity="critical",
                        summary=f"The proxy configuration file {pac.url} cannot be fetched: {pac.error}",
                        evidence=[f"GET {pac.url}: {pac.error}", "browsers then go direct"], data=data)]
    return [Finding(id="proxy.pac_invalid", severity="critical",
                    summary=f"The proxy configuration file {pac.url} is broken: {pac.error}",
                    evidence=[f"PAC {pac.url}: {pac.error}", "browsers then go direct"], data=data)]
