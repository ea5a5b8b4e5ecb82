"""An HTTP proxy on loopback, in a thread, that plays one proxy behaviour per instance.

Modes: `forward` carries CONNECT tunnels and absolute-URI requests; `auth_required`
answers 407 with a Basic challenge (and forwards when given `credentials` and sent
them); `forbidden` answers 403 like a URL filter; `close` hangs up without
answering; `mitm` opens the tunnel, then terminates TLS with `mitm_context(host)`
and re-encrypts towards the real server without verifying it, as TLS-inspecting
proxies do. It only ever connects to loopback upstreams.
"""

from __future__ import annotations

import base64
import ipaddress
import select
import socket
import socketserver
import ssl
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

MODES = ("forward", "auth_required", "forbidden", "close", "mitm")
REALM = "diagnose demo proxy"
_IDLE = 30.0
_HOP_HEADERS = ("proxy-authorization", "proxy-connection", "connection", "keep-alive")


class ProxyServer:
    """`ProxyServer(mode).start()` listens on `host` at an ephemeral port; `requests` lists request lines seen.

    `hosts` maps extra names to loopback addresses (`{"portal.test": "127.0.0.1"}`), so
    names the proxy would otherwise have to resolve stay off the system resolver.
    """

    def __init__(
        self,
        mode: str = "forward",
        mitm_context: Callable[[str], ssl.SSLContext] | None = None,
        host: str = "127.0.0.1",
        hosts: dict[str, str] | None = None,
        credentials: tuple[str, str] | None = None,
    ) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown proxy mode {mode!r}; one of {', '.join(MODES)}")
        if mode == "mitm" and mitm_context is None:
            raise ValueError("mode 'mitm' needs mitm_context")
        self.mode = mode
        self.mitm_context = mitm_context
        self.hosts = {name.lower(): address for name, address in (hosts or {}).items()}
        # in `auth_required` mode, these (user, password) open the way; without them every request gets 407
        self.basic = None if credentials is None else "Basic " + base64.b64encode(
            ":".join(credentials).encode()).decode("ascii")
        self.requests: list[str] = []
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        server_cls = _V6Server if ":" in host else _Server
        self._server = server_cls((host, 0), _handler_class(self))
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        return str(self._server.server_address[0]), int(self._server.server_address[1])

    @property
    def url(self) -> str:
        host, port = self.address
        return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"

    def start(self) -> ProxyServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        with self._lock:
            for sock in list(self._open):
                sock.close()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> ProxyServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def upstream_address(self, host: str) -> str | None:
        """The loopback address for `host`, or None when it is not a loopback upstream."""
        name = host.strip("[]").lower()
        address = self.hosts.get(name) or ("127.0.0.1" if name == "localhost" else name)
        try:
            return address if ipaddress.ip_address(address).is_loopback else None
        except ValueError:
            return None

    def track(self, sock: socket.socket, add: bool = True) -> None:
        with self._lock:
            (self._open.add if add else self._open.discard)(sock)


