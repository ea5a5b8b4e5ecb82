"""The child process that runs a PAC script: `python -m probes.net.pac_worker`.

Duktape holds the interpreter lock while a script runs, so a script that loops forever
would freeze every thread of the run; in a child process it can be killed instead. The
protocol is one JSON object a line: the first line carries the script, each later line
one URL; each gets one line back, `{"answer": ...}` or `{"error": ...}`.
"""

from __future__ import annotations

import json
import sys
from urllib.parse import urlsplit

from pypac.parser import PACFile


def _reply(payload: dict[str, str]) -> None:
    sys.stdout.write(json.dumps(payload) + "\n")
    sys.stdout.flush()


def main() -> None:
    """Load the script from the first line, then answer each URL line until stdin closes."""
    first = sys.stdin.readline()
    try:
        script = PACFile(json.loads(first)["script"])
    except Exception as exc:  # noqa: BLE001 - any failure to load is the script's, reported to the parent
        _reply({"error": f"the PAC file does not parse or run: {exc}"})
        return
    _reply({"answer": "loaded"})
    for line in sys.stdin:
        url = str(json.loads(line)["url"])
        try:
            _reply({"answer": str(script.find_proxy_for_url(url, urlsplit(url).hostname or ""))})
        except Exception as exc:  # noqa: BLE001 - an error inside the script is the script's
            _reply({"error": f"FindProxyForURL failed for {url}: {exc}".strip()})


if __name__ == "__main__":
    main()
