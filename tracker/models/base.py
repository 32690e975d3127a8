"""What every curated record shares: audit fields, a version for optimistic locking, and
named database constraints whose violations the API can report against a field."""

from collections.abc import Callable
from operator import attrgetter

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, FieldDoesNotExist, ValidationError
from django.db import models, router

from tracker.domain.names import normalize_name, transliteration_key

# The Django release whose constraint validation (CheckConstraint conditions evaluated in Python,
# UniqueConstraint.validate) the helpers below stand in for on hot paths
# (tests/test_framework_fences.py pins it).
WRITTEN_FOR_DJANGO = (5, 2)

# constraint name -> (field the API reports it on, human message). Filled by `check()` and
# `unique()` at import time so that an IntegrityError that slips past `full_clean()` (a race
# between two writers) still becomes a 400 that names the field.
CONSTRAINT_FIELDS: dict[str, tuple[str, str]] = {}


def check(name: str, field: str, condition: models.Q, message: str) -> models.CheckConstraint:
    """A named CHECK constraint, reported against `field` with `message`."""
    CONSTRAINT_FIELDS[name] = (field, message)
    return models.CheckConstraint(
        condition=condition, name=name, violation_error_message=message, violation_error_code="constraint"
    )


def unique(name: str, fields: list[str], message: str, condition: models.Q | None = None) -> models.UniqueConstraint:
    """A named UNIQUE constraint (optionally partial), reported against its last field."""
    CONSTRAINT_FIELDS[name] = (fields[-1], message)
    return models.UniqueConstraint(
        fields=fields, name=name, condition=condition, violation_error_message=message, violation_error_code="unique"
    )


def not_itself(name: str, field: str, other: str, message: str) -> models.CheckConstraint:
    """A link that must not point where `other` does: at the record itself (`other="id"`) or at
    the record another of its links names."""
    return check(name, field, ~models.Q(**{field: models.F(other)}), message)


def text_needs(name: str, field: str, needed: str, message: str) -> models.CheckConstraint:
    """A text `field` that, once filled in, needs the text `needed` filled in too (reported there)."""
    return check(name, needed, models.Q(**{field: ""}) | ~models.Q(**{needed: ""}), message)


def optional_link(to, *, on_delete=models.PROTECT, **options) -> models.ForeignKey:
    """A link that may be empty: NULL in the database, optional in forms. PROTECT unless said
    otherwise — what a record points at is not deleted from under it."""
    return models.ForeignKey(to, null=True, blank=True, on_delete=on_delete, **options)


def loose_link(to, **options) -> models.ForeignKey:
    """An optional link that empties when its target is deleted: a pointer (a copy's original, a
    supersession, who overrode a verdict), not something the record depends on."""
    return optional_link(to, on_delete=models.SET_NULL, **options)


def range_checks(prefix: str, field_low: str, field_high: str) -> list[models.CheckConstraint]:
    """Non-negative low/high figures with low ≤ high (casualty ranges)."""
    return [
        check(
            f"{prefix}_{field_low}_nonneg",
            field_low,
            models.Q(**{f"{field_low}__gte": 0}) | models.Q(**{f"{field_low}__isnull": True}),
            "Must not be negative.",
        ),
        check(
            f"{prefix}_{field_high}_nonneg",
            field_high,
            models.Q(**{f"{field_high}__gte": 0}) | models.Q(**{f"{field_high}__isnull": True}),
            "Must not be negative.",
        ),
        check(
            f"{prefix}_{field_low}_le_high",
            field_high,
            models.Q(**{f"{field_low}__lte": models.F(field_high)})
            | models.Q(**{f"{field_low}__isnull": True})
            | models.Q(**{f"{field_high}__isnull": True}),
            f"{field_high} must be greater than or equal to {field_low}.",
        ),
    ]


def coordinate_checks(prefix: str, lat: str = "latitude", lon: str = "longitude") -> list[models.CheckConstraint]:
    """Latitude in [-90, 90], longitude in [-180, 180], both or neither."""
    return [
        check(
            f"{prefix}_{lat}_range",
            lat,
            models.Q(**{f"{lat}__gte": -90, f"{lat}__lte": 90}) | models.Q(**{f"{lat}__isnull": True}),
            "Latitude must be between -90 and 90.",
        ),
        check(
            f"{prefix}_{lon}_range",
            lon,
            models.Q(**{f"{lon}__gte": -180, f"{lon}__lte": 180}) | models.Q(**{f"{lon}__isnull": True}),
            "Longitude must be between -180 and 180.",
        ),
        check(
            f"{prefix}_{'coordinates' if lat == 'latitude' else lat.removesuffix('_latitude') + '_coordinates'}_pair",
            lon,
            models.Q(**{f"{lat}__isnull": True, f"{lon}__isnull": True})
            | models.Q(**{f"{lat}__isnull": False, f"{lon}__isnull": False}),
            "Latitude and longitude must be given together.",
        ),
    ]


class _NotInPython(Exception):
    """A condition the evaluator below does not know: Django validates it in the database."""


