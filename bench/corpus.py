"""Realistic Arabic feeds for the benchmarks: 200 feeds x 50 items from ../shared/corpus when present,
else from the project's own seed corpus, and a loopback server (in its own process) that serves them with
ETags and real 304s."""

from __future__ import annotations

import json
import multiprocessing
import random
import threading
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"


def load_texts(n: int) -> tuple[list[dict], str]:
    """n items with title, summary, url; and where they came from."""
    rows: list[dict] = []
    source = SHARED / "ant_weak.jsonl"
    if source.exists():
        with source.open(encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                rows.append({"title": row.get("title", ""), "summary": row.get("summary", ""),
                             "url": row.get("url", "")})
        origin = "shared corpus (ANT)"
    else:
        for path in sorted((REPO / "seeds" / "topics").glob("*.jsonl")):
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    row = json.loads(line)
                    rows.append({"title": row["title"], "summary": row.get("summary", ""), "url": ""})
        origin = "seed corpus"
    if not rows:
        raise SystemExit("no corpus found: neither ../shared/corpus nor seeds/topics")
    random.Random(7).shuffle(rows)
    while len(rows) < n:  # the seed corpus is smaller: reuse with a marker so items stay distinct
        rows += [{**r, "title": f"{r['title']} ({len(rows) // 1000})"} for r in rows[: n - len(rows)]]
    return rows[:n], origin


def build_feeds(feeds: int = 200, per_feed: int = 50) -> tuple[dict[str, bytes], str]:
    rows, origin = load_texts(feeds * per_feed)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    documents = {}
    for f in range(feeds):
        parts = ['<?xml version="1.0" encoding="utf-8"?>', '<rss version="2.0"><channel>',
                 f"<title>مصدر {f}</title><link>https://outlet{f}.example/</link><description>أخبار</description>"]
        for i in range(per_feed):
            row = rows[f * per_feed + i]
            when = format_datetime(now - timedelta(minutes=17 * i + f), usegmt=True)
            link = f"https://outlet{f}.example/news/{i}?utm_source=rss"
            parts.append(
                f"<item><title>{escape(row['title'])}</title><link>{link}</link>"
                f"<guid isPermaLink=\"false\">outlet{f}-{i}</guid><pubDate>{when}</pubDate>"
                f"<description><![CDATA[<p>{escape(row['summary'])}</p>]]></description></item>")
        parts.append("</channel></rss>")
        documents[f"/feed/{f}.xml"] = "\n".join(parts).encode("utf-8")
    return documents, origin


_HITS_LOCK = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    documents: dict[str, bytes] = {}
    hits: dict[str, int] = {}  # requests per feed path; /_hits reads them, /_hits?reset also clears them

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        if self.path.startswith("/_hits"):
            body = json.dumps(self.hits).encode()
            if self.path.endswith("?reset"):
                self.hits.clear()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        with _HITS_LOCK:
            self.hits[self.path] = self.hits.get(self.path, 0) + 1
        body = self.documents.get(self.path)
        if body is None:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
        self.send_header("ETag", etag)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(documents: dict[str, bytes], port_queue) -> None:
    handler = type("H", (_Handler,), {"documents": documents, "hits": {}})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    port_queue.put(server.server_address[1])
    server.serve_forever()


def start_server(documents: dict[str, bytes]) -> tuple[multiprocessing.Process, int]:
    """Serve the documents from another process, so the server does not share our GIL."""
    queue = multiprocessing.Queue()
    proc = multiprocessing.Process(target=_serve, args=(documents, queue), daemon=True)
    proc.start()
    return proc, queue.get(timeout=30)
