"""Inserting many rows fast: COPY on PostgreSQL, one executemany on SQLite.

For demo data only: rows skip the model's `save()`, validation and history. Columns a row does
not give take the field's default (audit times: now)."""

import json

from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone


def next_id(model) -> int:
    last = model._base_manager.order_by("-pk").values_list("pk", flat=True).first()
    return (last or 0) + 1


def insert(model, rows: list[dict]) -> None:
    """Insert `rows` (column values by attname, each with its `id`) into `model`'s table."""
    if not rows:
        return
    fields = model._meta.concrete_fields
    now = timezone.now()
    defaults = {
        f.attname: now if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else f.get_default() for f in fields
    }
    names = [f.attname for f in fields]
    # JSON columns take their text (SQLite has no JSON type; COPY parses jsonb from text).
    json_columns = [i for i, f in enumerate(fields) if f.get_internal_type() == "JSONField"]
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = (_json_dumped([row.get(name, defaults[name]) for name in names], json_columns) for row in rows)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            adapt = connection.ops.adapt_datetimefield_value
            dated = [i for i, f in enumerate(fields) if f.get_internal_type() == "DateTimeField"]
            prepared = []
            for row in values:
                for i in dated:
                    row[i] = adapt(row[i])
                prepared.append(row)
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", prepared)  # nosec B608 - names from the model


def _json_dumped(row: list, columns: list[int]) -> list:
    for i in columns:
        if row[i] is not None and not isinstance(row[i], str):
            row[i] = json.dumps(row[i])
    return row


def reset_sequences(*models) -> None:
    """After inserting explicit ids: the next id PostgreSQL hands out follows them (SQLite's
    AUTOINCREMENT follows by itself)."""
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(sql)
