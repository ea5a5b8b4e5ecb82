"""A SOCKS5 proxy on loopback (RFC 1928, RFC 1929), in a thread, one behaviour per instance.

Modes: `forward` carries CONNECT to loopback upstreams; `auth` does the same but only
after the username and password it was given; `refuse` answers every CONNECT with
"connection not allowed by ruleset" (reply 2), as a filtering SOCKS proxy does. Names
are resolved through `hosts` (the proxy resolves, as with `socks5h://`), never the system.
"""

from __future__ import annotations

import ipaddress
import socket
import socketserver
import struct
import threading

from demo.proxy_server import _relay

MODES = ("forward", "auth", "refuse")


class SocksServer:
    """`SocksServer(mode).start()` listens on 127.0.0.1 at an ephemeral port; `connects` lists "host:port" asked."""

    def __init__(self, mode: str = "forward", hosts: dict[str, str] | None = None,
                 username: str = "user", password: str = "secret") -> None:
        if mode not in MODES:
            raise ValueError(f"unknown SOCKS mode {mode!r}; one of {', '.join(MODES)}")
        self.mode = mode
        self.hosts = {name.lower(): address for name, address in (hosts or {}).items()}
        self.credentials = (username.encode(), password.encode())
        self.connects: list[str] = []
        self._server = _Server(("127.0.0.1", 0), _handler_class(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, scheme: str = "socks5", userinfo: str = "") -> str:
        """The proxy's URL, e.g. `socks5h://user:secret@127.0.0.1:PORT` with `userinfo="user:secret@"`."""
        return f"{scheme}://{userinfo}127.0.0.1:{self.port}"

    def start(self) -> SocksServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> SocksServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def upstream(self, host: str) -> str | None:
        """The loopback address for `host`, or None (never leaves loopback)."""
        address = self.hosts.get(host.lower(), "127.0.0.1" if host.lower() == "localhost" else host)
        try:
            return address if ipaddress.ip_address(address).is_loopback else None
        except ValueError:
            return None


def _handler_class(server: SocksServer) -> type[socketserver.BaseRequestHandler]:
    class _Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            sock: socket.socket = self.request
            sock.settimeout(10)
            try:
                self._handle(sock)
            except (OSError, ValueError):
                return
            finally:
                sock.close()

        def _handle(self, sock: socket.socket) -> None:
            _, count = _exact(sock, 2)
            methods = _exact(sock, count)
            wanted = 2 if server.mode == "auth" else 0
            if wanted not in methods:
                sock.sendall(b"\x05\xff")
                return
            sock.sendall(bytes([5, wanted]))
            if wanted == 2:
                _, length = _exact(sock, 2)
                user = _exact(sock, length)
                secret = _exact(sock, _exact(sock, 1)[0])
                ok = (user, secret) == server.credentials
                sock.sendall(b"\x01" + (b"\x00" if ok else b"\x01"))
                if not ok:
                    return
            _, command, _, kind = _exact(sock, 4)
            if kind == 1:
                host = str(ipaddress.IPv4Address(_exact(sock, 4)))
            elif kind == 4:
                host = str(ipaddress.IPv6Address(_exact(sock, 16)))
            else:
                host = _exact(sock, _exact(sock, 1)[0]).decode("idna")
            port = struct.unpack("!H", _exact(sock, 2))[0]
            server.connects.append(f"{host}:{port}")
            address = server.upstream(host)
            if command != 1 or server.mode == "refuse" or address is None:
                sock.sendall(b"\x05" + bytes([7 if command != 1 else 2]) + b"\x00\x01" + bytes(6))
                return
            try:
                upstream = socket.create_connection((address, port), timeout=5)
            except OSError:
                sock.sendall(b"\x05\x05\x00\x01" + bytes(6))
                return
            with upstream:
                sock.sendall(b"\x05\x00\x00\x01" + bytes(6))
                _relay(sock, upstream)

    return _Handler


def _exact(sock: socket.socket, count: int) -> bytes:
    data = b""
    while len(data) < count:
        chunk = sock.recv(count - len(data))
        if not chunk:
            raise ValueError("the client closed the connection during the handshake")
        data += chunk
    return data


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        return
