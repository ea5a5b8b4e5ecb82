"""Where a run's files for support go (screenshots, HAR files), and what they are called.

One folder per run: the output folder the user chose (next to the JSON report by
default), else a new folder under the system's temporary directory. Names are the
probe's name and the run's start time, never anything the user typed, so no
credential or token can end up in a file name.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from probes.base import ProbeContext


def artifact_dir(ctx: ProbeContext) -> Path:
    """The run's folder for support files, created on first use and the same for every probe."""
    known = ctx.shared.get("artifact_dir")
    if isinstance(known, Path):
        return known
    stamp = _stamp(ctx)
    if ctx.config.output_dir is not None:
        folder = Path(ctx.config.output_dir)
        folder.mkdir(parents=True, exist_ok=True)
    else:
        folder = Path(tempfile.mkdtemp(prefix=f"diagnose-{stamp}-"))
    ctx.shared["artifact_dir"] = folder
    ctx.shared.setdefault("artifact_stamp", stamp)
    return folder


def artifact_path(ctx: ProbeContext, probe: str, suffix: str) -> Path:
    """`<folder>/<probe>-<run start>.<suffix>`, e.g. `browser-20240501T101500Z.png`."""
    folder = artifact_dir(ctx)
    stamp = ctx.shared.get("artifact_stamp") or _stamp(ctx)
    return folder / f"{probe}-{stamp}.{suffix.lstrip('.')}"


def _stamp(ctx: ProbeContext) -> str:
    return str(ctx.shared.get("artifact_stamp") or ctx.now().strftime("%Y%m%dT%H%M%SZ"))
