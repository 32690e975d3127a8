"""Reading the records as they stood at an instant (`as_of=` on the API's lists and details),
from their history tables.

Every curated record, every verdict and every provenance grade keeps a full row per change
(django-simple-history, tracker.history). Within `reading(instant)` each of those live tables
reads as its history's latest row per record at or before the instant — a record created later
is absent, one purged since is back as it was, one edited since reads as it was then — through
tracker.shadow_tables, so the list's filters, rows, aggregates and exports run unchanged.

What is not in history reads as follows: whether a ceasefire's verdicts were being recomputed
(`VerdictRecompute`) reads as "not" (the answer is history, not a pending job); the verdict
rules' rows are append-only and read live. The compliance ledger is not served as of an
instant (the API refuses `as_of` there).

Withdrawals are respected: for readers who see only published incidents, an incident appears as
of an instant only if it was public then *and* is public now — a reviewer who took an incident out
of public view (or trashed it) took it out of its past too. Those who may see unpublished
incidents see the whole history. (A release, by contrast, is a deliberate publication: it keeps
what it froze.)

Cost: each read of a table finds the latest history row per record, a GROUP BY over its history
up to the instant, so it grows with the history (not measured at scale: the benchmark's seeded
million incidents are written without history); a release is the fast way to read a fixed
instant again and again.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from django.db import connection, models

from tracker.models.visibility import PUBLIC_STATUSES
from tracker.release_tables import released
from tracker.shadow_tables import live_table, shadowing

# A literal instant in a view (views take no parameters): nothing but what isoformat writes.
_INSTANT = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d{1,6})?(\+00:00)?$")


def historied() -> list[type[models.Model]]:
    """The models read as of an instant from their history: those a release copies that keep one
    (the rest are derived bookkeeping: `views` says how each reads)."""
    return [model for model, _ in released() if hasattr(model, "history")]


def _literal(instant: datetime) -> str:
    utc = instant.astimezone(UTC)
    if connection.vendor == "postgresql":
        text = utc.isoformat()
        cast = "::timestamptz"
    else:
        text, cast = connection.ops.adapt_datetimefield_value(utc), ""  # as SQLite stores them
    if not _INSTANT.match(text):
        raise ValueError(f"not an instant literal: {text!r}")
    return f"'{text}'{cast}"


def _as_of(model: type[models.Model], instant: str) -> str:
    """SELECT the live table's columns from the history's latest row per record at `instant`."""
    quote = connection.ops.quote_name
    history = quote(model.history.model._meta.db_table)
    key = quote(model._meta.pk.column)
    columns = ", ".join(f"h.{quote(field.column)}" for field in model._meta.concrete_fields)
    return (
        f"SELECT {columns} FROM {history} h WHERE h.history_type <> '-' AND h.history_id IN "  # nosec B608 - quoted names
        f"(SELECT MAX(history_id) FROM {history} WHERE history_date <= {instant} GROUP BY {key})"
    )


def views(instant: datetime, *, public: bool) -> dict[str, str]:
    """Each shadowed live table's SELECT as of `instant`, for the public or for those who see
    unpublished incidents."""
    from tracker.models import Incident, VerdictRecompute

    literal = _literal(instant)
    found = {model._meta.db_table: _as_of(model, literal) for model in historied()}
    if public:
        live = live_table(Incident._meta.db_table)
        statuses = ", ".join(f"'{status}'" for status in PUBLIC_STATUSES)  # the codebook's own words
        found[Incident._meta.db_table] += (
            f" AND h.id IN (SELECT id FROM {live} WHERE deleted_at IS NULL AND status IN ({statuses}))"  # nosec B608
        )
    recompute = VerdictRecompute._meta.db_table
    found[recompute] = f"SELECT * FROM {live_table(recompute)} WHERE 1 = 0"  # nosec B608 - quoted name
    return found


@contextmanager
def reading(instant: datetime, *, public: bool) -> Iterator[None]:
    """Within the block, the records read as they stood at `instant` (aware)."""
    with shadowing(views(instant, public=public)):
        yield


def streamed(instant: datetime, public: bool, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A streamed body read as of `instant` (it is produced after the view has returned)."""
    with reading(instant, public=public):
        yield from chunks
