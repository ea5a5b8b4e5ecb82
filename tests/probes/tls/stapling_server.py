"""A loopback HTTPS server that staples a given OCSP answer (Python's `ssl` cannot), for the stapling tests.

pyOpenSSL serves the chain and answers status_request with `staple` (nothing when empty);
each connection gets one small login page, so a browser that accepts the certificate
loads a page and one that refuses it shows its own error.
"""

from __future__ import annotations

import socket
import threading
from typing import Self

from OpenSSL import SSL

from tests.probes.tls.pki import Issued

PAGE = (b"<!doctype html><title>Portal</title><form method=post action=/login>"
        b"<input name=user><input type=password name=password><button>Sign in</button></form>")


class StaplingServer:
    """`StaplingServer(chain, staple).start()`; `asked` counts handshakes that asked for a staple."""

    def __init__(self, chain: list[Issued], staple: bytes = b"") -> None:
        self.staple, self.asked, self.handshakes = staple, 0, 0
        self._context = SSL.Context(SSL.TLS_SERVER_METHOD)
        self._context.use_certificate(chain[0].cert)
        self._context.use_privatekey(chain[0].key)
        for cert in chain[1:]:
            self._context.add_extra_chain_cert(cert.cert)
        self._context.set_ocsp_server_callback(self._answer)
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def url(self, path: str = "/", host: str = "localhost") -> str:
        return f"https://{host}:{self.port}{path}"

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._listener.close()
        self._thread.join(timeout=5)

    def _answer(self, _conn: SSL.Connection, _data: object) -> bytes:
        self.asked += 1
        return self.staple

    def _serve(self) -> None:
        self._listener.settimeout(0.05)
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            sock.settimeout(None)
            threading.Thread(target=self._handle, args=(sock,), daemon=True).start()

    def _handle(self, sock: socket.socket) -> None:
        conn = SSL.Connection(self._context, sock)
        conn.set_accept_state()
        try:
            conn.do_handshake()
            self.handshakes += 1
            request = b""
            while b"\r\n\r\n" not in request:
                chunk = conn.recv(65536)
                if not chunk:
                    return
                request += chunk
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
                         + f"Content-Length: {len(PAGE)}\r\n\r\n".encode() + PAGE)
            conn.shutdown()
        except (SSL.Error, OSError):
            return
        finally:
            sock.close()
