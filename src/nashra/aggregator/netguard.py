"""The network edge: which addresses we may connect to (SSRF guard) and a total deadline per request.

Both are enforced inside httpcore's network backend, so they hold for every connection httpcore opens:
the address is checked *after* DNS resolution and we connect to the checked address itself (no second
lookup to rebind), and every socket read/write is cut at the request's wall-clock deadline, which a server
that drips one byte a second cannot extend.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from typing import Iterable

import httpcore

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddress(httpcore.ConnectError):
    """The host resolved only to addresses we refuse to connect to."""


def is_public(ip: IPAddress) -> bool:
    """True for globally routable unicast addresses (not loopback, private, link-local, CGNAT, ULA...)."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast and not ip.is_reserved


def address_allowed(ip: IPAddress, allowed: Iterable[Network]) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return is_public(ip) or any(ip.version == net.version and ip in net for net in allowed)


_deadline = threading.local()
_stop: threading.Event | None = None
_SLICE = 0.5  # a blocked read wakes this often to notice a stop request


def set_stop_event(event: threading.Event | None) -> None:
    """When `event` is set, every request in flight fails at its next read (a clean stop in seconds)."""
    global _stop
    _stop = event


def set_deadline(when: float | None) -> None:
    """Set the monotonic deadline for requests made from this thread (None: no deadline)."""
    _deadline.value = when


def _remaining(timeout: float | None) -> float | None:
    if _stop is not None and _stop.is_set():
        raise httpcore.ReadTimeout("stopping")
    when = getattr(_deadline, "value", None)
    if when is None:
        return timeout
    left = when - time.monotonic()
    if left <= 0:
        raise httpcore.ReadTimeout("total time limit for the request exceeded")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        # Read in short slices so that a stop request or the total deadline is noticed while waiting;
        # the read timeout itself still means "no byte for `timeout` seconds".
        start = time.monotonic()
        while True:
            left = _remaining(timeout)
            waited = time.monotonic() - start
            budget = None if left is None else (left if timeout is None else min(left, timeout - waited))
            if budget is not None and budget <= 0:
                raise httpcore.ReadTimeout("no data from the server in time")
            try:
                return self._inner.read(max_bytes, _SLICE if budget is None else min(budget, _SLICE))
            except httpcore.ReadTimeout:
                continue

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, _remaining(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        inner = self._inner.start_tls(ssl_context, server_hostname, _remaining(timeout))
        return _DeadlineStream(inner)

    def get_extra_info(self, info: str):
        return self._inner.get_extra_info(info)


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's sync backend with the address check and the per-request deadline."""

    def __init__(self, allowed: Iterable[Network] = ()) -> None:
        self._allowed = tuple(allowed)
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        timeout = _remaining(timeout)
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror}") from None
        addresses = []
        for *_, sockaddr in infos:
            ip = ipaddress.ip_address(sockaddr[0].split("%")[0])
            if address_allowed(ip, self._allowed) and str(ip) not in addresses:
                addresses.append(str(ip))
        if not addresses:
            shown = ", ".join(sorted({info[4][0] for info in infos}))
            raise BlockedAddress(
                f"refused to connect to {host} ({shown}): private, loopback or link-local address "
                "not allowed by fetch.allow_private_networks"
            )
        last: Exception | None = None
        for address in addresses:
            try:
                stream = self._inner.connect_tcp(address, port, timeout, local_address, socket_options)
                return _DeadlineStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.ConnectError("unix sockets are not used for feeds")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)
