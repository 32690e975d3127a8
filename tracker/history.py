"""Change history of every curated record (django-simple-history), with who, when, through
which channel and why.

Why simple-history: it stores a full snapshot per change in a per-model table (so a record can
be shown or restored as it was at any point, even after it was purged), it has bulk helpers
for the recompute path, and its admin gives history pages with diffs and revert. The service
layer decides *who* (the acting user on the instance); this module adds the *channel* (admin,
api, import, command, system) and the *reason*, carried in a context variable so that derived
writes (verdicts recomputed after an edit) are attributed to the request that caused them.
"""

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from django.db import models
from simple_history.models import HistoricalRecords


class Channel(models.TextChoices):
    ADMIN = "admin", "Admin"
    API = "api", "API"
    IMPORT = "import", "Import"
    COMMAND = "command", "Management command"
    SYSTEM = "system", "System"


@dataclass(frozen=True)
class Context:
    channel: str = Channel.SYSTEM
    reason: str = ""
    user: object = None


# Context is a frozen dataclass, so sharing the default instance is safe.
_current: contextvars.ContextVar[Context] = contextvars.ContextVar("tracker_history", default=Context())  # noqa: B039


def current() -> Context:
    return _current.get()


def current_channel() -> str:
    """Default of every historical row's `history_channel` (bulk paths included)."""
    return _current.get().channel


@contextmanager
def history_context(**changes) -> Iterator[Context]:
    """Within the block, history rows carry these channel/reason/user values unless a write
    sets its own. Nested blocks override only what they name."""
    token = _current.set(replace(_current.get(), **changes))
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def bind(**changes) -> None:
    """Change the current context until the enclosing `history_context` ends (the request
    middleware's: DRF authenticates inside the view, so the user is known only then)."""
    _current.set(replace(_current.get(), **changes))


class HistoryChannel(models.Model):
    """Abstract base of the historical tables: the channel a change came through."""

    history_channel = models.CharField(max_length=10, choices=Channel.choices, default=current_channel)

    class Meta:
        abstract = True


class TrackerHistory(HistoricalRecords):
    """HistoricalRecords whose user and reason fall back to the current history context."""

    def __init__(self, **kwargs):
        kwargs.setdefault("bases", [HistoryChannel])
        super().__init__(**kwargs)

    def get_history_user(self, instance):
        user = getattr(instance, "_history_user", None) or current().user
        return user if getattr(user, "is_authenticated", False) else None

    def get_change_reason_for_object(self, instance, history_type, using):
        return getattr(instance, "_change_reason", None) or current().reason or None


def record_as(instance: models.Model, user) -> models.Model:
    """Mark who makes the next save/delete of `instance` (read by TrackerHistory)."""
    instance._history_user = user if getattr(user, "is_authenticated", False) else None
    return instance


def bulk_defaults() -> dict:
    """Keyword arguments for simple-history's bulk helpers from the current context."""
    ctx = current()
    user = ctx.user if getattr(ctx.user, "is_authenticated", False) else None
    return {"default_user": user, "default_change_reason": ctx.reason or None}
