"""An SNTP server on loopback, in a thread, whose clock is off by as much as you ask.

The demo and the tests play a workstation whose clock is wrong by serving a reference
that is wrong the other way: a server `offset_seconds` ahead makes the workstation
look that much behind. Faults: `silent` (reads requests, never answers) and
`kiss_of_death` (stratum 0 with the code RATE, RFC 4330 section 8).
"""

from __future__ import annotations

import socket
import struct
import threading
import time

NTP_EPOCH_OFFSET = 2_208_988_800
FAULTS = ("silent", "kiss_of_death")
_PACKET = struct.Struct("!BBbb4s4s4s8s8s8s8s")


def _ntp_time(seconds: float) -> bytes:
    value = seconds + NTP_EPOCH_OFFSET
    whole = int(value)
    return struct.pack("!II", whole & 0xFFFFFFFF, int((value - whole) * 2**32) & 0xFFFFFFFF)


class NtpServer:
    """`NtpServer(offset_seconds=300).start()` answers SNTP requests at `.address` with true time + offset."""

    def __init__(
        self, offset_seconds: float = 0.0, fault: str | None = None, host: str = "127.0.0.1"
    ) -> None:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}: use one of {', '.join(FAULTS)}")
        self.offset_seconds = offset_seconds
        self.fault = fault
        self.requests = 0
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._sock = socket.socket(family, socket.SOCK_DGRAM)
        self._sock.bind((host, 0))
        bound = self._sock.getsockname()
        self.address: tuple[str, int] = (str(bound[0]), int(bound[1]))
        self._sock.settimeout(0.1)
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def start(self) -> NtpServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        self._sock.close()

    def __enter__(self) -> NtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        while not self._stopping.is_set():
            try:
                data, peer = self._sock.recvfrom(1024)
            except TimeoutError:
                continue
            except OSError:
                return
            received = time.time() + self.offset_seconds
            if len(data) < _PACKET.size or data[0] & 0x7 != 3:
                continue  # not a client request
            self.requests += 1
            if self.fault == "silent":
                continue
            reply = self._reply(data, received)
            try:
                self._sock.sendto(reply, peer)
            except OSError:
                continue

    def _reply(self, request: bytes, received: float) -> bytes:
        version = (request[0] >> 3) & 0x7
        origin = request[40:48]  # the client's transmit timestamp, echoed as our originate
        if self.fault == "kiss_of_death":
            first, stratum, refid = (3 << 6) | (version << 3) | 4, 0, b"RATE"
        else:
            first, stratum, refid = (0 << 6) | (version << 3) | 4, 2, socket.inet_aton("127.0.0.1")
        now = time.time() + self.offset_seconds
        return _PACKET.pack(
            first, stratum, struct.unpack("!b", request[2:3])[0], -20,
            struct.pack("!I", 1 << 8), struct.pack("!I", 1 << 8), refid,
            _ntp_time(now - 16), origin, _ntp_time(received), _ntp_time(now),
        )
