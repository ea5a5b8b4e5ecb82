"""The support bundle: one folder per run (and a zip on request) a support desk can take as it is.

It holds the JSON report, the HTML page, the failing step's screenshot, the redacted
HAR and `ticket.txt`. Paths inside a report are relative to that report's file, so the
folder (or the zip) still reads right once it is mailed. The folder is beside `--json`,
else under the per-user data folder (platformdirs), never a random temporary one.
"""

from __future__ import annotations

import os
import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from secrets import token_hex
from typing import Any

from reports import html, json_report, ticket
from reports.models import Bundle, Report

APP_NAME = "diagnose"


def new_run_id(now: datetime | None = None) -> str:
    """`20261130T062409Z-3f2a`: sorts by time, unique enough to name a folder and a ticket."""
    return f"{(now or datetime.now(UTC)):%Y%m%dT%H%M%SZ}-{token_hex(2)}"


def folder_for(run_id: str, json_path: str | None) -> Path:
    """Beside the JSON report (`<stem>-bundle/`), else `<user data>/diagnose/runs/<run id>/`."""
    if json_path not in (None, "-"):
        report = Path(json_path).resolve()
        return report.parent / f"{report.stem}-bundle"
    import platformdirs  # only here: a run told where its JSON goes never loads it

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "runs" / run_id


def relative_to(report: Report, base: Path, moved: dict[str, str] | None = None) -> Report:
    """`report` with every artifact path (screenshot, HAR) relative to `base`, where its file will be."""
    moved = moved or {}

    def fix(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: fix(item) for key, item in value.items()}
        if isinstance(value, list):
            return [fix(item) for item in value]
        if isinstance(value, str) and value in moved:
            value = moved[value]
        if isinstance(value, str) and os.path.isabs(value) and Path(value).suffix in (".png", ".har", ".zip"):
            return Path(os.path.relpath(value, base)).as_posix()
        return value

    return Report.model_validate(fix(report.model_dump(mode="json")))


def write(report: Report, folder: Path, *, zip_path: str | None = None, secrets: list[str] | None = None) -> Report:
    """Write the bundle; return the report as it is inside it (paths relative, `bundle` set)."""
    folder.mkdir(parents=True, exist_ok=True)
    moved: dict[str, str] = {}
    for path in {report.support.screenshot, report.support.har} | _probe_artifacts(report):
        if path and os.path.isabs(path) and Path(path).is_file() and Path(path).parent != folder:
            copy = folder / Path(path).name
            shutil.copyfile(path, copy)
            moved[path] = str(copy)
    info = Bundle(folder=".", zip=os.path.relpath(Path(zip_path).resolve(), folder) if zip_path else None)
    inside = relative_to(report.model_copy(update={"bundle": info}), folder, moved)
    clean = json_report.scrubbed(inside, secrets or [])  # field by field, once, for every file below
    json_report.write(json_report.render(clean), str(folder / "report.json"))
    json_report.write(html.render(clean, base_dir=folder), str(folder / "report.html"))
    json_report.write(ticket.render(clean), str(folder / "ticket.txt"))
    if zip_path:
        _zip(folder, Path(zip_path))
    return inside


def _probe_artifacts(report: Report) -> set[str | None]:
    found: set[str | None] = set()
    for probe in report.probes:
        for name in ("screenshot", "har"):
            value = getattr(probe.evidence, name, None)
            found.add(value if isinstance(value, str) else None)
    return found


def _zip(folder: Path, target: Path) -> None:
    """The folder as one zip, written beside and renamed into place (never half a zip)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.partial")
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file() and not file.name.startswith("."):
                archive.write(file, Path(folder.name) / file.relative_to(folder))
    os.replace(partial, target)
