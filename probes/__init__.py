"""Probes: each looks at one part of the path to a portal login and records typed evidence."""

import sys

# httpx's package imports its command-line client whenever click is installed (a test tool brings it),
# which loads click, rich and pygments into every run for nothing; the agent never uses that client.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]
