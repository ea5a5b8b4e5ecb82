"""The probe against a profile the real Firefox (firefox-esr) made, settings proven in that Firefox.

Firefox is run with `--screenshot` on a loopback page whose script and image call back
to the server, so the server sees whether JavaScript ran and whether the cookie came back.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from probes.base import ProbeContext, ProbeResult, RunConfig
from probes.net.proxy_settings import ProxySettings
from probes.target import Target
from probes.user_browser.evidence import UserBrowserEvidence
from probes.user_browser.extensions import Catalog
from probes.user_browser.probe import UserBrowserProbe
from probes.user_browser.workstation import Workstation

FIREFOX = shutil.which("firefox-esr") or shutil.which("firefox")
pytestmark = pytest.mark.skipif(FIREFOX is None, reason="needs firefox-esr")
PAGE = b"""<!doctype html><html><body><img src="/pixel">
<script>fetch('/js-ran')</script></body></html>"""


@pytest.fixture
def server() -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """A loopback portal; yields its URL and the (path, Cookie header) of every request."""
    seen: list[tuple[str, str]] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append((self.path, self.headers.get("Cookie", "")))
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Set-Cookie", "sid=1; Path=/")
            self.end_headers()
            self.wfile.write(PAGE if self.path == "/login" else b"")

        def log_message(self, *args: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/login", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def _firefox(home: Path, *args: str) -> None:
    env = {"HOME": str(home), "PATH": os.environ.get("PATH", ""), "MOZ_HEADLESS": "1"}
    subprocess.run([str(FIREFOX), "--headless", *args], env=env, cwd=home, timeout=90,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)


def _made_profile(home: Path, url: str) -> Path:
    _firefox(home, "-CreateProfile", "Work")
    _firefox(home, "-P", "Work", "--screenshot", str(home / "shot.png"), url)
    (folder,) = home.glob(".config/mozilla/firefox/*.Work")
    return folder


async def _probe(home: Path, url: str) -> ProbeResult:
    view = Workstation(platform="linux", home=home, environ={}, root=home / "root")
    return await UserBrowserProbe(view, Catalog.load()).run(
        ProbeContext(Target.parse(url), RunConfig(), proxy=ProxySettings()))


async def test_firefox_profile_settings_proven_then_reported(
    tmp_path: Path, server: tuple[str, list[tuple[str, str]]]
) -> None:
    url, seen = server
    folder = _made_profile(tmp_path, url)
    assert ("/js-ran", "sid=1") in seen  # the fresh profile runs scripts and sends the cookie back
    clean = await _probe(tmp_path, url)
    assert clean.status == "pass", clean.summary
    assert isinstance(clean.evidence, UserBrowserEvidence)
    (browser,) = clean.evidence.browsers
    assert browser.key == "firefox" and browser.version and browser.version_source
    assert browser.profiles[0].display_name == "Work"

    origin = url.rsplit("/", 1)[0]
    with (folder / "prefs.js").open("a") as prefs:
        prefs.write('user_pref("javascript.enabled", false);\n')
    with sqlite3.connect(folder / "permissions.sqlite") as db:  # the user's own "Block" cookie exception
        db.execute("INSERT INTO moz_perms (origin, type, permission, expireType, expireTime, modificationTime)"
                   " VALUES (?, 'cookie', 2, 0, 0, 0)", (origin,))
    db.close()
    addons = json.loads((folder / "extensions.json").read_text())
    addons["addons"].append({"id": "uBlock0@raymondhill.net", "type": "extension", "active": True,
                             "location": "app-profile", "version": "1.60.0",
                             "defaultLocale": {"name": "uBlock Origin"}, "userPermissions": {}})
    (folder / "extensions.json").write_text(json.dumps(addons))
    for cookie_db in folder.glob("cookies.sqlite*"):
        cookie_db.unlink()  # forget the cookie the first visit stored

    seen.clear()
    _firefox(tmp_path, "-P", "Work", "--screenshot", str(tmp_path / "shot2.png"), url)
    assert "/js-ran" not in [p for p, _ in seen]  # JavaScript off
    assert ("/pixel", "") in seen  # the cookie was refused, so the image came without it

    result = await _probe(tmp_path, url)
    assert result.status == "fail"
    found = {f.id: f for f in result.findings}
    assert set(found) == {"browser.javascript_disabled", "browser.cookies_blocked", "browser.extension_interference"}
    assert "about:config" in found["browser.javascript_disabled"].remediation[0]
    assert origin in found["browser.cookies_blocked"].summary or origin in found["browser.cookies_blocked"].evidence[0]
    assert "uBlock Origin" in found["browser.extension_interference"].summary
