"""Shared write mechanics: validate, stamp audit fields, compare-and-set the version, save —
and the trash (soft delete, restore, purge).

Every write of a curated record goes through `save_validated` or `delete`, so each records
exactly one history row (tracker.history) with its user.
"""

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import F, ProtectedError
from django.utils import timezone

from tracker.history import record_as
from tracker.models.base import SoftDeletable, TrackedModel

M = TypeVar("M", bound=models.Model)


class VersionConflict(Exception):
    """The record changed since the writer read it: its version is no longer the expected one.

    The API answers 412 with `current_version`; the admin shows a conflict message.
    """

    def __init__(self, instance: models.Model, expected: Iterable[int], current_version: int | None):
        self.instance, self.expected, self.current_version = instance, list(expected), current_version
        label = f"{instance._meta.verbose_name} {instance.pk}"
        super().__init__(
            f"{label} has changed since you read it: it is at version {current_version}, not {', '.join(map(str, self.expected))}."
        )


def _derive(instance: models.Model, created: bool = False) -> None:
    """Run what follows a write of this record (tracker.services.derived declares it)."""
    from tracker.services.derived import AFTER_WRITE  # it names functions of services that import this module

    for function in AFTER_WRITE.get(instance._meta.concrete_model, ()):
        function(instance, created)


def acting_user(user):
    """The user to record, or None for anonymous/system writes."""
    return user if user is not None and getattr(user, "is_authenticated", False) else None


def apply(instance: M, data: Mapping[str, Any]) -> M:
    """Set plain and foreign-key attributes from `data` (validated input) on `instance`."""
    for name, value in data.items():
        setattr(instance, name, value)
    return instance


def claim_version(instance: TrackedModel, expected: Iterable[int] | None = None) -> None:
    """Atomically move `instance`'s row from an expected version to the next one.

    One conditional UPDATE (`... SET version = version + 1 WHERE id = %s AND version IN (...)`):
    of two writers holding the same version exactly one matches; the other's UPDATE finds no
    row (PostgreSQL re-checks the condition after the first commits) and gets VersionConflict.
    Without `expected`, the version the caller read is expected. Must run inside a transaction,
    so the claim is undone if the write that follows fails validation.
    """
    expected = [instance.version] if expected is None else list(expected)
    manager = type(instance)._base_manager
    if not manager.filter(pk=instance.pk, version__in=expected).update(version=F("version") + 1):
        current = manager.filter(pk=instance.pk).values_list("version", flat=True).first()
        raise VersionConflict(instance, expected, current)
    instance.version = manager.filter(pk=instance.pk).values_list("version", flat=True).get()


@transaction.atomic
def save_validated(instance: M, *, user, expected_version: Iterable[int] | None = None) -> M:
    """Run every model and constraint check, stamp audit fields, claim the next version, save.

    Raises django.core.exceptions.ValidationError with field names, which the API turns into a
    400 and the admin shows on the form, and VersionConflict when the record moved on.
    """
    creating = instance._state.adding
    if isinstance(instance, TrackedModel):
        actor = acting_user(user)
        if creating:
            instance.created_by = actor
            instance.version = 1
        else:
            claim_version(instance, expected_version)
        instance.updated_by = actor
    instance.full_clean()
    record_as(instance, user).save()
    _derive(instance, creating)
    return instance


def create(model: type[M], *, data: Mapping[str, Any], user) -> M:
    """Create one `model` from validated data."""
    return save_validated(apply(model(), data), user=user)


def update(instance: M, *, data: Mapping[str, Any], user, expected_version: Iterable[int] | None = None) -> M:
    """Apply validated data to `instance` and save it (compare-and-set on its version)."""
    return save_validated(apply(instance, data), user=user, expected_version=expected_version)


def _live_referrers(instance: models.Model) -> list[models.Model]:
    """Live records that protect `instance` (PROTECT foreign keys pointing at it)."""
    blockers: list[models.Model] = []
    for rel in instance._meta.related_objects:
        if rel.one_to_many and rel.on_delete is models.PROTECT:
            blockers += rel.related_model._default_manager.filter(**{rel.field.name: instance})[:10]
    return blockers


