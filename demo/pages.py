"""The demo portal's pages: a real login form, its script, the sign-in answers, and the faulty variants.

Each variant is a routes table for `demo.web.WebServer`. The login form is an ordinary
HTML form whose Sign in button a script enables, so a broken or blocked script leaves
it dead as on a real portal. The sign-in answer depends on the account, which is how
the account faults are played: the demo never decides anything else.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from email.utils import formatdate
from html import escape
from urllib.parse import parse_qs

from demo.web import Page, Request

PASSWORD = "demo-password"
# user name -> (password to use, what the portal answers once that password is given)
ACCOUNTS: dict[str, tuple[str, str]] = {
    "demo.user": (PASSWORD, "mfa"),
    "wrong.password": ("not-the-password", "invalid"),
    "locked.user": (PASSWORD, "locked"),
    "expired.user": (PASSWORD, "expired"),
    "rejected.user": (PASSWORD, "rejected"),
    "throttled.user": (PASSWORD, "throttled"),
}
ANSWERS = {
    "invalid": "That user ID and password do not match our records. Please try again.",
    "locked": "Your demo account has been locked after too many failed attempts. Call support to unlock it.",
    "expired": "Your demo password has expired. You must change your password before you can sign in.",
    "rejected": "Login failed.",
    "throttled": "You have made too many recent login attempts. Please wait a few minutes before trying again.",
}
SESSION_COOKIE = "demo_session=7f3c9a; Path=/; Secure; HttpOnly; SameSite=Lax"

_LOGIN_JS = """document.addEventListener("DOMContentLoaded", function () {
  var button = document.getElementById("sign-in");
  button.disabled = false;
  document.getElementById("login-form").addEventListener("submit", function () { button.disabled = true; });
});
"""
_FORM = """<form id="login-form" method="post" action="/login">
  <label for="username">User ID</label> <input id="username" name="username" autocomplete="username" required>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <button id="sign-in" type="submit" disabled>Sign in</button>
</form>"""
# The single-page variant: the form exists only once the application script has drawn it.
_APP_JS = (
    "document.addEventListener(\"DOMContentLoaded\", function () {\n"
    f"  document.getElementById(\"app\").innerHTML = {json.dumps(_FORM)};\n"
    "  document.getElementById(\"sign-in\").disabled = false;\n});\n"
)
_BROKEN_APP_JS = "var settings = portalSettings.load();  // never defined: the script stops here\n" + _APP_JS


def _layout(title: str, body: str) -> str:
    return (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{escape(title)}</title><link rel=\"icon\" href=\"data:,\"></head>"
        f"<body><header><h1>Demo Provider Portal</h1></header><main>{body}</main>"
        "<footer><a href=\"/help\">Help</a></footer></body></html>"
    )


def login_page(message: str = "", banner: str = "") -> str:
    notice = f"<p class=\"banner\" role=\"status\">{escape(banner)}</p>" if banner else ""
    error = f"<p class=\"error\" role=\"alert\">{escape(message)}</p>" if message else ""
    return _layout("Sign in - Demo Provider Portal", f"""{notice}<h2>Sign in</h2>{error}
{_FORM}
<script src="/static/login.js"></script>""")


def app_page() -> str:
    """The login page as a single-page application: no form until /static/app.js runs."""
    return _layout("Sign in - Demo Provider Portal", """<h2>Sign in</h2>
<div id="app"><p>Loading the sign-in form...</p></div>
<script src="/static/app.js"></script>""")


def _sign_in(request: Request) -> Page:
    form = parse_qs(request.body.decode("utf-8", "replace"))
    user = (form.get("username") or [""])[0]
    password = (form.get("password") or [""])[0]
    expected, outcome = ACCOUNTS.get(user, (PASSWORD, "invalid"))
    if password != expected:
        outcome = "invalid"
    if outcome == "mfa":
        body = _layout("Verify - Demo Provider Portal", """<h2>Two-step verification</h2>
