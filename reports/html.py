"""The report as one self-contained HTML page for support engineers.

Rendered from the pydantic `Report` with a Jinja2 template (autoescaped), never by
string concatenation. Everything the page needs travels inside it: styles inline and
the screenshot as a `data:` URI, so the file can be attached to a ticket and opened
or printed anywhere. The causes come first: the first screen answers "what is wrong
and what do I do"; probe details, support identifiers and timestamps follow.
"""

from __future__ import annotations

import base64
import mimetypes
from datetime import datetime
from pathlib import Path
from typing import Any

import jinja2

from reports.models import Report
from reports.words import STATUS_WORDS

_TEMPLATES = Path(__file__).with_name("templates")

_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
_MAX_SCREENSHOT_BYTES = 8 * 1024 * 1024


def render(report: Report, *, base_dir: Path | None = None) -> str:
    """The HTML page for `report`; `base_dir` resolves a relative screenshot path (the JSON's folder)."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        report=report,
        status_words=STATUS_WORDS.get(report.status, report.status),
        lead=_lead_causes(report),
        symptoms=[c for c in report.causes if c.explained_by],
        screenshot=screenshot_data_uri(report.support.screenshot, base_dir),
        probes=[(p, flatten(p.evidence.model_dump(mode="json", exclude_none=True))) for p in report.probes],
    )


def screenshot_data_uri(path: str | None, base_dir: Path | None = None) -> str | None:
    """The screenshot as a `data:` URI, or None when there is none or it cannot be read."""
    if not path:
        return None
    file = Path(path)
    if not file.is_absolute() and base_dir is not None:
        file = base_dir / file
    mime = mimetypes.guess_type(file.name)[0]
    if mime not in _IMAGE_TYPES:
        return None
    try:
        if not file.is_file() or file.stat().st_size > _MAX_SCREENSHOT_BYTES:
            return None
        data = file.read_bytes()
    except OSError:
        return None
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested evidence as (dotted key, text) rows, so any probe's evidence reads as a table."""
    rows: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            rows.extend(flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list) and any(isinstance(item, dict | list) for item in value):
        for index, item in enumerate(value):
            rows.extend(flatten(item, f"{prefix}[{index}]"))
    elif isinstance(value, list):
        rows.append((prefix, ", ".join(str(item) for item in value) if value else "(none)"))
    else:
        rows.append((prefix, "" if value is None else str(value)))
    return rows


def _lead_causes(report: Report) -> list[Any]:
    """Root causes (not a symptom of another), in the report's order: most likely first."""
    return [c for c in report.causes if not c.explained_by]


def _timestamp(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S %Z").strip() if value else ""


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["timestamp"] = _timestamp
    env.filters["percent"] = _percent
    return env
