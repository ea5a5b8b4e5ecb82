"""Where a run's files for support go (screenshots, HAR files), and what they are called.

One folder per run: the output folder the user chose (next to the JSON report by
default), else a new private folder under the system's temporary directory. Names are
the probe's name, the run's start time and a random part, never anything the user
typed, so no credential or token can end up in a file name, and no one can guess a
name to plant a link there. Each file is created here, empty, readable by its owner
alone and never through a symbolic link, before the browser writes into it.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from probes.base import ProbeContext


def artifacts_wanted(ctx: ProbeContext) -> bool:
    """Whether this run leaves files for support: a command-line run does, an exporter's scrape by default not."""
    return ctx.config.artifacts


def artifact_dir(ctx: ProbeContext) -> Path:
    """The run's folder for support files, created on first use and the same for every probe."""
    resources = ctx.resources
    if resources.artifact_dir is not None:
        return resources.artifact_dir
    stamp = _stamp(ctx)
    if ctx.config.output_dir is not None:
        folder = Path(ctx.config.output_dir)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    else:
        folder = Path(tempfile.mkdtemp(prefix=f"diagnose-{stamp}-"))
    resources.artifact_dir, resources.artifact_stamp = folder, stamp
    return folder


def artifact_path(ctx: ProbeContext, probe: str, suffix: str) -> Path:
    """A new file `<folder>/<probe>-<run start>-<random>.<suffix>`, created empty with mode 0600."""
    path = artifact_dir(ctx) / f"{probe}-{_stamp(ctx)}-{secrets.token_hex(4)}.{suffix.lstrip('.')}"
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    os.close(descriptor)
    return path


def _stamp(ctx: ProbeContext) -> str:
    return ctx.resources.artifact_stamp or ctx.now().strftime("%Y%m%dT%H%M%SZ")
