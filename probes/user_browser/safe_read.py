"""Reading a browser's files without changing them, even while the browser runs.

A running Chrome on Windows holds its files open without sharing, and Firefox locks
its SQLite databases; both are read from a private temporary copy that is deleted
right after. Nothing is ever written to the profile.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class Unreadable(Exception):
    """A file the probe needs but cannot read; the message says which and why."""


@contextmanager
def _copy(path: Path) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="diagnose-ub-") as folder:
        target = Path(folder) / path.name
        shutil.copyfile(path, target)
        yield target


def read_bytes(path: Path) -> bytes:
    """The file's bytes; a locked file is read from a copy."""
    try:
        return path.read_bytes()
    except PermissionError:
        try:
            with _copy(path) as copy:
                return copy.read_bytes()
        except OSError as exc:
            raise Unreadable(f"{path}: {exc.strerror or exc}") from None
    except OSError as exc:
        raise Unreadable(f"{path}: {exc.strerror or exc}") from None


def read_text(path: Path) -> str:
    return read_bytes(path).decode("utf-8", errors="replace")


def read_json(path: Path) -> dict[str, Any]:
    """A JSON object file (Local State, Preferences, extensions.json, policies)."""
    try:
        value = json.loads(read_bytes(path))
    except ValueError as exc:
        raise Unreadable(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise Unreadable(f"{path}: not a JSON object")
    return value


def query_sqlite(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Rows of `sql` run on a private temporary copy of the database (and its WAL, if any).

    The copy, never the original, is opened: Firefox keeps its databases locked, and
    opening the original even read-only could create `-shm`/`-wal` files beside it.
    """
    import sqlite3  # only for a Firefox profile's permissions: most runs never load it

    try:
        with tempfile.TemporaryDirectory(prefix="diagnose-ub-") as folder:
            copy = Path(folder) / path.name
            shutil.copyfile(path, copy)
            wal = path.with_name(path.name + "-wal")
            if wal.is_file():
                shutil.copyfile(wal, copy.with_name(copy.name + "-wal"))
            connection = sqlite3.connect(copy)
            try:
                return connection.execute(sql).fetchall()
            finally:
                connection.close()
    except (OSError, sqlite3.Error) as exc:
        raise Unreadable(f"{path}: {exc}") from None
