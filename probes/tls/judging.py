"""The chain a server sent, judged once with the browser's rules, into evidence the rules read.

Path and name come from cryptography's verifier (`verifier.py`). When no path reaches
a trust anchor, the leaf's AIA caIssuers are fetched through the workstation's proxy and
pinning, as Chrome and Edge on Windows do: an issuer that completes the path means the
server left its intermediate out. A trusted leaf's revocation is then read from the OCSP
answer the server staples, else asked of OCSP or its CRL. Fetch failures are recorded as
what was tried, never as findings.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import NameOID

from probes.tls import aia, revocation
from probes.tls.chain import read_certificate
from probes.tls.lifetime import anchor_store
from probes.tls.revocation import Stapler
from probes.tls.verifier import PathVerdict, moment_for, names_host, trust, verify_path

if TYPE_CHECKING:
    from probes.base import ProbeContext
    from probes.tls.evidence import TlsEvidence


async def judge_chain(ev: TlsEvidence, ders: list[bytes], ctx: ProbeContext, wait: float,
                      public_roots: Path, stapler: Stapler | None = None) -> None:
    """Fill `ev`'s trust, name, AIA and revocation facts for the chain `ders` (leaf first).

    `stapler` asks the server for a stapled OCSP answer; it runs only when revocation is
    checked (a trusted path with an issuer). `public_roots` is the public root list the
    trusted root is looked up in (browsers hold only chains under those to their lifetime limits).
    """
    sent = [x509.load_der_x509_certificate(der) for der in ders]
    leaf = sent[0]
    anchors, refused = trust(ctx.config.ca_bundle)
    at = moment_for(sent, ctx.now())
    verdict = verify_path(leaf, sent[1:], anchors, at, refused)
    if not verdict.trusted and ev.certificates[0].ca_issuers:
        fetched, ev.aia_tried = await aia.issuers(ctx, ev.certificates[0].ca_issuers, max(wait / 3, 0.5))
        if fetched:
            completed = verify_path(leaf, sent[1:] + fetched, anchors, moment_for(sent + fetched, ctx.now()), refused)
            ev.aia_completed = completed.trusted
            if completed.trusted:  # the server's chain is still incomplete; record the path it should send
                verdict = PathVerdict(False, verdict.message, completed.path)
        else:
            ev.aia_completed = False
    _record_path(ev, verdict)
    if verdict.anchor is not None:
        ev.trust_anchor_store = anchor_store(verdict.anchor, public_roots, ctx.config.ca_bundle)
    if not verdict.trusted and not ev.certificates[0].ca_issuers:
        ev.issuer_family_trusted = _family_trusted(sent[-1], anchors)
    ev.hostname_matches, ev.name_message = names_host(leaf, ev.host)
    ev.verified = verdict.trusted and ev.hostname_matches
    if verdict.trusted and len(verdict.path) > 1 and ev.aia_completed is None:
        found = await revocation.check(ctx, leaf, verdict.path[1], max(wait / 3, 0.5), stapler)
        ev.revocation, ev.revocation_source, ev.revocation_tried = found.status, found.source, found.tried
        ev.ocsp_stapled = found.stapled
        ev.revoked_at, ev.revocation_reason = found.revoked_at, found.reason


def _record_path(ev: TlsEvidence, verdict: PathVerdict) -> None:
    ev.trusted = ev.verified = verdict.trusted
    ev.verify_message = ev.trust_message = verdict.message
    ev.trust_path = [cert.subject.rfc4514_string() for cert in verdict.path]
    if verdict.anchor is not None:
        ev.trust_anchor = read_certificate(verdict.anchor.public_bytes(Encoding.DER))
    if not verdict.trusted and ev.certificates[-1].self_signed:
        ev.verify_message = ev.trust_message = "self-signed certificate"


def _family_trusted(top: x509.Certificate, anchors: tuple[x509.Certificate, ...]) -> bool:
    """Whether a trusted root belongs to the organization that named `top`'s issuer.

    CAs name their issuing intermediates after their organization ("DigiCert Inc", or
    "Example Root CA - Issuing CA 1" under "Example Root CA"): an issuer that matches a
    trusted root's organization is its left-out intermediate, one that matches none is an
    unknown CA.
    """
    if top.subject == top.issuer:
        return False
    issuer_names = [str(a.value) for a in top.issuer if a.oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME)]
    for anchor in anchors:
        if anchor.subject == top.issuer:
            continue
        for attribute in anchor.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME):
            organization = str(attribute.value).strip()
            if organization and any(name.startswith(organization) for name in issuer_names):
                return True
    return False
