"""Read replicas: reads spread over PostgreSQL replicas, writes on the primary, and every client
reads its own writes.

Configured by DATABASE_REPLICA_URLS (comma-separated); without it everything uses the primary
and none of this does anything. The rules:

- Writes go to the primary (`default`), and so do all reads of a request that writes (an
  unsafe method): a service validates against what it is about to change.
- Accounts, permissions, sessions, API tokens and login attempts are read from the primary: a
  token issued a moment ago must work on the next request.
- After a write, the same client's reads stay on the primary for TRACKER_REPLICA_PIN_SECONDS
  (default 10; replication lag is normally well under a second): browser and session clients
  through a cookie, token clients through a mark in the shared cache (Redis in production),
  checked once the token is authenticated.
- Everything else — lists, details, exports, the change feed — reads a replica, chosen at
  random per query.
"""

import random
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache

from tracker import conf

PIN_COOKIE = "tracker_primary"
PRIMARY_APPS = frozenset({"auth", "sessions", "axes", "contenttypes", "admin"})
_pinned: ContextVar[bool] = ContextVar("tracker_pinned_to_primary", default=False)


def replicas() -> list[str]:
    """The replicas' database aliases (settings: one per DATABASE_REPLICA_URLS entry)."""
    return conf.REPLICAS


def pin_seconds() -> int:
    return int(conf.REPLICA_PIN_SECONDS)


def pin_to_primary() -> None:
    """The rest of this request reads the primary."""
    _pinned.set(True)


@contextmanager
def primary_only() -> Iterator[None]:
    """Within the block, every read goes to the primary (a release's reads: tracker.release_tables
    switches the tables on the primary's connection only)."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


def _user_key(user_id) -> str:
    return f"tracker:primary-pin:{user_id}"


def user_wrote_recently(user_id) -> bool:
    return bool(replicas()) and cache.get(_user_key(user_id)) is not None


class ReplicaRouter:
    """Django database router (DATABASE_ROUTERS) implementing the rules above."""

    def db_for_read(self, model, **hints):
        names = replicas()
        if not names or _pinned.get() or model._meta.app_label in PRIMARY_APPS or model._meta.model_name == "apitoken":
            return "default"
        return random.choice(names)  # nosec B311 - load spreading, not security

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # replicas hold the same data as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == "default"


class ReplicaPinMiddleware:
    """Pins a request to the primary when it writes or its client wrote within the pin time,
    and marks the client after a successful write (cookie; cache mark for its user)."""

    SAFE = frozenset({"GET", "HEAD", "OPTIONS"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replicas():
            return self.get_response(request)
        writes = request.method not in self.SAFE
        token = _pinned.set(writes or PIN_COOKIE in request.COOKIES)
        try:
            response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if writes and response.status_code < 400:
            response.set_cookie(PIN_COOKIE, "1", max_age=pin_seconds(), httponly=True, samesite="Lax", secure=request.is_secure())
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                cache.set(_user_key(user.pk), 1, pin_seconds())
        return response