def _handler_class(proxy: ProxyServer) -> type[socketserver.StreamRequestHandler]:
    class _Handler(socketserver.StreamRequestHandler):
        rbufsize = 0  # unbuffered: bytes after the request head belong to the tunnel
        timeout = 10

        def handle(self) -> None:
            proxy.track(self.connection)
            try:
                self._handle()
            except OSError:
                return
            finally:
                proxy.track(self.connection, add=False)

        def _handle(self) -> None:
            line = self.rfile.readline(8192).decode("iso-8859-1").strip()
            headers = self._read_headers()
            if not line:
                return
            proxy.requests.append(line)
            method, _, rest = line.partition(" ")
            target = rest.rpartition(" ")[0] or rest
            if proxy.mode == "close":
                return
            given = next((v for k, v in headers if k.lower() == "proxy-authorization"), None)
            if proxy.mode == "auth_required" and (proxy.basic is None or given != proxy.basic):
                self._answer(407, "Proxy Authentication Required", "<p>Proxy authentication required</p>",
                             [f'Proxy-Authenticate: Basic realm="{REALM}"'])
                return
            host = target.rpartition(":")[0] if method == "CONNECT" else urlsplit(target).hostname or ""
            if proxy.mode == "forbidden":
                self._answer(403, "Forbidden", f"<html><body><h1>Access to {host} is blocked</h1>"
                             "<p>This site is blocked by the URL filter policy.</p></body></html>")
                return
            upstream = proxy.upstream_address(host)
            if upstream is None:
                self._answer(403, "Forbidden", f"<p>Blocked: {host} is not a loopback upstream</p>")
                return
            if method == "CONNECT":
                self._tunnel(host, upstream, int(target.rpartition(":")[2] or 443))
            else:
                self._forward(method, target, upstream, headers)

        def _read_headers(self) -> list[tuple[str, str]]:
            headers = []
            for _ in range(100):
                raw = self.rfile.readline(8192).decode("iso-8859-1").strip()
                if not raw:
                    break
                name, _, value = raw.partition(":")
                headers.append((name.strip(), value.strip()))
            return headers

        def _answer(self, status: int, reason: str, body: str, extra: list[str] | None = None) -> None:
            data = body.encode()
            head = [f"HTTP/1.1 {status} {reason}", "Content-Type: text/html; charset=utf-8",
                    f"Content-Length: {len(data)}", "Connection: close", *(extra or [])]
            self.connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode() + data)

        def _connect(self, address: str, port: int) -> socket.socket | None:
            try:
                upstream = socket.create_connection((address, port), timeout=5)
            except OSError as exc:
                self._answer(502, "Bad Gateway", f"<p>Upstream connection failed: {exc.strerror or exc}</p>")
                return None
            proxy.track(upstream)
            return upstream

        def _tunnel(self, host: str, address: str, port: int) -> None:
            upstream = self._connect(address, port)
            if upstream is None:
                return
            client: socket.socket = self.connection
            raw = upstream
            try:
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                if proxy.mode == "mitm" and proxy.mitm_context is not None:
                    # wrapping detaches the plain sockets, so track the TLS ones for stop()
                    client = proxy.mitm_context(host).wrap_socket(client, server_side=True)
                    proxy.track(client)
                    insecure = ssl.create_default_context()
                    insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE
                    upstream = insecure.wrap_socket(upstream, server_hostname=host.strip("[]"))
                    proxy.track(upstream)
                _relay(client, upstream)
            finally:
                for sock in (client, upstream, raw):
                    proxy.track(sock, add=False)
                upstream.close()
                client.close()

        def _forward(self, method: str, target: str, address: str, headers: list[tuple[str, str]]) -> None:
            parts = urlsplit(target)
            upstream = self._connect(address, parts.port or 80)
            if upstream is None:
                return
            try:
                path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
                kept = [f"{k}: {v}" for k, v in headers if k.lower() not in _HOP_HEADERS]
                length = int(next((v for k, v in headers if k.lower() == "content-length"), "0") or 0)
                body = self.rfile.read(length) if length else b""
                head = [f"{method} {path} HTTP/1.1", *kept, "Connection: close"]
                upstream.sendall(("\r\n".join(head) + "\r\n\r\n").encode("iso-8859-1") + body)
                _relay(self.connection, upstream)
            finally:
                proxy.track(upstream, add=False)
                upstream.close()

    return _Handler


def _relay(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until either side closes or both stay idle for a while.

    One thread serves both directions: OpenSSL objects must not be read and written
    from two threads at once. Short timeouts keep a TLS read that only consumed a
    session ticket from blocking the other direction.
    """
    for sock in (a, b):
        sock.settimeout(0.2)
    idle = 0.0
    while idle < _IDLE:
        ready: list[socket.socket] = [s for s in (a, b) if isinstance(s, ssl.SSLSocket) and s.pending()]
        ready = ready or select.select([a, b], [], [], 0.5)[0]
        if not ready:
            idle += 0.5
            continue
        idle = 0.0
        for sock in ready:
            try:
                data = sock.recv(65536)
            except (TimeoutError, ssl.SSLWantReadError):
                continue
            if not data:
                return
            (b if sock is a else a).sendall(data)


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        return  # clients that hang up mid-tunnel are part of the faults we play


class _V6Server(_Server):
    address_family = socket.AF_INET6