_COMPARE = {
    "exact": lambda a, b: a == b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}


def _truth(results: list, connector: str, negated: bool) -> bool | None:
    """SQL's three-valued AND/OR of `results` (None is unknown), negated if asked."""
    if connector == models.Q.AND:
        value = False if False in results else (None if None in results else True)
    else:
        value = True if True in results else (None if None in results else False)
    if negated:
        value = None if value is None else not value
    return value


def _compile(condition: models.Q, meta) -> Callable[[models.Model], bool | None]:
    """A function giving SQL's three-valued truth of a Q of plain comparisons on an instance's
    own fields (None is SQL's unknown, which a CHECK constraint lets pass, as Django's check
    does). Raises _NotInPython for anything else."""
    tests = []
    for child in condition.children:
        if isinstance(child, models.Q):
            tests.append(_compile(child, meta))
            continue
        key, right = child
        name, _, lookup = key.partition("__")
        lookup = lookup or "exact"
        left = attrgetter(meta.get_field(name).attname)
        if isinstance(right, models.F):
            if "__" in right.name:
                raise _NotInPython
            right_value = attrgetter(meta.get_field(right.name).attname)
        elif hasattr(right, "resolve_expression") or (lookup not in _COMPARE and lookup != "isnull"):
            raise _NotInPython
        else:
            right_value = lambda instance, value=right: value  # noqa: E731
        tests.append(_comparison(left, lookup, right_value))
    connector, negated = condition.connector, condition.negated
    return lambda instance: _truth([test(instance) for test in tests], connector, negated)


def _comparison(left, lookup: str, right) -> Callable[[models.Model], bool | None]:
    if lookup == "isnull":
        return lambda instance: (left(instance) is None) == bool(right(instance))
    compare = _COMPARE[lookup]

    def test(instance):
        a, b = left(instance), right(instance)
        return None if a is None or b is None else compare(a, b)

    return test


def _fields_of(condition: models.Q) -> set[str]:
    names = set()
    for child in condition.children:
        if isinstance(child, models.Q):
            names |= _fields_of(child)
        else:
            names.add(child[0].split("__")[0])
            if isinstance(child[1], models.F):
                names.add(child[1].name)
    return names


# Each constraint condition's evaluator and fields, compiled on first use (None: the database's
# to check). Keyed by id(): constraints live as long as their model, and are not hashable.
_COMPILED: dict[int, tuple[models.BaseConstraint, Callable | None, frozenset[str]]] = {}


def _compiled(constraint: models.BaseConstraint, model: type[models.Model]):
    entry = _COMPILED.get(id(constraint))
    if entry is None or entry[0] is not constraint:
        try:
            evaluate = _compile(constraint.condition, model._meta)
        except (_NotInPython, FieldDoesNotExist):
            evaluate = None
        entry = _COMPILED[id(constraint)] = (constraint, evaluate, frozenset(_fields_of(constraint.condition)))
    return entry[1], entry[2]


def _checked_in_python(constraint: models.CheckConstraint, instance: models.Model, exclude) -> bool:
    """Validate a CHECK constraint without the database if its condition allows; False when it
    must go to the database. Raises ValidationError as Django's would."""
    evaluate, names = _compiled(constraint, type(instance))
    if exclude and names & set(exclude):
        return True  # Django skips a constraint on an excluded field
    if evaluate is None:
        return False
    try:
        passed = evaluate(instance) is not False
    except TypeError:
        return False
    if not passed:
        raise ValidationError(constraint.get_violation_error_message(), code=constraint.violation_error_code)
    return True


class FieldNamedConstraintsMixin(models.Model):
    """Report each failed constraint under the field `check()`/`unique()` registered for it,
    instead of Django's catch-all non-field errors, so a form or API client sees which field
    is wrong.

    Validation costs at most one query per UNIQUE constraint: CHECK conditions and the
    conditions of partial UNIQUE constraints are plain comparisons, evaluated here; and one
    lookup finds a clashing row whether it is live or in the trash (Django's own validation
    would query the condition, the live rows and then the trash, each in a savepoint)."""

    class Meta:
        abstract = True

    def clean_fields(self, exclude=None):
        """Django checks that each foreign key's target exists with a query per key. A target
        held as an instance read from the database (a serializer's related field looked it up,
        a service passed it) was just found to exist, so only bare ids are looked up; the
        database's foreign key still refuses a target removed in between."""
        loaded = [
            f.name
            for f in self._meta.concrete_fields
            if f.many_to_one
            and f.is_cached(self)
            and (target := f.get_cached_value(self)) is not None
            and not target._state.adding
            and target.pk is not None
            and target.pk == getattr(self, f.attname)
        ]
        super().clean_fields(exclude=[*(exclude or ()), *loaded])

    def validate_constraints(self, exclude=None):
        using = router.db_for_write(self.__class__, instance=self)
        errors: dict[str, list] = {}
        for model_class, model_constraints in self.get_constraints():
            for constraint in model_constraints:
                try:
                    if isinstance(constraint, models.CheckConstraint) and _checked_in_python(constraint, self, exclude):
                        continue
                    if isinstance(constraint, models.UniqueConstraint) and _unique_checked(constraint, self, exclude):
                        continue
                    constraint.validate(model_class, self, exclude=exclude, using=using)
                except ValidationError as exc:
                    field = CONSTRAINT_FIELDS.get(constraint.name, (NON_FIELD_ERRORS, ""))[0]
                    message = exc.messages[0] if exc.code == "unique_trashed" else None
                    message = message or CONSTRAINT_FIELDS.get(constraint.name, ("", exc.messages[0]))[1]
                    errors.setdefault(field, []).append(ValidationError(message, code=exc.code))
        if errors:
            raise ValidationError(errors)


