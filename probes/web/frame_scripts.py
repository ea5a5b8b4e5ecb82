"""Scripts run inside a page's frames: how one is run, and the visible login field every reader agrees on.

The page reader (is there a login form, is it usable) and the form-target reader (where
does it send what is typed) must find the same field, so both build on `LOGIN_FIELDS_JS`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from playwright.async_api import Frame

EVAL_TIMEOUT = 2.0  # seconds for one script in one frame

# Defines `shown`, `inputs` (the visible ones), `named`, and the visible `password` and
# user-name `identifier` fields (undefined when there is none); a script's body goes after it.
LOGIN_FIELDS_JS = """
  const shown = (el) => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && style.display !== 'none';
  };
  const inputs = [...document.querySelectorAll('input')].filter(shown);
  const named = (i) => /user|login|email|account|member|ident/i.test(`${i.name} ${i.id} ${i.autocomplete}`);
  const password = inputs.find((i) => i.type === 'password');
  const identifier = inputs.find((i) => i.type === 'email' || (i.type === 'text' && named(i)));
"""


async def evaluate(frame: Frame, script: str) -> Any:
    """The script's result in `frame`, or None: a detached, crashed or error-page frame has nothing to show."""
    try:
        return await asyncio.wait_for(frame.evaluate(script), EVAL_TIMEOUT)
    except Exception:  # noqa: BLE001 - nothing to read there is an answer, not a failure
        return None
