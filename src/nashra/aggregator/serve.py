"""`run --listen`: serve public/ over HTTP from a background thread (feed readers poll feed.atom here), with
the daemon's health and metrics: /healthz (alive), /readyz (database reachable, tick recent), /metrics
(Prometheus text format)."""

from __future__ import annotations

import functools
import logging
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Protocol

log = logging.getLogger("nashra.serve")


class Health(Protocol):
    def readiness(self) -> tuple[bool, str]: ...


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".atom": "application/atom+xml; charset=utf-8",
        ".html": "text/html; charset=utf-8",
        ".txt": "text/plain; charset=utf-8",
        ".eml": "message/rfc822",
    }

    def __init__(self, *args, health: Health | None, metrics: Callable[[], bytes] | None, **kwargs) -> None:
        self.health, self.metrics = health, metrics
        super().__init__(*args, **kwargs)

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _probe(self) -> bool:
        """Answer the health and metrics paths; False for everything else (a file of public/)."""
        path = self.path.split("?", 1)[0]
        if path == "/healthz":
            self._reply(200, b"ok\n", "text/plain; charset=utf-8")
        elif path == "/readyz" and self.health is not None:
            ready, why = self.health.readiness()
            self._reply(200 if ready else 503, f"{why}\n".encode(), "text/plain; charset=utf-8")
        elif path == "/metrics" and self.metrics is not None:
            from .metrics import CONTENT_TYPE

            self._reply(200, self.metrics(), CONTENT_TYPE)
        else:
            return False
        return True

    def do_GET(self) -> None:  # noqa: N802 - the base class's name
        if not self._probe():
            super().do_GET()

    def do_HEAD(self) -> None:  # noqa: N802
        if not self._probe():
            super().do_HEAD()

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        log.debug("%s %s", self.address_string(), format % args)


def start_server(directory: Path, listen: str, health: Health | None = None,
                 metrics: Callable[[], bytes] | None = None) -> ThreadingHTTPServer:
    """Start serving `directory` (and the probes, when given) on HOST:PORT; the caller shuts it down."""
    host, _, port = listen.rpartition(":")
    directory.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_Handler, directory=str(directory), health=health, metrics=metrics)
    server = ThreadingHTTPServer((host.strip("[]"), int(port)), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    log.info("serving %s on http://%s/ (health: /healthz /readyz, metrics: /metrics)", directory, listen)
    return server
