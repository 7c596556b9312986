"""A loopback HTTP server that serves feeds the way real (and hostile) servers do.

Routes are set per test: status, headers, ETag/Last-Modified with real 304s, redirects, gzip, a delay before
the headers, a body dripped byte by byte, an endless body, a server that never answers. Every request's
headers are recorded so tests can count fetches and check conditional GETs.
"""

from __future__ import annotations

import gzip as gzip_module
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str | None = "application/rss+xml; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    raw_encoding: str | None = None  # body is already encoded (e.g. a gzip bomb): send as is
    location: str | None = None
    delay: float = 0.0  # seconds before the status line
    drip: float = 0.0  # seconds between body bytes
    endless: bool = False  # a body that never ends
    hang: bool = False  # accept, then never answer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format, *args) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        feed_server = self.server.owner
        path = self.path
        feed_server.hits.setdefault(path, []).append({k.lower(): v for k, v in self.headers.items()})
        route = feed_server.routes.get(path)
        if route is None:
            self._send(404, b"not found", {"Content-Type": "text/plain"})
            return
        if route.hang:
            feed_server.stopping.wait(120)
            return
        if route.delay:
            feed_server.stopping.wait(route.delay)
        if route.etag and self.headers.get("If-None-Match") == route.etag:
            self._send(304, b"", {"ETag": route.etag})
            return
        if route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified:
            self._send(304, b"", {"Last-Modified": route.last_modified})
            return
        headers = dict(route.headers)
        if route.content_type:
            headers["Content-Type"] = route.content_type
        if route.etag:
            headers["ETag"] = route.etag
        if route.last_modified:
            headers["Last-Modified"] = route.last_modified
        if route.location:
            headers["Location"] = route.location
        body = route.body
        if route.gzip:
            body = gzip_module.compress(body)
            headers["Content-Encoding"] = "gzip"
        if route.raw_encoding:
            headers["Content-Encoding"] = route.raw_encoding
        if route.endless or route.drip:
            self._stream(route, headers, body)
            return
        self._send(route.status, body, headers)

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if body:
            self.wfile.write(body)

    def _stream(self, route: Route, headers: dict[str, str], body: bytes) -> None:
        self.close_connection = True
        self.send_response(route.status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Connection", "close")
        self.end_headers()
        deadline = time.monotonic() + 60  # bounded even if the client never gives up
        stopping = self.server.owner.stopping
        try:
            if route.endless:
                chunk = b" " * 65536
                while time.monotonic() < deadline and not stopping.is_set():
                    self.wfile.write(chunk)
            else:
                for i in range(len(body)):
                    if time.monotonic() > deadline or stopping.wait(route.drip):
                        break
                    self.wfile.write(body[i:i + 1])
                    self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: "FeedServer"

    def handle_error(self, request, client_address) -> None:
        pass  # clients that give up mid-body (the point of several tests) are not errors here


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: dict[str, list[dict[str, str]]] = {}
        self.stopping = threading.Event()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def route(self, path: str, body: bytes | str = b"", **kwargs) -> str:
        """Serve `body` at `path`; returns the full URL."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.routes[path] = Route(body=body, **kwargs)
        return self.url(path)

    def count(self, path: str) -> int:
        return len(self.hits.get(path, []))

    def close(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()