def _unique_checked(constraint: models.UniqueConstraint, instance: models.Model, exclude) -> bool:
    """Validate a UNIQUE constraint on plain fields with one query; False when it is of a kind
    Django must validate. A soft-deletable record's trashed rows keep their values taken (the
    database constraint covers them), so a clash with one says to restore it instead."""
    if not constraint.fields or constraint.nulls_distinct is False:
        return False
    if set(constraint.fields) & getattr(instance, "_unique_known", frozenset()):
        return True  # the caller checked these in bulk (tracker.services.bulk_imports)
    lookups = {}
    for name in constraint.fields:
        if exclude and name in exclude:
            return True  # as Django: a constraint on an excluded field is not checked
        value = getattr(instance, instance._meta.get_field(name).attname)
        if value is None:
            return True  # NULL never clashes
        lookups[name] = value
    if constraint.condition is not None:
        evaluate, _ = _compiled(constraint, type(instance))
        if evaluate is None:
            return False
        try:
            binding = evaluate(instance)
        except TypeError:
            return False
        if binding is not True:
            return True  # a partial index holds only the rows meeting its condition
    model = type(instance)
    rows = (model.all_objects if isinstance(instance, SoftDeletable) else model._default_manager).filter(**lookups)
    if constraint.condition is not None:
        rows = rows.filter(constraint.condition)
    if not instance._state.adding and instance.pk is not None:
        rows = rows.exclude(pk=instance.pk)
    clash = rows.values_list("deleted_at", flat=True) if isinstance(instance, SoftDeletable) else rows.values_list("pk")
    clash = list(clash[:1])
    if not clash:
        return True
    message = constraint.get_violation_error_message()
    if isinstance(instance, SoftDeletable) and clash[0] is not None:
        raise ValidationError(f"{message} It is in the trash: restore it instead.", code="unique_trashed")
    raise ValidationError(message, code=constraint.violation_error_code)


class NameKeyMixin(models.Model):
    """Keeps `name_key`, the spelling-tolerant matching key of `name`, and `name_skeleton`, the
    transliteration-tolerant one (see tracker.domain.names)."""

    name_key = models.CharField(max_length=200, editable=False, db_index=True)
    name_skeleton = models.CharField(max_length=200, editable=False, db_index=True, default="")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.name_key = normalize_name(self.name)
        self.name_skeleton = transliteration_key(self.name)
        super().save(*args, **kwargs)


class OtherName(NameKeyMixin, FieldNamedConstraintsMixin, models.Model):
    """Another name a record goes by (a party's alias, a place's alternate spelling), matched by
    the same spelling-tolerant keys as the record's own name; listed alphabetically."""

    name = models.CharField(max_length=200)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TrackedModel(FieldNamedConstraintsMixin, models.Model):
    """Abstract base of curated records: who created/changed it, when, and its version.

    `version` starts at 1 and is incremented by the service layer on every write; the API and
    the admin will use it for optimistic locking (If-Match).
    """

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False, db_index=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    class Meta:
        abstract = True


class LiveManager(models.Manager):
    """Rows not in the trash. The default manager of soft-deletable models, so lists, related
    managers (`incident.citations`), lookups by id and the admin never see trashed rows."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=True)


class TrashManager(models.Manager):
    """Rows in the trash only."""

    def get_queryset(self):
        return super().get_queryset().filter(deleted_at__isnull=False)


class SoftDeletable(models.Model):
    """A record whose deletion is recoverable: deleting sets `deleted_at`/`deleted_by` and
    hides it; restoring clears them; only a purge removes the row. Records deleted along with
    it (an incident's citations) carry the same `deleted_at`, which is how a restore finds them.

    A trashed record keeps its identity: its unique values (report URL, external id, place
    name under a parent) stay taken, and a duplicate is refused with a pointer to the trash.
    """

    deleted_at = models.DateTimeField(null=True, blank=True, editable=False, db_index=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False
    )

    objects = LiveManager()
    all_objects = models.Manager()
    trashed = TrashManager()

    class Meta:
        abstract = True
        # Removing a trashed record for good is its own permission (`purge_<model>`), granted
        # apart from delete; a subclass's Meta inherits this one (`class Meta(SoftDeletable.Meta)`).
        default_permissions = ("add", "change", "delete", "view", "purge")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
