"""The report as one self-contained HTML page for support engineers.

Rendered from the pydantic `Report` with a Jinja2 template (autoescaped), never by
string concatenation. Everything the page needs travels inside it: styles inline and
the screenshot as a `data:` URI, so the file can be attached to a ticket and opened
or printed anywhere. The first screen answers "what is wrong, who to contact, what to
do" beside the failing step's screenshot; the support ticket's facts come next, the
raw evidence last. A report may come from anyone (`diagnose report`), so only a
screenshot inside the report's own folder, named by a relative path, is embedded.
"""

from __future__ import annotations

import base64
import contextlib
import mimetypes
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from reports import timefmt
from reports.models import Report
from reports.ticket import subject
from reports.words import STATUS_WORDS, headline, label, not_seen, who

_TEMPLATES = Path(__file__).with_name("templates")

_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
_MAX_SCREENSHOT_BYTES = 8 * 1024 * 1024


def render(report: Report, *, base_dir: Path | None = None) -> str:
    """The HTML page for `report`; `base_dir` resolves a relative screenshot path (the JSON's folder)."""
    template = _environment().get_template("report.html.j2")
    lead = _lead_causes(report)
    owner = lead[0].owner if lead else None
    contact = report.support.contact
    return template.render(
        report=report,
        status_words=STATUS_WORDS.get(report.status, report.status),
        headline=headline(lead[0], datetime.now(UTC)) if lead else STATUS_WORDS[report.status],
        who=who(owner),
        contact_line=" \u00b7 ".join(contact[k] for k in ("phone", "email", "url") if contact.get(k))
        if owner in ("portal", "account") else "",
        subject=subject(report),
        not_seen=not_seen(report),
        lead=lead,
        symptoms=[c for c in report.causes if c.explained_by],
        screenshot=screenshot_data_uri(report.support.screenshot, base_dir),
        probes=[(p, flatten(p.evidence.model_dump(mode="json", exclude_none=True))) for p in report.probes],
    )


def screenshot_data_uri(path: str | None, base_dir: Path | None = None) -> str | None:
    """The screenshot as a `data:` URI, or None when there is none, it cannot be read, or it is not
    a file inside `base_dir` named by a relative path (an absolute path or `..` in a report is refused)."""
    if not path or base_dir is None or Path(path).is_absolute() or "\\" in path:
        return None
    folder = base_dir.resolve()
    file = (folder / path).resolve()
    if not file.is_relative_to(folder):
        return None
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


def _when(value: datetime | None) -> str:
    return timefmt.when(value) if value else ""


def _percent(value: float) -> str:
    return f"{round(value * 100)}%"


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """The compiled template kept between runs (compiling it costs more than rendering it), in Jinja's
    per-user folder; a folder that cannot be written only means compiling again."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def _template_cache() -> jinja2.BytecodeCache | None:
    try:
        return _TemplateCache()
    except (OSError, RuntimeError):  # no private temporary folder to be had
        return None


@cache
def _environment() -> jinja2.Environment:
    """One per process: a long-running caller (the exporter) renders many pages from the same compiled template."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(_TEMPLATES),
        bytecode_cache=_template_cache(),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["label"] = label
    env.filters["percent"] = _percent
    return env
