"""Hostile feeds among good ones: every bad feed fails alone with a clear reason; the good ones come through
whole; nothing executable reaches any output."""

from __future__ import annotations

import email
import email.policy
import gzip
import io
import re
import sys
import subprocess
import time

import feedparser
import pytest

from conftest import FIXTURES, rss, sample_items, write_config
from nashra.aggregator.cli import main

# markup that runs or loads something; a URL scheme counts where a browser would follow it (an attribute),
# not as words in a title ("خبر رابطه data:text/html" is text)
EXECUTABLE = re.compile(r"<script|<iframe|<object|<embed|<form|<input|<svg|<meta\s+http-equiv|<base|<link rel=\"?stylesheet|"
                        r"<[^>]+\son\w+\s*=|(?:href|src|action)\s*=\s*[\"']?\s*(?:javascript|data|vbscript):|"
                        r"expression\(|behavior:|style=\"[^\"]*url\(", re.I)


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def gzip_bomb(mib: int = 1024) -> bytes:
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as handle:
        chunk = b" " * (1 << 20)
        for _ in range(mib):
            handle.write(chunk)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb()  # 1 GiB of spaces in about 1 MiB


def hostile_routes(server, bomb: bytes) -> dict[str, tuple[str, str]]:
    """name -> (url, the substring expected in its recorded error or problem; "" when it must just work)."""
    big_item = rss([{"title": "خبر ضخم", "guid": "big", "link": "https://big.example/1",
                     "description": "<p>" + "نص طويل جدا " * 450_000 + "</p>"}])  # about 5 MB
    r = server.route
    return {
        "billion-laughs": (r("/bl", fixture("billion_laughs.xml")), "declares XML entities"),
        "billion-laughs-one-line": (r("/bl1", fixture("billion_laughs_oneline.xml")), "declares XML entities"),
        "xxe": (r("/xxe", fixture("xxe.xml")), "declares XML entities"),
        "gzip-bomb": (r("/bomb", bomb, raw_encoding="gzip"), "larger than the cap"),
        "endless": (r("/endless", endless=True), "larger than the cap"),
        "drip": (r("/drip", rss(sample_items(2, "d", first=14)), drip=0.5), "timed out"),
        "hang": (r("/hang", hang=True), "timed out"),
        "metadata-redirect": (r("/meta", status=302, location="http://169.254.169.254/latest/"), "refused"),
        "private-redirect": (r("/priv", status=301, location="http://10.0.0.8/feed"), "refused"),
        "loop": (r("/loop", status=302, location="/loop"), "more than 5 redirects"),
        "html": (r("/html", fixture("html_page.html"), content_type="text/html; charset=utf-8"), "HTML page"),
        "empty": (r("/empty", b""), "empty body"),
        "broken": (r("/broken", fixture("broken.xml")), ""),
        "huge-item": (r("/huge", big_item), ""),
        "text-plain": (r("/plain", rss(sample_items(1, "p", first=16)), content_type="text/plain"), ""),
        "injection": (r("/inj", fixture("injection.xml")), ""),
        "cp1256-nowhere": (r("/cp", fixture("cp1256_no_prolog.xml"), content_type="application/rss+xml"), ""),
        "utf8-says-cp1256": (r("/u8", fixture("utf8_declared_cp1256.xml"),
                               content_type="application/rss+xml; charset=windows-1256"), ""),
        "bom": (r("/bom", fixture("utf8_bom.xml")), ""),
        "bidi": (r("/bidi", fixture("bidi.xml")), ""),
        "no-titles": (r("/nt", fixture("no_titles.xml")), ""),
    }


