"""Where a run's files for support go (screenshots, HAR files), and what they are called.

One folder per run: the output folder the user chose (next to the JSON report by
default), else a new folder under the system's temporary directory. Names are the
probe's name and the run's start time, never anything the user typed, so no
credential or token can end up in a file name.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from probes.base import ProbeContext



def artifact_dir(ctx: ProbeContext) -> Path:
    """The run's folder for support files, created on first use and the same for every probe."""
    resources = ctx.resources
    if resources.artifact_dir is not None:
        return resources.artifact_dir
    stamp = _stamp(ctx)
    if ctx.config.output_dir is not None:
        folder = Path(ctx.config.output_dir)
        folder.mkdir(parents=True, exist_ok=True)
    else:
        folder = Path(tempfile.mkdtemp(prefix=f"diagnose-{stamp}-"))
    resources.artifact_dir, resources.artifact_stamp = folder, stamp
    return folder


def artifact_path(ctx: ProbeContext, probe: str, suffix: str) -> Path:
    """`<folder>/<probe>-<run start>.<suffix>`, e.g. `browser-20240501T101500Z.png`."""
    folder = artifact_dir(ctx)
    return folder / f"{probe}-{_stamp(ctx)}.{suffix.lstrip('.')}"


def _stamp(ctx: ProbeContext) -> str:
    return ctx.resources.artifact_stamp or ctx.now().strftime("%Y%m%dT%H%M%SZ")
