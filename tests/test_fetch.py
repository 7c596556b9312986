"""The bounded HTTP client against a real loopback server."""

from __future__ import annotations

import gzip
import io
import time
import zlib

import psutil
import pytest

from conftest import rss, sample_items
from nashra.aggregator.config import FetchConfig
from nashra.aggregator.fetch import Fetcher, FetchError, parse_retry_after
import ipaddress

LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"),)
FEED = rss(sample_items(3))


def fetcher(**overrides) -> Fetcher:
    base = dict(allow_private_networks=LOOPBACK, connect_timeout=2, read_timeout=2, total_timeout=3,
                user_agent="Nashra/test (+http://127.0.0.1/)")
    return Fetcher(FetchConfig(**{**base, **overrides}))


def test_plain_fetch_sends_our_user_agent(server):
    url = server.route("/feed", FEED)
    with fetcher() as f:
        result = f.fetch(url)
    assert result.status == 200 and result.body == FEED.encode()
    assert result.headers["content-type"].startswith("application/rss+xml")
    assert server.hits["/feed"][0]["user-agent"].startswith("Nashra/")
    assert "gzip" in server.hits["/feed"][0]["accept-encoding"]


def test_etag_and_last_modified_give_304(server):
    url = server.route("/feed", FEED, etag='"v1"', last_modified="Fri, 27 Nov 2026 10:00:00 GMT")
    with fetcher() as f:
        first = f.fetch(url)
        again = f.fetch(url, etag=first.headers["etag"], last_modified=first.headers["last-modified"])
    assert first.status == 200 and again.status == 304 and again.not_modified and again.body is None
    assert server.hits["/feed"][1]["if-none-match"] == '"v1"'


def test_gzip_body_is_decoded(server):
    url = server.route("/feed", FEED, gzip=True)
    with fetcher() as f:
        assert f.fetch(url).body == FEED.encode()


def test_gzip_bomb_is_cut_at_the_cap_without_inflating(server):
    buffer = io.BytesIO()
    with gzip.GzipFile(fileobj=buffer, mode="wb", compresslevel=9) as handle:
        for _ in range(256):  # 256 MiB of spaces in about 256 KiB
            handle.write(b" " * (1 << 20))
    url = server.route("/bomb", buffer.getvalue(), raw_encoding="gzip")
    rss_before = psutil.Process().memory_info().rss
    with fetcher(max_body_bytes=2 << 20) as f, pytest.raises(FetchError, match="larger than the cap"):
        f.fetch(url)
    assert psutil.Process().memory_info().rss - rss_before < 64 << 20


@pytest.mark.parametrize("raw", [False, True])
def test_deflate_bomb_is_cut_at_the_cap(server, raw):
    compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
    body = b"".join(compressor.compress(b" " * (1 << 20)) for _ in range(64)) + compressor.flush()
    url = server.route("/deflate", body, raw_encoding="deflate")
    with fetcher(max_body_bytes=1 << 20) as f, pytest.raises(FetchError, match="larger than the cap"):
        f.fetch(url)
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
    small = packer.compress(FEED.encode()) + packer.flush()
    with fetcher() as f:  # both deflate forms servers send (zlib-wrapped and raw) are read
        assert f.fetch(server.route("/ok", small, raw_encoding="deflate")).body == FEED.encode()


def test_endless_body_is_cut_at_the_cap(server):
    url = server.route("/endless", endless=True)
    with fetcher(max_body_bytes=1 << 20) as f, pytest.raises(FetchError, match="larger than the cap"):
        f.fetch(url)


def test_declared_length_over_the_cap_is_refused_before_reading(server):
    url = server.route("/big", b"x" * (3 << 20))
    with fetcher(max_body_bytes=1 << 20) as f, pytest.raises(FetchError, match="larger than the cap"):
        f.fetch(url)


def test_dripping_server_is_cut_at_the_total_timeout(server):
    url = server.route("/drip", FEED, drip=0.2)
    started = time.monotonic()
    with fetcher(total_timeout=1.5) as f, pytest.raises(FetchError, match="timed out|time limit"):
        f.fetch(url)
    assert time.monotonic() - started < 4


def test_server_that_never_answers_times_out(server):
    url = server.route("/hang", hang=True)
    started = time.monotonic()
    with fetcher(read_timeout=10, total_timeout=1.5) as f, pytest.raises(FetchError, match="timed out|time limit"):
        f.fetch(url)
    assert time.monotonic() - started < 4


def test_permanent_redirect_reports_the_new_url(server):
    new = server.route("/new", FEED)
    old = server.route("/old", status=301, location="/new")
    with fetcher() as f:
        result = f.fetch(old)
    assert result.status == 200 and result.url == new and result.permanent_url == new


def test_temporary_redirect_keeps_the_url(server):
    server.route("/new", FEED)
    old = server.route("/old", status=302, location="/new")
    with fetcher() as f:
        assert f.fetch(old).permanent_url is None


def test_too_many_redirects_and_loops_are_refused(server):
    for i in range(7):
        server.route(f"/r{i}", status=302, location=f"/r{i + 1}")
    server.route("/r7", FEED)
    loop = server.route("/loop", status=301, location="/loop")
    with fetcher() as f:
        with pytest.raises(FetchError, match="more than 5 redirects"):
            f.fetch(server.url("/r0"))
        with pytest.raises(FetchError, match="more than 5 redirects"):
            f.fetch(loop)
        assert f.fetch(server.url("/r2")).status == 200  # five hops are fine


@pytest.mark.parametrize("target", ["http://169.254.169.254/latest/meta-data/", "http://10.1.2.3/feed",
                                    "http://[::1]:9/feed", "http://100.64.0.1/", "file:///etc/passwd"])
def test_redirect_to_a_private_address_is_refused(server, target):
    url = server.route("/evil", status=302, location=target)
    with fetcher() as f, pytest.raises(FetchError, match="refused"):
        f.fetch(url)


def test_loopback_is_refused_unless_allowed(server):
    url = server.route("/feed", FEED)
    with fetcher(allow_private_networks=()) as f, pytest.raises(FetchError, match="refused to connect"):
        f.fetch(url)


def test_gone_and_retry_after(server):
    gone = server.route("/gone", status=410)
    busy = server.route("/busy", status=429, headers={"Retry-After": "120"})
    down = server.route("/down", status=503, headers={"Retry-After": "Fri, 01 Jan 2100 00:00:00 GMT"})
    with fetcher() as f:
        with pytest.raises(FetchError) as info:
            f.fetch(gone)
        assert info.value.gone and info.value.status == 410
        with pytest.raises(FetchError) as info:
            f.fetch(busy)
        assert info.value.retry_after == 120 and not info.value.gone
        with pytest.raises(FetchError) as info:
            f.fetch(down)
        assert info.value.retry_after > 86400


def test_retry_after_forms():
    assert parse_retry_after("30") == 30
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
    assert parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT") == 0
