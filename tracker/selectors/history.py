"""Reading a record's change history: entries newest first, each with what it changed."""

from dataclasses import dataclass
from typing import Any

from django.db import models

from tracker.models import Incident
from tracker.selectors.visibility import unseen_incidents

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


def hide_unseen_links(entries: list, user) -> list:
    """Null, in a page of entries annotated by `with_changes`, the old and new values of links to
    incidents (an incident's `responds_to` or `merged_into`, a citation's `incident`...) that
    `user` may not see: a past value may name an incident never published, and its id is not
    the public's to see (tracker/representation/links.py). One query, none when nothing links."""
    if not entries:
        return entries
    links = {f.name for f in tracked_fields(entries[0].instance_type) if f.is_relation and f.related_model is Incident}
    changed = [c for e in entries for c in getattr(e, "changes", ()) if c.field in links]
    unseen = unseen_incidents((v for c in changed for v in (c.old, c.new)), user)
    if not unseen:
        return entries
    for change in changed:
        change.old = None if change.old in unseen else change.old
        change.new = None if change.new in unseen else change.new
    for entry in entries:  # a change between two unseen incidents is no change the reader can see
        entry.changes = [c for c in getattr(entry, "changes", ()) if c.field not in links or c.old != c.new]
    return entries
