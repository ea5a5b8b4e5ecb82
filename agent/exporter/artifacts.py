"""Which scrapes leave a screenshot and HAR behind, and how many of them are kept.

A command-line run leaves them for support; a scrape every 15 seconds would fill the
disk (or, in the compose file's tmpfs, the memory). So scrapes leave none unless
`keep_artifacts` is set; then each run writes into a folder of its own under
`artifacts_dir`, and after every run the oldest folders go until at most
`keep_artifacts` folders and `artifacts_max_bytes` bytes remain.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from pathlib import Path

from probes.base import RunConfig


class ArtifactKeeper:
    """Per-scrape artifact folders under one root, bounded in count and bytes."""

    def __init__(self, keep: int, max_bytes: int, root: Path | None) -> None:
        self.keep = keep
        self.max_bytes = max_bytes
        self._root = root
        self._made_root = False

    def configure(self, config: RunConfig, target: str) -> RunConfig:
        """The run's configuration: no artifacts, or a fresh private folder for this run's."""
        if self.keep <= 0:
            return config.model_copy(update={"artifacts": False})
        folder = self.root() / f"{target}-{secrets.token_hex(6)}"
        folder.mkdir(mode=0o700)
        return config.model_copy(update={"artifacts": True, "output_dir": folder})

    def root(self) -> Path:
        if self._root is None:
            self._root = Path(tempfile.mkdtemp(prefix="diagnose-exporter-"))
            self._made_root = True
        self._root.mkdir(mode=0o700, parents=True, exist_ok=True)
        return self._root

    def prune(self) -> None:
        """Remove the oldest run folders beyond the count, then beyond the byte bound."""
        if self._root is None or not self._root.is_dir():
            return
        folders = sorted((p for p in self._root.iterdir() if p.is_dir() and not p.is_symlink()),
                         key=lambda p: p.stat().st_mtime)
        sizes = [_size(folder) for folder in folders]
        total = sum(sizes)
        while folders and (len(folders) > self.keep or total > self.max_bytes):
            shutil.rmtree(folders.pop(0), ignore_errors=True)
            total -= sizes.pop(0)

    def close(self) -> None:
        """The root goes with the exporter when the exporter made it (a configured one stays)."""
        if self._made_root and self._root is not None:
            shutil.rmtree(self._root, ignore_errors=True)


def _size(folder: Path) -> int:
    total = 0
    for dirpath, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(dirpath, name)).st_size
            except OSError:
                pass
    return total