<p>Enter the 6-digit code we sent to your phone.</p>
<form method="post" action="/mfa"><label for="code">Code</label>
<input id="code" name="code" inputmode="numeric" autocomplete="one-time-code">
<button type="submit">Verify</button></form>""")
        return Page(body, headers={"Set-Cookie": SESSION_COOKIE})
    return Page(login_page(ANSWERS[outcome]), headers={"Set-Cookie": SESSION_COOKIE})


def _login(banner: str = "") -> Callable[[Request], Page]:
    def answer(request: Request) -> Page:
        if request.method == "POST":
            return _sign_in(request)
        return Page(login_page(banner=banner), headers={"Set-Cookie": SESSION_COOKIE})
    return answer


def portal_routes(
    variant: str, clock_offset: float, window: tuple[datetime, datetime]
) -> dict[str, Callable[[Request], Page]]:
    """The routes for one variant (see demo.faults.Fault.portal), every answer dated `clock_offset` ahead."""
    script = Page(_LOGIN_JS, content_type="text/javascript")
    routes: dict[str, Page | Callable[[Request], Page]] = {
        "/": Page("", status=302, headers={"Location": "/login"}),
        "/login": _login(),
        "/static/login.js": script,
        "/help": Page(_layout("Help", "<p>Call support at +1 555 0100, Monday to Friday, 8 AM - 6 PM ET.</p>")),
    }
    if variant == "maintenance":
        back = time.strftime("%H:%M UTC", time.gmtime(time.time() + 5400))
        page = _layout("Maintenance", "<h2>We are currently down for scheduled maintenance.</h2>"
                       f"<p>We expect to be back by {back}. Thank you for your patience.</p>")
        routes["/login"] = Page(page, status=503, headers={"Retry-After": "5400"})
    elif variant == "announced":
        start, end = window
        when = f"{start:%A}, {start:%b} {start.day}, {start:%I:%M %p} to {end:%I:%M %p} ET".replace(" 0", " ")
        routes["/login"] = _login(banner=f"Scheduled maintenance: {when}. "
                                         "The portal will be unavailable during this time.")
    elif variant == "hung":
        routes["/login"] = Page(hang=True)
    elif variant == "outage":
        routes["/login"] = Page(_layout("Error", "<h2>Internal Server Error</h2><p>Something went wrong.</p>"),
                                status=500)
    elif variant == "loop":
        routes["/login"] = Page("", status=302, headers={"Location": "/sso/start?return=%2Flogin"})
        routes["/sso/start"] = Page("", status=302, headers={"Location": "/login"})
    elif variant == "script_error":
        routes["/login"] = Page(app_page(), headers={"Set-Cookie": SESSION_COOKIE})
        routes["/static/app.js"] = Page(_BROKEN_APP_JS, content_type="text/javascript")
    elif variant == "unsupported":
        routes["/login"] = Page(_layout("Unsupported browser", "<h2>Your browser is not supported.</h2>"
                                "<p>This browser is not supported. Please use Chrome 300 or later, "
                                "or Microsoft Edge 300 or later.</p>"))
    elif variant == "resource_blocked":
        routes["/login"] = Page(app_page(), headers={"Set-Cookie": SESSION_COOKIE})
        routes["/static/app.js"] = Page("Blocked by the site's security policy.", status=403,
                                        content_type="text/plain")
    elif variant != "normal":
        raise ValueError(f"unknown portal variant {variant!r}")
    return {path: _dated(route, clock_offset) for path, route in routes.items()}


def _dated(route: Page | Callable[[Request], Page], offset: float) -> Callable[[Request], Page]:
    """The route, its answers carrying a `Date` `offset` seconds ahead (the last Date header wins)."""
    def answer(request: Request) -> Page:
        page = route(request) if callable(route) else route
        if not offset:
            return page
        date = formatdate(time.time() + offset, usegmt=True)
        return Page(page.body, page.status, {**page.headers, "Date": date}, page.content_type, page.delay, page.hang)
    return answer
