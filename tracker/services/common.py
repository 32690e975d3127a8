"""Shared write mechanics: validate, stamp audit fields, compare-and-set the version, save —
and the trash (soft delete, restore, purge).

Every write of a curated record goes through `save_validated` or `delete`, so each records
exactly one history row (tracker.history) with its user.
"""

from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
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


# The changes of the service operation under way (tracker.services.derived), or None outside one.
_operation: ContextVar[list | None] = ContextVar("tracker_write_operation", default=None)

# How many times the derived data's own writes may call for more derived data in one operation
# (a report relinked by syndication has its provenance refreshed: two rounds).
MAX_DERIVED_ROUNDS = 8


@contextmanager
def operation() -> Iterator[None]:
    """One service operation: a transaction (a savepoint when nested) whose writes are recorded
    as changes, and whose derived data is brought up to date once, at the end of the outermost
    operation, still inside its transaction (tracker.services.derived declares what and how).

    Every service function runs in one (a decorator: `@common.operation()`), and so does an
    import row, an admin form with its inlines, a bulk upsert: however many records it writes,
    each derived datum is computed once, from the state the whole operation leaves. A nested
    operation that fails takes its changes with it, as its savepoint takes its writes.
    """
    outer = _operation.get()
    changes: list = []
    token = _operation.set(changes)
    try:
        with transaction.atomic():
            yield
            if outer is None:
                _settle(changes)
    finally:
        _operation.reset(token)
    if outer is not None:
        outer.extend(changes)


def _settle(changes: list) -> None:
    """Run the derived-data rules over an operation's changes; what the rules write in turn
    (a relinked copy, say) is settled in the next round."""
    from tracker.services.derived import run  # the rules call services that import this module

    for _ in range(MAX_DERIVED_ROUNDS):
        if not changes:
            return
        pending, changes = changes, []
        token = _operation.set(changes)
        try:
            run(pending)
        finally:
            _operation.reset(token)
    raise RuntimeError(f"derived data still changing after {MAX_DERIVED_ROUNDS} rounds: {changes[:3]!r}")


def _record(instance: models.Model, kind: str, *, user, before: Mapping[str, Any] | None, hints) -> None:
    from tracker.services.derived import Change

    change = Change(instance=instance, pk=instance.pk, kind=kind, before=before, user=user, hints=hints or {})
    _operation.get().append(change)


def snapshot(instance: models.Model, names: Iterable[str]) -> dict[str, Any]:
    """The current values of these fields (names or attnames), keyed by attname: what a write
    compares against to say which fields it changed."""
    values = {}
    for name in names:
        try:
            attname = instance._meta.get_field(name).attname
        except FieldDoesNotExist:
            continue  # not a concrete field (a service's own argument)
        values[attname] = getattr(instance, attname)
    return values