def _owned_children(instance: models.Model) -> list[tuple[type[SoftDeletable], str]]:
    """Soft-deletable models deleted along with `instance` (CASCADE foreign keys)."""
    return [
        (rel.related_model, rel.field.name)
        for rel in instance._meta.related_objects
        if rel.one_to_many and rel.on_delete is models.CASCADE and issubclass(rel.related_model, SoftDeletable)
    ]


@transaction.atomic
def delete(instance: models.Model, *, user, expected_version: Iterable[int] | None = None) -> None:
    """Delete `instance`: to the trash for soft-deletable records (with the live records it owns,
    stamped with the same instant), for good otherwise. Records that protect it refuse the
    delete (ProtectedError; the API answers 409)."""
    if isinstance(instance, SoftDeletable):
        blockers = _live_referrers(instance)
        if blockers:
            raise ProtectedError(f"Cannot delete {instance}: other records refer to it.", blockers)
        now = timezone.now()
        for model, fk in _owned_children(instance):
            for child in model._default_manager.filter(**{fk: instance}):
                _trash(child, user=user, at=now)
        _trash(instance, user=user, at=now, expected_version=expected_version)
        return
    if isinstance(instance, TrackedModel):
        claim_version(instance, expected_version)
    _derive(instance)  # while it still has its id
    record_as(instance, user).delete()


def _trash(instance: SoftDeletable, *, user, at, expected_version=None) -> None:
    instance.deleted_at, instance.deleted_by = at, acting_user(user)
    save_validated(instance, user=user, expected_version=expected_version)


def _check_parents_live(instance: models.Model) -> None:
    """A record can only come back if what it points to is not in the trash."""
    errors = {}
    for field in instance._meta.concrete_fields:
        if field.many_to_one and issubclass(field.related_model, SoftDeletable):
            target_id = getattr(instance, field.attname)
            if target_id is not None and field.related_model.trashed.filter(pk=target_id).exists():
                errors[field.name] = (
                    f"{field.related_model._meta.verbose_name.capitalize()} {target_id} is in the trash; restore it first."
                )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def restore(instance: SoftDeletable, *, user, expected_version: Iterable[int] | None = None) -> SoftDeletable:
    """Bring a record back from the trash with the records deleted along with it. It comes back
    identical (same id, fields and links); only its version and audit fields move on."""
    if not instance.is_deleted:
        raise ValidationError({"deleted_at": "This record is not in the trash."})
    stamp = instance.deleted_at
    _check_parents_live(instance)
    instance.deleted_at = instance.deleted_by = None
    save_validated(instance, user=user, expected_version=expected_version)
    for model, fk in _owned_children(instance):
        for child in model.trashed.filter(**{fk: instance, "deleted_at": stamp}):
            _check_parents_live(child)
            child.deleted_at = child.deleted_by = None
            save_validated(child, user=user)
    return instance


def purge_permission(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.purge_{model._meta.model_name}"


@transaction.atomic
def purge(instance: SoftDeletable, *, user, expected_version: Iterable[int] | None = None) -> None:
    """Remove a trashed record for good (reviewers only). Its history stays."""
    if user is not None and not user.has_perm(purge_permission(type(instance))):
        raise PermissionDenied(f"Only reviewers may purge {instance._meta.verbose_name_plural}.")
    if not instance.is_deleted:
        raise ValidationError({"deleted_at": "Only records in the trash can be purged; delete it first."})
    claim_version(instance, expected_version)
    # Children trashed with it go too; anything else still pointing at it protects it (409).
    for model, fk in _owned_children(instance):
        for child in model.all_objects.filter(**{fk: instance}):
            record_as(child, user).delete()
    record_as(instance, user).delete()


def sync_children(parent: models.Model, relation: str, rows: Iterable[Mapping[str, Any]], key: str, *, user=None) -> None:
    """Make `parent.<relation>` hold exactly `rows` (dicts of child fields), matched on `key`.

    Children already present are updated in place (their ids stay stable), missing ones are
    deleted, new ones created and validated; each change is one history row.
    """
    manager = getattr(parent, relation)
    existing = {getattr(child, key): child for child in manager.all()}
    wanted = {row[key]: row for row in rows}
    for value, child in existing.items():
        if value not in wanted:
            delete(child, user=user)
    fk_name = manager.field.name
    for value, row in wanted.items():
        child = existing.get(value) or manager.model(**{fk_name: parent})
        changed = child.pk is None or any(getattr(child, f) != v for f, v in row.items())
        if changed:
            save_validated(apply(child, row), user=user)
