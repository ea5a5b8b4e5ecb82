"""One TCP connection attempt to one address, and what became of it.

The outcome is named from the socket error itself (refused, timed out, no route),
and the route is recorded: the local address the OS chose for the connection and
the interface that holds it, which is how a VPN that captures the portal's traffic
shows up.
"""

# No `from __future__ import annotations`: pydantic reads real annotations, not strings it must compile.

import asyncio
import errno
import socket
from typing import Literal

import psutil
from pydantic import BaseModel

from probes.evidence import Stopwatch
from probes.text.durations import seconds

ConnectOutcome = Literal["connected", "refused", "timeout", "no_route", "error"]

_NO_ROUTE_NAMES = (
    "EHOSTUNREACH", "ENETUNREACH", "ENETDOWN", "EHOSTDOWN", "EADDRNOTAVAIL",
    "WSAEHOSTUNREACH", "WSAENETUNREACH", "WSAENETDOWN", "WSAEHOSTDOWN", "WSAEADDRNOTAVAIL",
)
_NO_ROUTE = {getattr(errno, name) for name in _NO_ROUTE_NAMES if hasattr(errno, name)}
_REFUSED = {getattr(errno, name) for name in ("ECONNREFUSED", "WSAECONNREFUSED") if hasattr(errno, name)}
_TIMED_OUT = {getattr(errno, name) for name in ("ETIMEDOUT", "WSAETIMEDOUT") if hasattr(errno, name)}


class ConnectAttempt(BaseModel):
    """A connection to address:port: how it ended, how long it took, and the way it went."""

    address: str
    port: int
    outcome: ConnectOutcome
    ms: int = 0
    errno: str | None = None
    error: str | None = None
    local_address: str | None = None
    interface: str | None = None


def classify(exc: OSError) -> tuple[ConnectOutcome, str | None]:
    """The outcome an OS error stands for, and the errno's symbolic name (ECONNREFUSED...)."""
    code = exc.errno
    name = errno.errorcode.get(code, str(code)) if isinstance(code, int) else None
    if isinstance(exc, ConnectionRefusedError) or code in _REFUSED:
        return "refused", name or "ECONNREFUSED"
    if isinstance(exc, TimeoutError) or code in _TIMED_OUT:
        return "timeout", name or "ETIMEDOUT"
    if code in _NO_ROUTE:
        return "no_route", name
    return "error", name


async def connect(address: str, port: int, timeout: float) -> ConnectAttempt:
    """Open and close one TCP connection to `address`, within `timeout` seconds."""
    loop = asyncio.get_running_loop()
    watch = Stopwatch()
    try:
        infos = await loop.getaddrinfo(address, port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
        family, kind, proto, _, sockaddr = infos[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        outcome, name = classify(exc)
        return ConnectAttempt(address=address, port=port, outcome=outcome, errno=name, error=str(exc))
    try:
        sock.setblocking(False)
        async with asyncio.timeout(timeout):
            await loop.sock_connect(sock, sockaddr)
        local = str(sock.getsockname()[0])
        return ConnectAttempt(
            address=address, port=port, outcome="connected", ms=watch.ms(),
            local_address=local, interface=interface_of(local),
        )
    except OSError as exc:
        outcome, name = classify(exc)
        text = f"no connection within {seconds(timeout)} s" if isinstance(exc, TimeoutError) else str(exc)
        source = source_address(family, sockaddr)
        return ConnectAttempt(
            address=address, port=port, outcome=outcome, ms=watch.ms(), errno=name, error=text,
            local_address=source, interface=interface_of(source) if source else None,
        )
    finally:
        sock.close()


def source_address(family: int, sockaddr: tuple[object, ...]) -> str | None:
    """The local address the OS would send from to `sockaddr`, found without sending a packet.

    Connecting a UDP socket only consults the routing table, so this still names the
    route when the TCP connection itself timed out.
    """
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect(sockaddr)
            return str(probe.getsockname()[0])
    except OSError:
        return None


def interface_of(local_address: str) -> str | None:
    """The name of the network interface that holds `local_address`, when the OS says."""
    wanted = local_address.split("%", 1)[0]
    try:
        table = psutil.net_if_addrs()
    except (OSError, RuntimeError):
        return None
    for name, addresses in table.items():
        if any(a.address.split("%", 1)[0] == wanted for a in addresses):
            return str(name)
    return None
