"""Inserting many new records at once, with one history row each: COPY on PostgreSQL.

Django's `bulk_create` on PostgreSQL sends each batch as one `INSERT … SELECT * FROM UNNEST(…)`
whose every value psycopg quotes in Python (the connection binds parameters client-side): a
bulk import spent more time there than in all its validation and verdicts. COPY streams the
same rows in PostgreSQL's text format, converted in C. The ids of the new rows are reserved
first from the table's own sequence (`nextval`, one round trip), so that the records leave
with their `pk` set as after `bulk_create`, and what refers to them (citations to incidents)
can be written next. History rows are simple-history's: every tracked field's value, the
current history context's user, reason and channel, type "+", one date for the call.

Other databases (SQLite: no network, no quoting cost) take `bulk_create` and simple-history's
`bulk_create_with_history`, with the same outcome.

Nothing here validates: callers `full_clean` what they insert, as the services do. Writes that
bypass Django's cursor also bypass the data generation's watcher, so the generation is moved
here (`generation.written`).
"""

import json
from collections.abc import Callable, Iterable, Sequence

from django.db import connection
from django.db.models import Model
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone
from simple_history.utils import bulk_create_with_history, get_history_manager_for_model

from tracker import generation
from tracker.history import bulk_defaults, current_channel

BATCH_SIZE = 500

# Field types whose Python value psycopg's COPY takes as it is (str, int, float, bool, aware
# datetime, date, None). Any other type goes through the field's own `get_db_prep_save`.
_AS_IS = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "DateField",
    "DateTimeField",
    "EmailField",
    "FloatField",
    "ForeignKey",
    "IntegerField",
    "OneToOneField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "URLField",
}


def create(model: type[Model], objs: Sequence[Model], *, history: bool = True) -> Sequence[Model]:
    """Insert `objs` (new, validated) into `model`'s table, and one history row each when
    `history`. Returns `objs`, their `pk` set."""
    if not objs:
        return objs
    if connection.vendor != "postgresql":
        if history:
            return bulk_create_with_history(objs, model, batch_size=BATCH_SIZE, **bulk_defaults())
        return model._default_manager.bulk_create(objs, batch_size=BATCH_SIZE)
    now = timezone.now()
    for field in model._meta.concrete_fields:
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            for obj in objs:
                setattr(obj, field.attname, now)
    _reserve_ids(model, objs)
    fields = model._meta.concrete_fields
    copy_rows(model._meta.db_table, [f.column for f in fields], _values(objs, fields))
    for obj in objs:
        obj._state.adding, obj._state.db = False, connection.alias
    if history:
        _history_rows(model, objs, now)
    return objs


def analyze(*models: type[Model]) -> None:
    """Refresh PostgreSQL's statistics of these tables after a bulk load. Until autovacuum gets
    to it, a table loaded in one go is planned as if empty: the next import's look-ups of its
    incidents' citations became sequential scans of every report (0.3 s a batch at 100,000
    incidents instead of a few milliseconds). PostgreSQL's own advice is ANALYZE after a bulk
    load; it samples a fixed number of rows, so it costs well under a second."""
    if connection.vendor != "postgresql":
        return
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {', '.join(quote(model._meta.db_table) for model in models)}")


def copy_rows(table: str, columns: list[str], rows: Iterable[Sequence]) -> None:
    """COPY `rows` (values in `columns`' order; JSON as text) into `table` (PostgreSQL)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        sql = f"COPY {quote(table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        with cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)
    generation.written(connection, table)


def _reserve_ids(model: type[Model], objs: Sequence[Model]) -> None:
    """Ids from the table's sequence for the records without one (a key that is another
    record's, like a one-to-one primary key, is already set)."""
    pk = model._meta.pk
    unset = [obj for obj in objs if obj.pk is None]
    if not unset:
        return
    if not isinstance(pk, AutoFieldMixin):
        raise ValueError(f"{model.__name__}: records without a primary key, and no sequence to take one from")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [connection.ops.quote_name(model._meta.db_table), pk.column, len(unset)],
        )
        for obj, (pk_value,) in zip(unset, cursor.fetchall(), strict=True):
            setattr(obj, pk.attname, pk_value)


def _converter(field) -> Callable:
    kind = field.get_internal_type()
    if kind in _AS_IS:
        return lambda value: value
    if kind == "JSONField":
        return lambda value: None if value is None else json.dumps(value, cls=field.encoder)
    return lambda value: field.get_db_prep_save(value, connection)


def _values(objs: Iterable[Model], fields) -> Iterable[list]:
    getters = [(field.attname, _converter(field)) for field in fields]
    for obj in objs:
        yield [convert(getattr(obj, attname)) for attname, convert in getters]


def _history_rows(model: type[Model], objs: Sequence[Model], now) -> None:
    """simple-history's `bulk_history_create`, as COPY: the history id is the column's default."""
    historical = get_history_manager_for_model(model).model
    defaults = bulk_defaults()
    tracked = [field.attname for field in historical.tracked_fields]
    by_attname = {field.attname: field for field in historical._meta.concrete_fields}
    extra = ["history_date", "history_type", "history_channel", "history_user_id", "history_change_reason"]
    fields = [by_attname[name] for name in tracked + extra]
    converters = [_converter(field) for field in fields]
    channel = current_channel()

    def rows():
        for obj in objs:
            user = getattr(obj, "_history_user", defaults["default_user"])
            reason = getattr(obj, "_change_reason", None) or defaults["default_change_reason"]
            values = [getattr(obj, name) for name in tracked]
            values += [now, "+", channel, user.pk if user is not None else None, reason]
            yield [convert(value) for convert, value in zip(converters, values, strict=True)]

    copy_rows(historical._meta.db_table, [field.column for field in fields], rows())
