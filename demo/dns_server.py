"""A real DNS server on loopback, in a thread, answering from a table of names.

The demo portal and the tests describe a DNS fault by data (`records`, `faults`), as
with `demo.web.WebServer`, and the probes talk to it with their ordinary resolver code
over UDP and TCP on one ephemeral port.
"""

from __future__ import annotations

import contextlib
import ipaddress
import selectors
import socket
import struct
import threading

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

FAULTS = ("nxdomain", "servfail", "refused", "timeout", "no_answer")
_FAULT_RCODES = {"nxdomain": dns.rcode.NXDOMAIN, "servfail": dns.rcode.SERVFAIL, "refused": dns.rcode.REFUSED}


class DnsServer:
    """`DnsServer(records, faults).start()` answers A/AAAA queries on 127.0.0.1 (or ::1).

    `records` maps a lower-case name without trailing dot to IP strings (IPv4 answers A,
    IPv6 answers AAAA); unknown names answer NXDOMAIN. `faults` maps a name to one of
    `FAULTS`, which wins over `records`. Both stay mutable while the server runs.
    `queries` records every (name, rdtype) asked, in order.
    """

    ttl = 300

    def __init__(
        self,
        records: dict[str, list[str]] | None = None,
        faults: dict[str, str] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.records: dict[str, list[str]] = records if records is not None else {}
        self.faults: dict[str, str] = faults if faults is not None else {}
        self.queries: list[tuple[str, str]] = []
        self._host = host
        self._udp, self._tcp = _bind_pair(host)
        self._port = int(self._udp.getsockname()[1])
        self._stopping = threading.Event()
        self._wake_r, self._wake_w = socket.socketpair()
        self._thread = threading.Thread(target=self._serve, name="dns-server", daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        return self._host, self._port

    def start(self) -> DnsServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        with contextlib.suppress(OSError):
            self._wake_w.send(b"x")
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        for sock in (self._udp, self._tcp, self._wake_r, self._wake_w):
            sock.close()

    def __enter__(self) -> DnsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def answer(self, wire: bytes) -> dns.message.Message | None:
        """The reply to one query, or None when the fault is to stay silent."""
        try:
            query = dns.message.from_wire(wire)
        except dns.exception.DNSException:
            return None
        if not query.question:
            return None
        question = query.question[0]
        name = question.name.to_text(omit_final_dot=True).lower()
        self.queries.append((name, dns.rdatatype.to_text(question.rdtype)))
        fault = self.faults.get(name)
        if fault == "timeout":
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA | dns.flags.RA
        if fault in _FAULT_RCODES:
            response.set_rcode(_FAULT_RCODES[fault])
        elif fault == "no_answer":
            pass
        elif name not in self.records:
            response.set_rcode(dns.rcode.NXDOMAIN)
        else:
            self._add_addresses(response, question.name, question.rdtype, self.records[name])
        return response

    def _add_addresses(
        self,
        response: dns.message.Message,
        qname: dns.name.Name,
        rdtype: dns.rdatatype.RdataType,
        addresses: list[str],
    ) -> None:
        wanted = {dns.rdatatype.A: 4, dns.rdatatype.AAAA: 6}.get(rdtype)
        matching = [a for a in addresses if wanted and ipaddress.ip_address(a).version == wanted]
        if matching:
            rrset = dns.rrset.from_text_list(qname, self.ttl, dns.rdataclass.IN, rdtype, matching)
            response.answer.append(rrset)

    def _serve(self) -> None:
        with selectors.DefaultSelector() as selector:
            selector.register(self._udp, selectors.EVENT_READ, "udp")
            selector.register(self._tcp, selectors.EVENT_READ, "tcp")
            selector.register(self._wake_r, selectors.EVENT_READ, "wake")
            while not self._stopping.is_set():
                for key, _ in selector.select(timeout=1.0):
                    if key.data == "udp":
                        self._serve_udp()
                    elif key.data == "tcp":
                        self._accept_tcp()

    def _serve_udp(self) -> None:
        try:
            wire, peer = self._udp.recvfrom(65535)
        except OSError:
            return
        response = self.answer(wire)
        if response is None:
            return
        try:
            reply = response.to_wire(max_size=512)
        except dns.exception.TooBig:
            response.answer.clear()
            response.flags |= dns.flags.TC
            reply = response.to_wire()
        with contextlib.suppress(OSError):
            self._udp.sendto(reply, peer)

    def _accept_tcp(self) -> None:
        try:
            conn, _ = self._tcp.accept()
        except OSError:
            return
        threading.Thread(target=self._serve_tcp, args=(conn,), daemon=True).start()

    def _serve_tcp(self, conn: socket.socket) -> None:
        """One TCP client: length-prefixed queries until it hangs up; silent faults hold it open."""
        with conn:
            conn.settimeout(5.0)
            while not self._stopping.is_set():
                try:
                    header = _recv_exact(conn, 2)
                    wire = _recv_exact(conn, struct.unpack("!H", header)[0])
                except (OSError, EOFError):
                    return
                response = self.answer(wire)
                if response is None:
                    self._stopping.wait()
                    return
                reply = response.to_wire()
                try:
                    conn.sendall(struct.pack("!H", len(reply)) + reply)
                except OSError:
                    return


def _bind_pair(host: str) -> tuple[socket.socket, socket.socket]:
    """A UDP and a TCP socket bound to the same ephemeral port on `host`."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for _ in range(20):
        udp = socket.socket(family, socket.SOCK_DGRAM)
        udp.bind((host, 0))
        tcp = socket.socket(family, socket.SOCK_STREAM)
        try:
            tcp.bind((host, udp.getsockname()[1]))
        except OSError:
            udp.close()
            tcp.close()
            continue
        tcp.listen(16)
        return udp, tcp
    raise OSError(f"no free port for both UDP and TCP on {host}")


def _recv_exact(conn: socket.socket, size: int) -> bytes:
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise EOFError("connection closed")
        data += chunk
    return data
