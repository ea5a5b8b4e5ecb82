"""A workstation clock faked with libfaketime: the clock is the root cause, not the certificate.

The agent runs under `faketime` in its own process; the portal and the NTP server run
here, on the real clock. The portal's certificate is valid today, so on a clock
200 days ahead it looks expired: the report must blame the clock and mark the
certificate as its symptom, whether NTP answers or only the portal's Date header does.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from demo.certs import DemoCA
from demo.dns_server import DnsServer
from demo.ntp_server import NtpServer
from demo.web import Page, WebServer

FAKETIME = shutil.which("faketime")
pytestmark = pytest.mark.skipif(FAKETIME is None, reason="libfaketime is not installed (scripts/install-system-deps.sh)")
HOST = "portal.clock.test"
ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("with_ntp", [True, False], ids=["ntp answers", "only the Date header"])
def test_clock_far_ahead_explains_the_expired_certificate(tmp_path: Path, with_ntp: bool) -> None:
    ca = DemoCA()
    bundle = ca.write_bundle(tmp_path / "ca.pem")
    login = Page('<form method="post"><input name="user"><input type="password" name="pw"></form>')
    with (
        DnsServer({HOST: ["127.0.0.1"]}) as dns,
        WebServer({"/login": login}, ssl_context=ca.server_context([HOST])) as web,
        NtpServer() as ntp,
    ):
        time_server = "{}:{}".format(*ntp.address) if with_ntp else "127.0.0.1:9"
        report = tmp_path / "report.json"
        proc = subprocess.run(
            [FAKETIME, "-f", "+200d", sys.executable, "-m", "agent.cli.main", f"https://{HOST}:{web.port}/login",
             "--dns-server", "{}:{}".format(*dns.address), "--ca-bundle", str(bundle),
             "--time-server", time_server, "--skip", "browser,login,sso,status_page", "--captive-check", "off",
             "--json", str(report), "--timeout", "15"],
            capture_output=True, text=True, timeout=60, cwd=ROOT,
        )
    data = json.loads(report.read_text())
    causes = [(c["id"], c["explained_by"]) for c in data["causes"]]
    assert proc.returncode == 2, proc.stderr
    assert causes[0] == ("clock.skew", None), causes
    assert ("tls.cert_expired", "clock.skew") in causes
    clock = next(c for c in data["causes"] if c["id"] == "clock.skew")
    assert "ahead" in clock["summary"]
