"""The JSON report: serialized from the model, scrubbed of secrets, written atomically."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from reports.models import Report

REDACTED = "***"


def render(report: Report, secrets: Iterable[str] = ()) -> str:
    """The report as indented JSON, with every secret's text replaced wherever it slipped in."""
    text = report.model_dump_json(indent=2)
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text + "\n"


def write(text: str, path: str) -> None:
    """Write to `path` atomically (a reader never sees half a report); `-` means stdout."""
    if path == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)  # as open() would create it: reports are meant to be shared
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
