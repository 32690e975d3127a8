"""Shared write mechanics: validate, stamp audit fields, bump the version, save."""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import models, transaction

from tracker.models.base import TrackedModel

M = TypeVar("M", bound=models.Model)


def acting_user(user):
    """The user to record, or None for anonymous/system writes."""
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def apply(instance: M, data: Mapping[str, Any]) -> M:
    """Set plain and foreign-key attributes from `data` (validated input) on `instance`."""
    for name, value in data.items():
        setattr(instance, name, value)
    return instance


def save_validated(instance: M, *, user) -> M:
    """Run every model and constraint check, stamp audit fields, bump the version, save.

    Raises django.core.exceptions.ValidationError with field names, which the API turns into a
    400 and the admin shows on the form.
    """
    creating = instance._state.adding
    if isinstance(instance, TrackedModel):
        actor = acting_user(user)
        if creating:
            instance.created_by = actor
            instance.version = 1
        else:
            instance.version += 1
        instance.updated_by = actor
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def create(model: type[M], *, data: Mapping[str, Any], user) -> M:
    """Create one `model` from validated data."""
    return save_validated(apply(model(), data), user=user)


@transaction.atomic
def update(instance: M, *, data: Mapping[str, Any], user) -> M:
    """Apply validated data to `instance` and save it."""
    return save_validated(apply(instance, data), user=user)


@transaction.atomic
def delete(instance: models.Model, *, user) -> None:
    """Delete `instance`. Protected references raise ProtectedError (the API answers 409)."""
    instance.delete()


def sync_children(parent: models.Model, relation: str, rows: Iterable[Mapping[str, Any]], key: str) -> None:
    """Make `parent.<relation>` hold exactly `rows` (dicts of child fields), matched on `key`.

    Children already present are updated in place (their ids stay stable), missing ones are
    deleted, new ones created and validated.
    """
    manager = getattr(parent, relation)
    existing = {getattr(child, key): child for child in manager.all()}
    wanted = {row[key]: row for row in rows}
    for value, child in existing.items():
        if value not in wanted:
            child.delete()
    fk_name = manager.field.name
    for value, row in wanted.items():
        child = existing.get(value) or manager.model(**{fk_name: parent})
        changed = child.pk is None or any(getattr(child, f) != v for f, v in row.items())
        if changed:
            apply(child, row)
            child.full_clean()
            child.save()
