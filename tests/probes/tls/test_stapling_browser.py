"""Chromium under --ca-bundle agrees with the tls probe: a stapled "revoked" is refused, a long life is not.

The browser is launched as a run launches it with --ca-bundle (its trust from a
throwaway NSS database built from the bundle); no OCSP responder is reachable, so the
staple is the only word on revocation either of them gets. A bundle root is a locally
installed one, so Chromium's lifetime limit does not apply under it, nor does the probe's.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import pytest_asyncio
from cryptography.x509 import ocsp

from probes.web.session import BrowserSession, get_browser
from tests.probes.browser_support import context, needs_chromium
from tests.probes.tls.pki import Issued, leaf, ocsp_response
from tests.probes.tls.runs import HOST, tls_then_browser
from tests.probes.tls.stapling_server import StaplingServer

pytestmark = [needs_chromium, pytest.mark.asyncio(loop_scope="module")]
NOWHERE = "http://127.0.0.1:9/ocsp"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def run_browser(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[BrowserSession]:
    ctx = context("https://localhost/", tmp_path_factory.mktemp("run"), ca_bundle=bundle)
    async with ctx.resources:
        yield await get_browser(ctx)


@pytest.mark.parametrize(("status", "net_error", "causes"), [
    (ocsp.OCSPCertStatus.REVOKED, "net::ERR_CERT_REVOKED", ["tls.cert_revoked"]),
    (ocsp.OCSPCertStatus.GOOD, None, []),
], ids=["revoked", "good"])
async def test_chromium_honours_the_staple_as_the_tls_probe_does(
    run_browser: BrowserSession, issuing: Issued, bundle: Path, servers: list[StaplingServer], tmp_path: Path,
    status: ocsp.OCSPCertStatus, net_error: str | None, causes: list[str],
) -> None:
    cert = leaf(issuing, ocsp=NOWHERE)
    server = StaplingServer([cert, issuing], ocsp_response(cert, issuing, status)).start()
    servers.append(server)
    tls, browser = await tls_then_browser(server.url("/login", host=HOST), bundle, run_browser, tmp_path)
    assert [f.id for f in tls.findings] == causes, tls.summary
    assert tls.evidence.revocation_source == "stapled_ocsp"
    assert server.asked >= 2  # the tls probe's staple handshake, and the browser's own
    assert browser.evidence.navigation_error == net_error, browser.summary
    assert [f.id for f in browser.findings] == causes


async def test_a_long_lived_leaf_under_a_bundle_root_loads_in_chromium(
    run_browser: BrowserSession, issuing: Issued, bundle: Path, servers: list[StaplingServer], tmp_path: Path,
) -> None:
    server = StaplingServer([leaf(issuing, lifetime=timedelta(days=800)), issuing]).start()
    servers.append(server)
    tls, browser = await tls_then_browser(server.url("/login", host=HOST), bundle, run_browser, tmp_path)
    assert tls.findings == [] and tls.evidence.trust_anchor_store == "ca_bundle", tls.summary
    assert browser.status == "pass" and browser.evidence.navigation_error is None, browser.summary
