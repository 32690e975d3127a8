"""Who the client is, behind the proxies we trust — one rule for throttles, login lockouts and logs.

`TRACKER_PROXY_COUNT` says how many reverse proxies stand in front of the app servers (0: the
client connects directly). Each proxy appends the address it saw to `X-Forwarded-For`, so with
N proxies the client's address is the Nth entry from the right: anything left of it was written
by the client and proves nothing. With no proxies the header is ignored altogether — a client
that sends a random `X-Forwarded-For` with each request gets no fresh throttle bucket (it did:
DRF keys anonymous throttles on the raw header unless told how many proxies there are).
"""

import logging

from tracker import conf


def proxy_count() -> int:
    return max(0, int(conf.PROXY_COUNT))


def client_address(request) -> str:
    """The client's address as the outermost trusted proxy saw it (REMOTE_ADDR without proxies)."""
    meta = getattr(request, "META", {})
    remote = meta.get("REMOTE_ADDR", "") or ""
    count = proxy_count()
    if count == 0:
        return remote
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if not forwarded:
        return remote
    # Fewer entries than proxies: the chain is shorter than configured; its first entry is the
    # furthest address any trusted proxy reported.
    return forwarded[-min(count, len(forwarded))][:64]


class ClientAddressFilter(logging.Filter):
    """Adds `client` (tracker.proxies.client_address) to log records that carry a request
    (django.request, django.security), so logs name the client rather than the proxy."""

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        record.client = client_address(request) if request is not None else "-"
        return True
