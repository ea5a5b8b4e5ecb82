"""Where the login form sends what is typed into it, and whether Chromium lets it go.

Chromium stops a form on an https:// page that submits to plain http:// (its "insecure
form" warning, on by default): the top frame shows "The information you're about to
submit is not secure" on a `chrome-error://` page and nothing is sent until the user
clicks "Send anyway". Seen in Debian's Chromium 156 against loopback servers (the http
server received no POST); a target on loopback (127.0.0.0/8, ::1, localhost) is exempt,
as browsers count it a secure context. Without submitting, the block is predicted from
the form's target; the login probe, which submits, observes it.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

from ipaddress import ip_address
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from pydantic import BaseModel, Field

from probes.evidence import Finding
from probes.web.frame_scripts import LOGIN_FIELDS_JS, evaluate
from probes.web.watch import bare_url

if TYPE_CHECKING:
    from playwright.async_api import Page

ERROR_PAGE = "chrome-error://"
WARNING_RULE = ("Chromium shows \u201cThe information you\u2019re about to submit is not secure\u201d instead of "
                "sending a form from an https:// page to http://")

# The visible login field's form (password first, else a user-name field), and where its
# submit button sends it: the button's own formaction/formmethod win over the form's.
_TARGET_JS = "() => {" + LOGIN_FIELDS_JS + """  const field = password || identifier;
  if (!field || !field.form) return null;
  const form = field.form;
  const button = [...form.querySelectorAll('button, input[type=submit], input[type=image]')]
    .find((b) => (b.getAttribute('type') || 'submit').toLowerCase() === 'submit' || b.type === 'image');
  const action = button && button.hasAttribute('formaction') ? button.formAction : form.action;
  const method = button && button.hasAttribute('formmethod') ? button.formMethod : form.method;
  return {page: document.URL, action, method: (method || 'get').toUpperCase(), field: field.type};
}"""

# What the top frame shows after the submit: Chromium's own page, read as the user reads it.
_SHOWN_JS = """() => [document.title, ...(document.body ? document.body.innerText.split('\\n') : [])]
  .map((line) => line.trim()).filter((line) => line).slice(0, 3).join(' | ')"""


class FormTarget(BaseModel):
    """The login form's page and target, and what Chromium does (or is expected to do) when it is sent."""

    page: str = Field(description="the URL of the frame holding the form, without its query")
    action: str = Field(description="where the form sends its fields (the submit button's formaction wins), "
                        "without its query")
    method: str = "GET"
    chromium_blocks: bool = Field(description="https page, plain-http target off loopback: Chromium stops the submit")
    observed: bool | None = Field(default=None, description="None: predicted from the target, not submitted; "
                                  "True/False: submitted, and Chromium did / did not stop it")
    shown: str | None = Field(default=None, description="the title and first lines of the page Chromium showed "
                              "instead of sending the form")


def is_loopback(host: str) -> bool:
    host = host.lower().strip("[]")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ip_address(host).is_loopback
    except ValueError:
        return False


def plain_http(url: str) -> bool:
    """An http:// URL off loopback: what it carries travels unencrypted."""
    parts = urlsplit(url)
    return parts.scheme == "http" and not is_loopback(parts.hostname or "")


def chromium_blocks(page: str, action: str) -> bool:
    """Chromium's rule for its insecure-form warning: a form on an https:// page sent to plain http://."""
    return urlsplit(page).scheme == "https" and plain_http(action)


async def read_form_target(page: "Page") -> FormTarget | None:
    """The login form's target, from the first frame (top first) that holds a login form."""
    for frame in page.frames:
        found = await evaluate(frame, _TARGET_JS)
        if isinstance(found, dict) and found.get("action"):
            page_url, action = bare_url(str(found["page"])), bare_url(str(found["action"]))
            return FormTarget(page=page_url, action=action, method=str(found.get("method") or "GET"),
                              chromium_blocks=chromium_blocks(page_url, action))
    return None


async def observe_submit(page: "Page", target: FormTarget) -> None:
    """After the form was sent: did Chromium stop it? Sets `observed` and `shown` on a target it blocks.

    Stopped means the top frame ended on Chromium's own error page rather than at the target.
    """
    if not target.chromium_blocks:
        return
    target.observed = page.url.startswith(ERROR_PAGE)
    if target.observed:
        shown = await evaluate(page.main_frame, _SHOWN_JS)
        target.shown = str(shown)[:300] if shown else None


def blocked_finding(target: FormTarget, source: str) -> Finding:
    """`portal.insecure_login`, critical: the browser stops the sign-in, seen (`observed`) or predicted."""
    seen = target.observed is True
    how = (f"submitted: Chromium stopped it and showed \u201c{target.shown}\u201d" if seen and target.shown
           else "submitted: Chromium stopped it on its own error page" if seen
           else f"predicted from the form's target, not submitted: {WARNING_RULE}")
    return Finding(
        id="portal.insecure_login", severity="critical",
        summary=f"the browser stops the sign-in: the login form on {target.page} sends to plain {target.action}",
        evidence=[f"the login form on {target.page} sends {target.method} to {target.action}", how],
        data={"source": source, "url": target.page, "form_action": target.action,
              "browser_blocked": "observed" if seen else "predicted", "shown": target.shown},
    )
