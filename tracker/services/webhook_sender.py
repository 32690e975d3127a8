"""Sending one webhook request, safely: the network side of a delivery
(tracker/domain/webhooks.py says what the answer means).

A target URL is the subscriber's to choose, so it is treated as hostile:

- `https` only when DJANGO_ENV=production (plain `http` is for development receivers);
- the host is resolved here, at send time, and refused if any address it resolves to is not a
  public one — loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16,
  where cloud metadata services answer, fe80::/10), shared, multicast, unspecified or reserved —
  unless TRACKER_WEBHOOK_ALLOW_PRIVATE is set (development, tests); the connection then goes to
  the address that was checked, so a name that resolves elsewhere a second later (DNS rebinding)
  changes nothing;
- redirects are not followed (a 3xx is a failed delivery);
- TRACKER_WEBHOOK_TIMEOUT_SECONDS bounds the whole attempt, connecting to the last byte read,
  and at most READ_LIMIT bytes of the answer are read.
"""

import http.client
import ipaddress
import socket
import ssl
import time
import urllib.parse
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from django.conf import settings

from tracker import conf

READ_LIMIT = 64 * 1024
EXCERPT_BYTES = 1024  # of the answer, kept in the delivery log
USER_AGENT = "ceasefire-tracker-webhooks/1"


class TargetRefused(Exception):
    """The URL may not be delivered to; the message says why (shown to the subscription's owner)."""


@dataclass(frozen=True)
class Attempt:
    """What one request got: the status (None: no answer — refused, timed out, reset), how long
    it took, the first bytes of the answer, the receiver's Retry-After, and the error if any."""

    status: int | None
    latency_ms: int
    excerpt: str = ""
    retry_after: timedelta | None = None
    error: str = ""


def check_url(url: str) -> urllib.parse.SplitResult:
    """The URL's parts, if its form may be delivered to (scheme, host, no credentials); the
    addresses are checked at send time."""
    parts = urllib.parse.urlsplit(url)
    schemes = ("https",) if getattr(settings, "PRODUCTION", False) else ("https", "http")
    if parts.scheme not in schemes:
        raise TargetRefused(f"The URL must use {' or '.join(schemes)}.")
    if not parts.hostname:
        raise TargetRefused("The URL has no host.")
    if parts.username or parts.password:
        raise TargetRefused("The URL must not carry credentials.")
    try:
        port = parts.port  # raises on a port out of range
    except ValueError as error:
        raise TargetRefused("The URL's port is not valid.") from error
    if port == 0:
        raise TargetRefused("The URL's port is not valid.")
    return parts


def _refused_address(address: str) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_unspecified):
        return None
    kind = next(
        (
            name
            for name, flag in (
                ("unspecified", ip.is_unspecified),
                ("loopback", ip.is_loopback),
                ("link-local", ip.is_link_local),
                ("multicast", ip.is_multicast),
                ("private", ip.is_private),
            )
            if flag
        ),
        "non-public",
    )
    return f"{ip}, {'an' if kind[0] in 'aeiou' else 'a'} {kind} address"


def resolve(host: str, port: int) -> str:
    """The address to connect to: the host's first address, if every address it resolves to
    may be delivered to."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise TargetRefused(f"The host {host!r} does not resolve.") from error
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not conf.WEBHOOK_ALLOW_PRIVATE:
        for address in addresses:
            if reason := _refused_address(address):
                raise TargetRefused(f"The host {host!r} resolves to {reason}: not delivered to.")
    return addresses[0]


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to an address already checked, with the certificate checked against the host name."""

    def __init__(self, address: str, host: str, port: int, timeout: float):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def _retry_after(value: str | None) -> timedelta | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - datetime.now(UTC), timedelta(0))


def post(url: str, body: bytes, headers: dict[str, str]) -> Attempt:
    """POST `body` to `url` once. Raises TargetRefused for a URL that may not be delivered to;
    any network failure is an Attempt without a status."""
    parts = check_url(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = resolve(parts.hostname, port)
    timeout = float(conf.WEBHOOK_TIMEOUT_SECONDS)
    started = time.monotonic()
    if parts.scheme == "https":
        connection = _PinnedHTTPS(address, parts.hostname, port, timeout)
    else:
        connection = http.client.HTTPConnection(address, port, timeout=timeout)
    path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
    host = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    request_headers = {
        **headers,
        "Host": host,
        "User-Agent": USER_AGENT,
        "Content-Type": "application/json",
        "Content-Length": str(len(body)),
    }
    try:
        connection.request("POST", path, body=body, headers=request_headers)
        response = connection.getresponse()
        answer = b""
        while len(answer) < READ_LIMIT:
            if time.monotonic() - started > timeout:
                raise TimeoutError("the answer took too long")
            piece = response.read1(READ_LIMIT - len(answer))
            if not piece:
                break
            answer += piece
        return Attempt(
            status=response.status,
            latency_ms=round(1000 * (time.monotonic() - started)),
            excerpt=answer[:EXCERPT_BYTES].decode("utf-8", "replace"),
            retry_after=_retry_after(response.getheader("Retry-After")),
        )
    except (OSError, http.client.HTTPException) as error:
        return Attempt(
            status=None,
            latency_ms=round(1000 * (time.monotonic() - started)),
            error=type(error).__name__ + (f": {error}" if str(error) else ""),
        )
    finally:
        connection.close()
