"""Bounded HTTP for feeds: our own client, never feedparser's (it has no timeout and no size cap).

Per request: connect/read timeouts and a total deadline (netguard), at most N redirects with every hop
re-checked, a cap on *decompressed* body bytes (a 1 MiB gzip bomb is cut at the cap, not inflated),
conditional GET, and errors that say what happened in one line.
"""

from __future__ import annotations

import email.utils
import time
import zlib
from datetime import datetime, timezone
from urllib.parse import urljoin, urlsplit

import httpcore

from .config import FetchConfig
from .models import FetchResult
from .netguard import BlockedAddress, GuardedBackend, set_deadline

_CHUNK_OUT = 256 * 1024
_KEPT_HEADERS = (
    "etag", "last-modified", "content-type", "cache-control", "expires", "retry-after",
    "content-location", "content-language",
)


class FetchError(Exception):
    """A fetch that produced no feed. `retry_after` (seconds) when the server asked us to wait."""

    def __init__(self, message: str, *, status: int | None = None, retry_after: float | None = None,
                 gone: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after
        self.gone = gone


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class _Decoder:
    """Content-Encoding decoder whose output is bounded at every step."""

    def __init__(self, encoding: str, cap: int) -> None:
        self.cap = cap
        self.size = 0
        self.parts: list[bytes] = []
        encoding = encoding.strip().lower()
        if encoding in ("gzip", "x-gzip"):
            self._z = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self._z = None  # zlib-wrapped or raw: decided on the first bytes
            self._deflate = True
        elif encoding in ("", "identity"):
            self._z = None
            self._deflate = False
        else:
            raise FetchError(f"unsupported Content-Encoding {encoding!r}")

    def _keep(self, data: bytes) -> None:
        self.size += len(data)
        if self.size > self.cap:
            raise FetchError(f"body larger than the cap of {self.cap} bytes (after decompression)")
        self.parts.append(data)

    def feed(self, chunk: bytes) -> None:
        if self._z is None and getattr(self, "_deflate", False):
            raw = not (len(chunk) >= 2 and chunk[0] & 0x0F == 8 and (chunk[0] << 8 | chunk[1]) % 31 == 0)
            self._z = zlib.decompressobj(-zlib.MAX_WBITS if raw else zlib.MAX_WBITS)
        if self._z is None:
            self._keep(chunk)
            return
        try:
            data = self._z.decompress(chunk, _CHUNK_OUT)
            self._keep(data)
            while self._z.unconsumed_tail:
                self._keep(self._z.decompress(self._z.unconsumed_tail, _CHUNK_OUT))
        except zlib.error as exc:
            raise FetchError(f"broken compressed body: {exc}") from None

    def finish(self) -> bytes:
        if self._z is not None:
            try:
                self._keep(self._z.flush(_CHUNK_OUT))
            except zlib.error as exc:
                raise FetchError(f"broken compressed body: {exc}") from None
        return b"".join(self.parts)


class Fetcher:
    """One connection pool shared by the worker threads. Thread-safe."""

    def __init__(self, config: FetchConfig) -> None:
        self.config = config
        self._pool = httpcore.ConnectionPool(
            max_connections=max(4, config.workers * 2),
            keepalive_expiry=30.0,
            network_backend=GuardedBackend(config.allow_private_networks),
        )

    def close(self) -> None:
        self._pool.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def fetch(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> FetchResult:
        """GET a feed. Returns a 200 or 304 result; raises FetchError for everything else."""
        cfg = self.config
        started = time.monotonic()
        set_deadline(started + cfg.total_timeout)
        try:
            return self._follow(url, etag, last_modified, started)
        except FetchError:
            raise
        except BlockedAddress as exc:
            raise FetchError(str(exc)) from None
        except httpcore.TimeoutException as exc:
            raise FetchError(f"timed out: {exc or 'no answer in time'}") from None
        except httpcore.ProtocolError as exc:
            raise FetchError(f"HTTP protocol error: {exc}") from None
        except (httpcore.NetworkError, OSError) as exc:
            raise FetchError(f"network error: {exc}") from None
        except httpcore.UnsupportedProtocol as exc:
            raise FetchError(f"unsupported URL: {exc}") from None
        finally:
            set_deadline(None)

    def _follow(self, url: str, etag: str | None, last_modified: str | None, started: float) -> FetchResult:
        cfg = self.config
        permanent = True
        for hop in range(cfg.max_redirects + 1):
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise FetchError(f"refused URL {url!r}: only http and https are fetched")
            headers = [
                (b"User-Agent", cfg.user_agent.encode()),
                (b"Accept", b"application/atom+xml, application/rss+xml, application/xml;q=0.9, */*;q=0.5"),
                (b"Accept-Encoding", b"gzip, deflate"),
            ]
            if etag:
                headers.append((b"If-None-Match", etag.encode("latin-1", "replace")))
            if last_modified:
                headers.append((b"If-Modified-Since", last_modified.encode("latin-1", "replace")))
            timeouts = {"connect": cfg.connect_timeout, "read": cfg.read_timeout,
                        "write": cfg.read_timeout, "pool": cfg.total_timeout}
            with self._pool.stream("GET", url, headers=headers, extensions={"timeout": timeouts}) as resp:
                status = resp.status
                head = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in resp.headers}
                if status in (301, 302, 303, 307, 308):
                    location = head.get("location")
                    if not location:
                        raise FetchError(f"HTTP {status} redirect without a Location header", status=status)
                    permanent = permanent and status in (301, 308)
                    url = urljoin(url, location.strip())
                    continue
                kept = {k: head[k] for k in _KEPT_HEADERS if k in head}
                if status == 304:
                    return FetchResult(url=url, status=304, headers=kept,
                                       permanent_url=url if hop and permanent else None,
                                       elapsed=time.monotonic() - started)
                if status == 410:
                    raise FetchError("HTTP 410 Gone: the feed was removed by its publisher", status=410, gone=True)
                if status != 200:
                    retry = parse_retry_after(head.get("retry-after")) if status in (429, 503) else None
                    raise FetchError(f"HTTP {status}", status=status, retry_after=retry)
                body = self._read_body(resp, head, started)
                return FetchResult(url=url, status=200, body=body, headers=kept,
                                   permanent_url=url if hop and permanent else None,
                                   elapsed=time.monotonic() - started)
        raise FetchError(f"more than {cfg.max_redirects} redirects")

    def _read_body(self, resp: httpcore.Response, head: dict[str, str], started: float) -> bytes:
        cap = self.config.max_body_bytes
        length = head.get("content-length", "")
        encoding = head.get("content-encoding", "")
        if length.isdigit() and int(length) > cap and encoding in ("", "identity"):
            raise FetchError(f"body of {int(length)} bytes is larger than the cap of {cap} bytes")
        decoder = _Decoder(encoding, cap)
        for chunk in resp.iter_stream():
            decoder.feed(chunk)
            if time.monotonic() - started > self.config.total_timeout:
                raise FetchError(f"timed out: body not complete after {self.config.total_timeout:g} s")
        return decoder.finish()
