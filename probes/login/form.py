"""Finding and filling a login form the way a user would, in whichever frame holds it.

The profile's selectors win where given; otherwise the form is the first visible
password field, the user-name field is the nearest text or e-mail input before it,
and the submit button is the form's own. A page that asks for the user name first
(identifier-first sign-in) has no password field yet: the user-name field is then
the e-mail input or the input named like one. Fields found are tagged with a data
attribute, so the browser's own locators act on exactly those elements.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from probes.profile import Profile

if TYPE_CHECKING:
    from playwright.async_api import Frame, Locator, Page

ATTRIBUTE = "data-diagnose-field"

_MARK_JS = """(given) => {
  const shown = (el) => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
  };
  const pick = (selector) => {
    try { const el = document.querySelector(selector); return el && shown(el) ? el : null; }
    catch (e) { return null; }
  };
  const inputs = [...document.querySelectorAll('input')].filter(shown);
  const texty = (i) => ['text', 'email', 'tel'].includes(i.type);
  const named = (i) => i.type === 'email' || /user|login|email|account|member|ident/i.test(
    `${i.name} ${i.id} ${i.autocomplete}`);
  const password = given.password ? pick(given.password) : (inputs.find((i) => i.type === 'password') || null);
  let username = given.username ? pick(given.username) : null;
  if (!given.username) {
    if (password) {
      const before = inputs.slice(0, Math.max(0, inputs.indexOf(password))).reverse();
      username = before.find(texty) || null;
    } else {
      username = inputs.find((i) => texty(i) && named(i)) || null;
    }
  }
  const anchor = password || username;
  let submit = given.submit ? pick(given.submit) : null;
  if (!given.submit && anchor) {
    const scope = anchor.form || document;
    const buttons = [...scope.querySelectorAll('button, input[type=submit], input[type=image]')].filter(shown);
    submit = buttons.find((b) => (b.getAttribute('type') || 'submit').toLowerCase() !== 'button'
                                 && b.type !== 'reset') || null;
  }
  for (const el of document.querySelectorAll('[ATTR]')) el.removeAttribute('ATTR');
  const marks = {password, username, submit};
  for (const [role, el] of Object.entries(marks)) if (el) el.setAttribute('ATTR', role);
  return {password: !!password, username: !!username, submit: !!submit};
}""".replace("ATTR", ATTRIBUTE)


@dataclass
class FormFields:
    """The fields of one frame's login form; None where the form has no such field."""

    frame: Frame
    username: Locator | None
    password: Locator | None
    submit: Locator | None
    how: dict[str, str]


def _selectors(profile: Profile | None) -> dict[str, str | None]:
    if profile is None:
        return {"username": None, "password": None, "submit": None}
    chosen = profile.login_selectors
    return {"username": chosen.username, "password": chosen.password, "submit": chosen.submit}


async def find_fields(page: Page, profile: Profile | None = None) -> FormFields | None:
    """The login form's fields: a frame with a password field first, else one asking for the user name."""
    given = _selectors(profile)
    found: list[tuple[Frame, dict[str, Any]]] = []
    for frame in page.frames:
        try:
            marks = await frame.evaluate(_MARK_JS, given)
        except Exception:  # noqa: BLE001 - a detached or error-page frame holds no form
            continue
        if isinstance(marks, dict) and (marks.get("password") or marks.get("username")):
            found.append((frame, marks))
    if not found:
        return None
    frame, marks = next((item for item in found if item[1].get("password")), found[0])

    def locate(role: str) -> Locator | None:
        return frame.locator(f"[{ATTRIBUTE}={role}]") if marks.get(role) else None

    how = {
        role: (f"profile selector {given[role]}" if given[role] else "found on the page") if marks.get(role)
        else "not found"
        for role in ("username", "password", "submit")
    }
    return FormFields(frame, locate("username"), locate("password"), locate("submit"), how)


async def fill_and_submit(fields: FormFields, username: str | None, password: str | None) -> str:
    """Fill what the form has, then submit it: its button, else Enter. Returns how it was submitted."""
    if fields.username is not None and username is not None:
        await fields.username.fill(username)
    if fields.password is not None and password is not None:
        await fields.password.fill(password)
    if fields.submit is not None:
        await fields.submit.click()
        return "clicked the submit button"
    target = fields.password or fields.username
    assert target is not None  # find_fields returns a form with at least one of the two
    await target.press("Enter")
    return "pressed Enter in the form"
