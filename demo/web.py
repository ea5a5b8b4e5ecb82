"""An HTTP(S) server on loopback, in a thread, answering from a table of pages.

Pages are data (`Page`), or a callable for the rare dynamic answer, so the demo portal
and the tests describe a fault by the pages they serve, not by new server code.
"""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Page:
    """One canned answer."""

    body: str | bytes = ""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)  # a Date or Server here replaces the default
    content_type: str = "text/html; charset=utf-8"
    delay: float = 0.0
    hang: bool = False  # accept the request and never answer (until the server stops)


@dataclass
class Request:
    """What the server received, for tests that check what a probe sent."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


Handler = Callable[[Request], Page]


class WebServer:
    """`WebServer(routes).start()` serves `routes[path]` on 127.0.0.1 (or ::1), HTTPS when given a context.

    A route key is a path without its query; the value is a `Page` or a callable taking
    the `Request`. Unknown paths answer 404. `requests` records every request received.
    """

    def __init__(
        self,
        routes: Mapping[str, Page | Handler] | None = None,
        ssl_context: ssl.SSLContext | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.routes: dict[str, Page | Handler] = dict(routes or {})
        self.requests: list[Request] = []
        self._stopping = threading.Event()
        server_cls = _V6Server if ":" in host else _Server
        self._httpd = server_cls((host, port), self._handler_class())
        if ssl_context is not None:
            # the handshake runs in the request's thread, so a client that stalls it blocks no one else
            self._httpd.socket = ssl_context.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.05,), daemon=True)
        self.scheme = "https" if ssl_context is not None else "http"

    @property
    def host(self) -> str:
        return str(self._httpd.server_address[0])

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    def url(self, path: str = "/", host: str | None = None) -> str:
        name = host or self.host
        name = f"[{name}]" if ":" in name else name
        return f"{self.scheme}://{name}:{self.port}{path}"

    def start(self) -> WebServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> WebServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _answer(self, request: Request) -> Page:
        self.requests.append(request)
        route = self.routes.get(urlsplit(request.path).path)
        if route is None:
            return Page("not found", status=404, content_type="text/plain")
        return route(request) if callable(route) else route

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 30
            disable_nagle_algorithm = True  # headers and body go in separate writes: no delayed-ACK stall

            def setup(self) -> None:
                if isinstance(self.request, ssl.SSLSocket):
                    self.request.settimeout(self.timeout)
                    self.request.do_handshake()
                super().setup()

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(self.command, self.path, dict(self.headers.items()), body)
                page = server._answer(request)
                if page.hang:
                    server._stopping.wait()
                    return
                if page.delay:
                    time.sleep(page.delay)
                data = page.body.encode() if isinstance(page.body, str) else page.body
                self.log_request(page.status)
                self.send_response_only(page.status)
                for name, default in (("Server", "demo-portal"), ("Date", self.date_time_string())):
                    if not any(key.lower() == name.lower() for key in page.headers):
                        self.send_header(name, default)
                self.send_header("Content-Type", page.content_type)
                self.send_header("Content-Length", str(len(data)))
                for name, value in page.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(data)

            do_GET = do_POST = do_HEAD = _serve

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib name
                return

        return _Handler


class SilentServer:
    """A port that accepts TCP connections and never says a word: a hung server, or a device that swallows TLS."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self._listener = socket.create_server((host, 0))
        self._listener.settimeout(0.05)
        self._held: list[socket.socket] = []
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._held.append(connection)

    def __enter__(self) -> SilentServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)
        self._listener.close()
        for connection in self._held:
            connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        return  # clients that hang up or fail the handshake are part of the faults we play


class _V6Server(_Server):
    address_family = socket.AF_INET6
