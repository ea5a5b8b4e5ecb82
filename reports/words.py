"""The words every renderer uses for a run's status: one table, so the terminal, HTML and Markdown agree."""

from __future__ import annotations

from typing import Final

STATUS_WORDS: Final[dict[str, str]] = {
    "ok": "OK: nothing found that blocks logging in",
    "warning": "WARNING: something degrades or will soon break logging in",
    "critical": "CRITICAL: something blocks logging in",
    "unknown": "UNKNOWN: the agent could not check enough to say",
}
