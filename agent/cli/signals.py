"""The signals that stop a run (SIGINT, SIGTERM, SIGHUP), caught from the first moment.

A signal that arrives while the agent still loads (before the event loop can take it)
is remembered rather than raised, so the run starts, stops at once and still writes
its report, marked interrupted.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType

STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
_received: list[int] = []


@contextlib.contextmanager
def caught_early() -> Iterator[None]:
    """Remember stop signals for the block (the run's own handlers take over inside it); restore after."""
    if threading.current_thread() is not threading.main_thread():  # only the main thread can take signals
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    _received.clear()
    for signum in STOP_SIGNALS:
        signal.signal(signum, _remember)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def arrived() -> bool:
    """Whether a stop signal came before the run's own handlers were in place (asked once)."""
    came = bool(_received)
    _received.clear()
    return came


def _remember(signum: int, frame: FrameType | None) -> None:
    _received.append(signum)