def _changed_fields(instance: models.Model, before: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if before is None:
        return None
    return {attname: value for attname, value in before.items() if getattr(instance, attname) != value}


@dataclass
class Tally:
    """How many records a batch of writes created, updated or found already as they should be
    (extended by a recompute's `Counts` and an import's `Summary`)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class Writes:
    """How the API and the admin write one kind of record: its service functions, and the
    keyword its update and delete take the instance by. Each service module declares its own
    (`gazetteer.PLACES`, `incidents.INCIDENTS`...); viewsets and admin classes name it."""

    create: Callable[..., Any]
    update: Callable[..., Any]
    delete: Callable[..., Any]
    instance_kwarg: str
    restore: Callable[..., Any] | None = None  # common.restore unless the record needs its own checks

    @classmethod
    def plain(cls, model: type[models.Model]) -> "Writes":
        """The writes of a record with no rule of its own beyond its validation and the derived
        data it feeds (sources, citations): common's create, update and delete."""
        return cls(partial(create, model), update, delete, instance_kwarg="instance")

    def update_instance(self, instance, **kwargs):
        return self.update(**{self.instance_kwarg: instance}, **kwargs)

    def delete_instance(self, instance, **kwargs):
        return self.delete(**{self.instance_kwarg: instance}, **kwargs)

    def restore_instance(self, instance, **kwargs):
        return (self.restore or restore)(instance, **kwargs)


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


@operation()
def save_validated(
    instance: M,
    *,
    user,
    expected_version: Iterable[int] | None = None,
    before: Mapping[str, Any] | None = None,
    hints: Mapping[str, Any] | None = None,
) -> M:
    """Run every model and constraint check, stamp audit fields, claim the next version, save.

    Raises django.core.exceptions.ValidationError with field names, which the API turns into a
    400 and the admin shows on the form, and VersionConflict when the record moved on.
    `before` (a `snapshot` taken before the fields were set) tells the derived-data rules which
    fields changed; without it they take any field to have. `hints`: what the caller already
    computed that a rule would otherwise compute again (tracker.services.derived).
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
    changed = None if creating else _changed_fields(instance, before)
    record_as(instance, user).save(update_fields=_prose_update(instance, changed))
    _record(instance, "created" if creating else "updated", user=user, before=changed, hints=hints)
    return instance


def _prose_update(instance: models.Model, changed: Mapping[str, Any] | None) -> list[str] | None:
    """The columns to save when an update changed nothing but the model's prose (its
    PROSE_FIELDS) — those and the audit fields, an UPDATE that leaves cached lists in place
    (tracker.generation) — else None: every column."""
    prose = getattr(type(instance), "PROSE_FIELDS", frozenset())
    if changed is None or not prose or not set(changed) <= prose:
        return None
    return [*sorted(changed), "updated_at", "updated_by"]


def create(model: type[M], *, data: Mapping[str, Any], user) -> M:
    """Create one `model` from validated data."""
    return save_validated(apply(model(), data), user=user)


def update(instance: M, *, data: Mapping[str, Any], user, expected_version: Iterable[int] | None = None) -> M:
    """Apply validated data to `instance` and save it (compare-and-set on its version)."""
    before = snapshot(instance, data)
    return save_validated(apply(instance, data), user=user, expected_version=expected_version, before=before)


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


@operation()
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
    _record(instance, "deleted", user=user, before=None, hints=None)  # while it still has its id
    record_as(instance, user).delete()


def _trash(instance: SoftDeletable, *, user, at, expected_version=None) -> None:
    before = snapshot(instance, ("deleted_at", "deleted_by"))
    instance.deleted_at, instance.deleted_by = at, acting_user(user)
    save_validated(instance, user=user, expected_version=expected_version, before=before)


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


@operation()
def restore(instance: SoftDeletable, *, user, expected_version: Iterable[int] | None = None) -> SoftDeletable:
    """Bring a record back from the trash with the records deleted along with it. It comes back
    identical (same id, fields and links); only its version and audit fields move on."""
    if not instance.is_deleted:
        raise ValidationError({"deleted_at": "This record is not in the trash."})
    stamp = instance.deleted_at
    _check_parents_live(instance)
    _untrash(instance, user=user, expected_version=expected_version)
    # Checked after the record is back: it is the parent they need live.
    for model, fk in _owned_children(instance):
        for child in model.trashed.filter(**{fk: instance, "deleted_at": stamp}):
            _check_parents_live(child)
            _untrash(child, user=user)
    return instance


def _untrash(instance: SoftDeletable, *, user, expected_version=None) -> None:
    before = snapshot(instance, ("deleted_at", "deleted_by"))
    instance.deleted_at = instance.deleted_by = None
    save_validated(instance, user=user, expected_version=expected_version, before=before)


def purge_permission(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.purge_{model._meta.model_name}"


@operation()
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


@operation()
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
            before = None if child.pk is None else snapshot(child, row)
            save_validated(apply(child, row), user=user, before=before)


@operation()
def save_with_children(
    record: models.Model | type[models.Model],
    *,
    data: Mapping[str, Any],
    children: Mapping[str, tuple[str, Iterable[Mapping[str, Any]] | None]],
    user,
    expected_version: Iterable[int] | None = None,
):
    """Create (`record` a model) or update (`record` an instance) a record, then make each of its
    child lists — `children` maps the relation to (the key its rows match on, the rows) — hold
    exactly the rows given; rows None leave that list as it is."""
    if isinstance(record, type):
        saved = create(record, data=data, user=user)
    else:
        saved = update(record, data=data, user=user, expected_version=expected_version)
    for relation, (key, rows) in children.items():
        if rows is not None:
            sync_children(saved, relation, rows, key=key, user=user)
    return saved