def test_hostile_feeds_fail_alone(tmp_path, server, bomb, capsys):
    good = {"good-1": server.route("/g1", rss(sample_items(6, "g1"))),
            "good-2": server.route("/g2", rss(sample_items(5, "g2", first=6)))}
    bad = hostile_routes(server, bomb)
    lines = ["database: sqlite:///var/nashra.db", "site_url: https://nashra.example/", "fetch:",
             "  allow_private_networks: [127.0.0.1/32]", "  total_timeout: 3", "  read_timeout: 2", "feeds:"]
    for name, url in [*good.items(), *((n, u) for n, (u, _) in bad.items())]:
        lines += [f"  - name: {name}", f"    url: {url}"]
    cfg = str(write_config(tmp_path, "\n".join(lines) + "\n"))
    started = time.monotonic()
    assert main(["--config", cfg, "run", "--once"]) == 0
    assert time.monotonic() - started < 30  # bounded: slow feeds are cut at the total timeout
    capsys.readouterr()
    assert main(["--config", cfg, "status", "--json"]) == 0
    health = {row["name"]: row for row in __import__("json").loads(capsys.readouterr().out)}
    assert health["good-1"]["items"] == 6 and health["good-2"]["items"] == 5
    for name, (_, reason) in bad.items():
        row = health[name]
        if reason:
            assert row["state"] == "failing" and reason in row["last_error"], (name, row)
        else:
            assert row["state"] == "ok", (name, row)
    assert health["broken"]["items"] == 3 and "malformed" in health["broken"]["problem"]
    assert health["injection"]["items"] == 4 and health["no-titles"]["items"] == 3
    assert health["cp1256-nowhere"]["items"] == 3 and health["huge-item"]["items"] == 1

    assert main(["--config", cfg, "digest", "--date", "2026-11-20"]) == 0
    public = tmp_path / "public"
    outputs = [public / "feed.atom", public / "index.html", *(public / "topics").glob("*.atom"),
               *(public / "digest").glob("*")]
    for path in outputs:
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".eml":  # what a mail client shows: the decoded parts
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            text = " ".join(part.get_content() for part in message.iter_parts())
        if path.suffix == ".atom":  # summaries are escaped HTML inside XML: check what a reader renders
            entries = feedparser.parse(path.read_bytes(), sanitize_html=False).entries
            text = " ".join(e.get("summary", "") + e.get("title", "") + e.get("link", "") for e in entries)
        assert not EXECUTABLE.search(text), (path.name, EXECUTABLE.search(text).group(0))
        assert "root:x:" not in text and "lollollol" not in text
    atom = (public / "feed.atom").read_text(encoding="utf-8")
    assert "قبلي: انطلاق موسم جني التمور" in atom  # windows-1256 declared nowhere
    assert "الأردن: افتتاح مستشفى جديد في محافظة المفرق" in atom  # UTF-8 that claimed windows-1256
    assert "ÞÈáí" not in atom and "ط§ظ„" not in atom  # no mojibake
    assert "https://news.example/ok" in atom  # harmless links survive


def peak_rss_kb_of_a_cycle(cfg) -> int:
    code = ("import resource, runpy, sys\n"
            f"sys.argv = ['nashra', '-q', '--config', {str(cfg)!r}, 'run', '--once']\n"
            "try:\n    runpy.run_module('nashra.aggregator.cli', run_name='__main__')\n"
            "except SystemExit:\n    pass\n"
            "print('PEAK_RSS_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    return int(re.search(r"PEAK_RSS_KB (\d+)", result.stdout).group(1))


def test_peak_memory_of_a_cycle_that_meets_a_gzip_bomb(tmp_path, server, bomb):
    good = server.route("/good", rss(sample_items(5)))
    peaks = {}
    for name, feeds in (("without", [("good", good)]),
                        ("with", [("good", good), ("bomb", server.route("/bomb", bomb, raw_encoding="gzip"))])):
        folder = tmp_path / name
        folder.mkdir()
        lines = ["database: sqlite:///var/nashra.db", "fetch:", "  allow_private_networks: [127.0.0.1/32]", "feeds:"]
        for feed, url in feeds:
            lines += [f"  - name: {feed}", f"    url: {url}"]
        peaks[name] = peak_rss_kb_of_a_cycle(write_config(folder, "\n".join(lines) + "\n"))
    print(f"peak RSS of a cycle: {peaks['without'] / 1024:.0f} MB without, {peaks['with'] / 1024:.0f} MB with "
          f"a 1 GiB gzip bomb (cap 10 MiB)")
    assert peaks["with"] - peaks["without"] < 48 * 1024  # the bomb costs about the cap, not a gigabyte
