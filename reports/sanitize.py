"""Text that came from the network, made safe to print: no ANSI escapes, no control characters.

Page text, status-page component names and certificate subjects are chosen by whoever
runs the server; printed raw, an escape sequence could rewrite the terminal's screen.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """`text` without escape sequences and control characters (line breaks become spaces)."""
    return _CONTROL.sub("", _ANSI.sub("", text).replace("\n", " ").replace("\t", " "))
