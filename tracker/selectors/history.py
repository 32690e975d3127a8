"""Reading a record's change history: entries newest first, each with what it changed."""

from dataclasses import dataclass
from typing import Any

from django.db import models

# Bookkeeping that changes on every write; the entry itself says who, when and which version.
NOT_A_CHANGE = {"version", "created_at", "updated_at", "created_by", "updated_by", "name_key"}
HISTORY_TYPES = {"+": "created", "~": "changed", "-": "deleted"}


@dataclass
class Change:
    field: str
    old: Any
    new: Any


def history_of(model: type[models.Model], pk) -> models.QuerySet:
    """All historical rows of one record, newest first (works for trashed and purged records)."""
    return model.history.filter(id=pk).select_related("history_user").order_by("-history_date", "-history_id")


def tracked_fields(model: type[models.Model]) -> list[models.Field]:
    return [f for f in model.history.model.tracked_fields if f.name not in NOT_A_CHANGE and f.name != "id"]


def _value(entry, field: models.Field):
    return getattr(entry, field.attname)


def changes(entry, previous, fields: list[models.Field]) -> list[Change]:
    """What `entry` changed relative to `previous` (the record's prior state, or None when it
    was created: then every set field is listed with old = None)."""
    result = []
    for field in fields:
        new = _value(entry, field)
        old = _value(previous, field) if previous is not None else None
        if previous is None and new in (None, "", [], {}):
            continue
        if old != new:
            result.append(Change(field=field.name, old=old, new=new))
    return result


def with_changes(entries: list, older) -> list:
    """Annotate a page of entries (newest first) with `.changes`; `older` is the entry just
    before the page's last one (None at the start of the history), fetched by the caller so a
    page costs a constant number of queries."""
    if not entries:
        return entries
    fields = tracked_fields(entries[0].instance_type)
    chain = [*entries, older]
    for entry, previous in zip(entries, chain[1:], strict=True):
        entry.changes = [] if entry.history_type == "-" else changes(entry, previous, fields)
    return entries
