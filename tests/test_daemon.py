"""The daemon as a process: it serves, ticks, stops cleanly on SIGTERM, and one SQLite file has one daemon."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from conftest import feeds_config, rss, sample_items, write_config


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(cfg: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "nashra.aggregator.cli", "--config", str(cfg), "run", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, timeout: float = 20) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def daemon_config(tmp_path: Path, feeds: list[tuple[str, str]], port: int) -> Path:
    return feeds_config(tmp_path, feeds, f"listen: 127.0.0.1:{port}", fetch=("read_timeout: 30", "total_timeout: 60"),
                        schedule=("tick_seconds: 1",))


def stop(proc: subprocess.Popen) -> float:
    """SIGTERM; returns the seconds the daemon took to exit."""
    stopped_at = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return time.monotonic() - stopped_at


def test_daemon_serves_its_output_and_keeps_a_second_daemon_off(tmp_path, server):
    url = server.route("/feed", rss(sample_items(4)))
    port = free_port()
    cfg = daemon_config(tmp_path, [("أ", url)], port)
    proc = start(cfg)
    feed_url = f"http://127.0.0.1:{port}/feed.atom"

    def served() -> bool:
        try:
            with urllib.request.urlopen(feed_url, timeout=2) as resp:
                return resp.headers["Content-Type"].startswith("application/atom+xml") and b"<entry>" in resp.read()
        except OSError:
            return False

    try:
        assert wait_for(served), "feed.atom never served"
        second = subprocess.run([sys.executable, "-m", "nashra.aggregator.cli", "--config", str(cfg), "run",
                                 "--once"], capture_output=True, text=True, timeout=30)
        assert second.returncode == 3 and "another nashra daemon" in second.stderr
    finally:
        assert stop(proc) < 5
    assert proc.returncode == 0
    err = proc.stderr.read()
    assert "stopping" in err and "Traceback" not in err


def test_sigterm_stops_within_seconds_while_a_fetch_hangs(tmp_path, server):
    server.route("/hang", hang=True)
    proc = start(daemon_config(tmp_path, [("معلق", server.url("/hang"))], free_port()), "--no-listen")
    try:
        assert wait_for(lambda: server.count("/hang") == 1), "the daemon never fetched"
        time.sleep(0.5)
    finally:
        assert stop(proc) < 5  # not the 60 s total timeout of the fetch in flight
    assert proc.returncode == 0 and "Traceback" not in proc.stderr.read()


def test_listen_error_is_clear(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        cfg = write_config(tmp_path, f"database: sqlite:///var/n.db\nlisten: 127.0.0.1:{port}\nfeeds: []\n")
        result = subprocess.run([sys.executable, "-m", "nashra.aggregator.cli", "--config", str(cfg), "run"],
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 3 and f"cannot listen on 127.0.0.1:{port}" in result.stderr
