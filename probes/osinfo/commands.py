"""Running an OS command briefly: missing, failing or slow commands become `CommandError`.

Two forms: `run` for the async probes (killed on timeout and on cancellation) and
`run_sync` for the settings read once at start-up.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from collections.abc import Sequence

DEFAULT_TIMEOUT = 2.0


class CommandError(Exception):
    """The command could not give an answer; the message says why, in one line."""


async def run(args: Sequence[str], timeout: float = DEFAULT_TIMEOUT) -> str:
    """The standard output of `args`, or CommandError when missing, failing or over `timeout` seconds."""
    executable = _find(args[0])
    try:
        proc = await asyncio.create_subprocess_exec(
            executable, *args[1:],
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL,
        )
    except OSError as exc:
        raise CommandError(f"`{args[0]}` could not run: {exc.strerror or exc}") from None
    try:
        async with asyncio.timeout(timeout):
            out, _ = await proc.communicate()
    except TimeoutError:
        raise CommandError(f"`{' '.join(args)}` gave no answer within {timeout:g} s") from None
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    if proc.returncode != 0:
        raise CommandError(f"`{' '.join(args)}` exited with status {proc.returncode}")
    return decode(out)


def run_sync(args: Sequence[str], timeout: float = DEFAULT_TIMEOUT) -> str:
    """`run` for synchronous callers."""
    executable = _find(args[0])
    try:
        done = subprocess.run(
            [executable, *args[1:]], stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise CommandError(f"`{' '.join(args)}` gave no answer within {timeout:g} s") from None
    except OSError as exc:
        raise CommandError(f"`{args[0]}` could not run: {exc.strerror or exc}") from None
    if done.returncode != 0:
        raise CommandError(f"`{' '.join(args)}` exited with status {done.returncode}")
    return decode(done.stdout)


def decode(data: bytes) -> str:
    """Console output as text: Windows tools write in the OEM code page, others in UTF-8."""
    if sys.platform == "win32":
        try:
            return data.decode("oem")
        except (LookupError, UnicodeDecodeError):
            pass
    return data.decode("utf-8", errors="replace")


def _find(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise CommandError(f"`{name}` is not installed")
    return path
