"""Stop waiting for a page that an earlier check has already shown cannot come.

A portal that accepts the connection and then never answers (no ServerHello, no HTTP
answer) holds a browser on its navigation for as long as it is allowed to wait. The
`tls` and `http` probes name that hang within `ProbeContext.answer_wait`; the browser
and the login attempt then get a short grace and stop, so the run ends in about a third
of its deadline instead of at its end. Their result is a skip that names the finding,
which the verdict accepts because the finding explains it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from probes.base import ProbeContext


T = TypeVar("T")
GRACE = 0.5  # seconds the page still gets once a hang is named: an answer may be just arriving
WATCHED = ("tls", "http")


async def hang_found(ctx: ProbeContext) -> str | None:
    """The first hang the `tls` or `http` probe names ("tls: ..."), or None once both ended without one."""
    waits = [asyncio.ensure_future(ctx.result(name)) for name in WATCHED]
    try:
        for finished in asyncio.as_completed(waits):
            result = await finished
            if result is None:
                continue
            for finding in result.findings:
                if finding.hung:
                    return f"{result.name}: {finding.summary}"
        return None
    finally:
        for wait in waits:
            wait.cancel()


async def unless_hung(ctx: ProbeContext, work: Coroutine[Any, Any, T], grace: float = GRACE) -> T | str:
    """`work`'s result; or, when a hang is named and `work` has not ended `grace` seconds later, the hang."""
    task = asyncio.ensure_future(work)
    watcher = asyncio.ensure_future(hang_found(ctx))
    try:
        await asyncio.wait({task, watcher}, return_when=asyncio.FIRST_COMPLETED)
        hang = None if task.done() else watcher.result()
        if hang is not None:
            await asyncio.wait({task}, timeout=grace)
            if not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                return hang
        return await task
    finally:
        watcher.cancel()
        if not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
