"""The JSON report: serialized from the model, scrubbed of secrets, written atomically."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterable
from enum import Enum
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel

from reports.models import Report

REDACTED = "***"


def render(report: Report, secrets: Iterable[str] = ()) -> str:
    """The report as indented JSON, every secret removed from the free-text fields it slipped into.

    The scrub walks the models field by field, never the serialized JSON: a password such
    as `null`, `"` or `2026` cannot corrupt the document, and dates, numbers and the
    fields with a fixed set of values (statuses, modes) stay as they are.
    """
    return scrubbed(report, secrets).model_dump_json(indent=2) + "\n"


def scrubbed(report: Report, secrets: Iterable[str]) -> Report:
    """`report` with each secret removed from its free-text fields: what every rendering starts from."""
    wanted = [s for s in secrets if s]
    return _scrub(report, None, wanted) if wanted else report


def _scrub(value: Any, annotation: Any, secrets: list[str]) -> Any:
    """`value` with each secret replaced in its free text, through models, dicts and lists."""
    if isinstance(value, BaseModel):
        fields = type(value).model_fields
        updates = {name: _scrub(getattr(value, name), fields[name].annotation, secrets) for name in fields}
        extra = {name: _scrub(item, None, secrets) for name, item in (value.model_extra or {}).items()}
        return value.model_copy(update=updates | extra)
    if isinstance(value, str):
        if _fixed(annotation):
            return value
        for secret in secrets:
            value = value.replace(secret, REDACTED)
        return value
    if isinstance(value, dict):
        return {key: _scrub(item, None, secrets) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrub(item, None, secrets) for item in value]
    return value


def _fixed(annotation: Any) -> bool:
    """Whether a field's type is a fixed set of values (a Literal or an Enum), which holds no free text."""
    if annotation is None:
        return False
    origin = get_origin(annotation)
    if origin is Literal or (isinstance(annotation, type) and issubclass(annotation, Enum)):
        return True
    return any(_fixed(arg) for arg in get_args(annotation) if arg is not type(None)) if origin else False


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
