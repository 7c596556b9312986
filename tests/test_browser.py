"""The digest and the web page in a real browser (headless Chromium) at phone and desktop widths.

Chromium is installed by the test set-up when missing (Debian's package, as root); the test is skipped with
a clear message when it cannot be. A probe page served beside the output loads each page in an iframe of the
given width and reports the layout; screenshots go to docs/ for the README when
NASHRA_UPDATE_SCREENSHOTS=1.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import threading
from pathlib import Path
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from conftest import REPO, rss, sample_items, write_config
from nashra.aggregator.cli import main

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars"]

PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="%(page)s" style="border:0;width:%(width)spx;height:2000px"></iframe>
<pre id="out">pending</pre>
<script>
document.getElementById('f').onload = function () {
  var d = this.contentDocument, el = d.documentElement;
  var first = d.querySelector('a.headline, article h3 a, article h3');
  var r = first ? first.getBoundingClientRect() : null;
  document.getElementById('out').textContent = JSON.stringify({
    scrollWidth: el.scrollWidth, clientWidth: el.clientWidth, bodyScroll: d.body.scrollWidth,
    dir: getComputedStyle(d.body).direction,
    headline: r ? {left: r.left, right: r.right, width: r.width} : null});
};
</script></body></html>"""


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("headless Chromium is not installed and cannot be installed here (needs root and apt-get)")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium", "fonts-noto-core"]):
        result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
        if result.returncode != 0:
            pytest.skip(f"could not install Chromium with apt-get: {result.stderr.strip()[-300:]}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed no chromium binary")
    return found


@pytest.fixture(scope="module")
def browser():
    return chromium()


def run_chromium(binary: str, tmp: Path, *args: str) -> str:
    result = subprocess.run([binary, *FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
                            capture_output=True, text=True, timeout=120)
    return result.stdout


@pytest.fixture
def site(tmp_path, server):
    items = sample_items(12, start_day=28)
    for i, it in enumerate(items):
        it["date"] = f"Sat, 28 Nov 2026 {8 + i:02d}:00:00 +0300"
    items[0]["title"] = ("عنوان طويل جدا " * 12).strip()  # a long headline must wrap, not overflow
    items[1]["link"] = "https://news.example/" + "x" * 300  # so must a long unbroken link
    url = server.route("/feed", rss(items))
    cfg = write_config(tmp_path, "\n".join([
        "database: sqlite:///var/nashra.db", "fetch:", "  allow_private_networks: [127.0.0.0/8]",
        "feeds:", "  - name: صحيفة الاختبار", f"    url: {url}"]) + "\n")
    assert main(["--config", str(cfg), "run", "--once"]) == 0
    assert main(["--config", str(cfg), "digest", "--date", "2026-11-28"]) == 0
    public = tmp_path / "public"
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(public))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield public, f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()


@pytest.mark.parametrize("page", ["digest/2026-11-28.html", "index.html"])
@pytest.mark.parametrize("width", [375, 1024])
def test_layout_in_chromium(browser, site, tmp_path, page, width):
    public, base = site
    probe = public / f"probe-{width}.html"
    probe.write_text(PROBE % {"page": "/" + page, "width": width}, encoding="utf-8")
    dom = run_chromium(browser, tmp_path, "--virtual-time-budget=10000", "--dump-dom", base + probe.name)
    match = re.search(r'<pre id="out">(\{.*?\})</pre>', dom)
    assert match, f"the probe did not report: {dom[-500:]}"
    layout = json.loads(match.group(1).replace("&quot;", '"'))
    assert layout["scrollWidth"] <= layout["clientWidth"] + 1, layout  # no horizontal overflow
    assert layout["bodyScroll"] <= layout["clientWidth"] + 1, layout
    assert layout["dir"] == "rtl"
    headline = layout["headline"]
    assert headline and headline["right"] > width * 0.7  # the first headline sits on the right
    assert width - headline["right"] < headline["left"] + 1  # closer to the right edge than to the left
    # the README's screenshots are refreshed only when asked (NASHRA_UPDATE_SCREENSHOTS=1): a test run must not
    # leave the work tree changed
    folder = REPO / "docs" if os.environ.get("NASHRA_UPDATE_SCREENSHOTS") == "1" else tmp_path
    shot = folder / f"{'digest' if page.startswith('digest') else 'index'}-{width}.png"
    shot.parent.mkdir(exist_ok=True)
    run_chromium(browser, tmp_path, f"--window-size={width},1400", f"--screenshot={shot}", base + page)
    assert shot.exists() and shot.stat().st_size > 5000
