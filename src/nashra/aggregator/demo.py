"""`nashra demo`: one offline cycle over the sample feeds in seeds/feeds, served by a throwaway loopback server."""

from __future__ import annotations

import functools
import json
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from nashra.resources import seeds_dir

from .config import parse_config


class _SeedHandler(SimpleHTTPRequestHandler):
    content_types: dict[str, str] = {}

    def guess_type(self, path) -> str:
        return self.content_types.get(Path(str(path)).name, "application/xml")

    def log_message(self, format, *args) -> None:  # noqa: A002
        pass


def run_demo(output: Path, database: Path) -> int:
    from .daemon import Daemon
    from .store import Store

    folder = seeds_dir() / "feeds"
    catalogue = json.loads((folder / "feeds.json").read_text(encoding="utf-8"))
    handler = type("Handler", (_SeedHandler,), {"content_types": {c["file"]: c["content_type"] for c in catalogue}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}/"
    database = database.resolve()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    data = {
        "database": f"sqlite:///{database}",
        "output_dir": str(output.resolve()),
        "retention_days": 3650,  # the samples keep their dates; do not prune them as old
        "fetch": {"allow_private_networks": ["127.0.0.0/8"]},
        "feeds": [{"name": c["name"], "url": base + c["file"], **({"section": c["section"]} if c["section"] else {})}
                  for c in catalogue],
    }
    config = parse_config(data, Path.cwd() / "demo.yaml")
    store = Store(config.database)
    daemon = Daemon(config, store)
    try:
        daemon.sync_feeds()
        report = daemon.cycle(every_feed=True)
    finally:
        daemon.close()
        store.close()
        server.shutdown()
    print(f"demo: {len(report.outcomes)} sample feeds, {report.new_items} items, {report.errors} failed")
    print(f"demo: open {config.output_dir / 'feed.atom'}")
    return 0 if report.errors == 0 else 1
