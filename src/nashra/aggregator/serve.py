"""`run --listen`: serve public/ over HTTP from a background thread (feed readers poll feed.atom here)."""

from __future__ import annotations

import functools
import logging
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

log = logging.getLogger("nashra.serve")


class _Handler(SimpleHTTPRequestHandler):
    extensions_map = {
        **SimpleHTTPRequestHandler.extensions_map,
        ".atom": "application/atom+xml; charset=utf-8",
        ".html": "text/html; charset=utf-8",
        ".txt": "text/plain; charset=utf-8",
        ".eml": "message/rfc822",
    }

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the base class's name
        log.debug("%s %s", self.address_string(), format % args)


def start_server(directory: Path, listen: str) -> ThreadingHTTPServer:
    """Start serving `directory` on HOST:PORT; the caller shuts it down."""
    host, _, port = listen.rpartition(":")
    directory.mkdir(parents=True, exist_ok=True)
    handler = functools.partial(_Handler, directory=str(directory))
    server = ThreadingHTTPServer((host.strip("[]"), int(port)), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="http", daemon=True).start()
    log.info("serving %s on http://%s/", directory, listen)
    return server
