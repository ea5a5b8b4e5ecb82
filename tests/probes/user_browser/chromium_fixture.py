"""Real Chromium profiles for the user_browser tests, and a loopback portal to prove settings on.

The profile is made by the real Chromium (so Local State and Preferences are its own
files), edited the way Chromium stores site settings, and then loaded again by the same
Chromium against `Portal` to show the edit took effect.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from playwright.async_api import BrowserContext, async_playwright

CHROMIUM = "/usr/bin/chromium"

PAGE = b"""<!doctype html><html><head><title>login</title></head><body>
<p id="js">off</p><p id="cookie"></p><p id="popup"></p><p id="login">login.js did not run</p>
<script>
document.getElementById('js').textContent = 'on';
document.cookie = 'sid=1; path=/';
document.getElementById('cookie').textContent = document.cookie || 'none';
document.getElementById('popup').textContent = window.open('/popup') === null ? 'blocked' : 'opened';
</script>
<script src="/login.js"></script>
</body></html>"""
LOGIN_JS = b"document.getElementById('login').textContent = 'login.js ran';"


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body, kind = (LOGIN_JS, "text/javascript") if self.path == "/login.js" else (PAGE, "text/html")
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def portal() -> Iterator[str]:
    """A loopback HTTP portal; yields its login URL."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/login"
    finally:
        server.shutdown()
        server.server_close()


async def _launch(playwright: Any, user_data: Path, extension: Path | None) -> BrowserContext:
    args = ["--no-sandbox", "--headless=new"]
    if extension is not None:
        args += [f"--disable-extensions-except={extension}", f"--load-extension={extension}",
                 "--disable-features=DisableLoadExtensionCommandLineSwitch"]
    context: BrowserContext = await playwright.chromium.launch_persistent_context(
        str(user_data), executable_path=CHROMIUM, headless=True, args=args,
        # Playwright turns the pop-up blocker off by default; the user's browser has it on
        ignore_default_args=["--disable-popup-blocking"],
    )
    return context


async def visit(user_data: Path, url: str, extension: Path | None = None) -> dict[str, str]:
    """What the login page saw in this profile: js on/off, its cookie, the pop-up, whether login.js ran."""
    async with async_playwright() as playwright:
        context = await _launch(playwright, user_data, extension)
        try:
            page = context.pages[0] if context.pages else await context.new_page()
            await page.goto(url)
            await page.wait_for_timeout(500)
            return {k: (await page.text_content(f"#{k}")) or "" for k in ("js", "cookie", "popup", "login")}
        finally:
            await context.close()


async def make_profile(user_data: Path) -> None:
    """A profile Chromium created and wrote out itself."""
    async with async_playwright() as playwright:
        context = await _launch(playwright, user_data, None)
        await context.close()


def edit_preferences(user_data: Path, change: dict[str, Any], profile: str = "Default") -> None:
    """Merge `change` into the profile's Preferences, as Chromium stores the same settings."""
    path = user_data / profile / "Preferences"
    prefs = json.loads(path.read_text())

    def merge(into: dict[str, Any], update: dict[str, Any]) -> None:
        for key, value in update.items():
            if isinstance(value, dict) and isinstance(into.get(key), dict):
                merge(into[key], value)
            else:
                into[key] = value

    merge(prefs, change)
    path.write_text(json.dumps(prefs))


def extension_id(folder: Path) -> str:
    """Chromium's id of an unpacked extension: SHA-256 of its path, first 32 hex digits mapped to a-p."""
    digest = hashlib.sha256(str(folder).encode()).hexdigest()[:32]
    return "".join(chr(ord("a") + int(c, 16)) for c in digest)


def blocking_extension(folder: Path) -> Path:
    """A minimal MV3 extension whose declarativeNetRequest rule blocks `login.js`."""
    folder.mkdir(parents=True)
    manifest = {
        "manifest_version": 3, "name": "Test Script Blocker", "version": "1.2.3",
        "permissions": ["declarativeNetRequest"],
        "declarative_net_request": {"rule_resources": [{"id": "rules", "enabled": True, "path": "rules.json"}]},
    }
    rules = [{"id": 1, "priority": 1, "action": {"type": "block"},
              "condition": {"urlFilter": "login.js", "resourceTypes": ["script"]}}]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "rules.json").write_text(json.dumps(rules))
    return folder
