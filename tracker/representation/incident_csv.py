"""The incidents' CSV export formatted by PostgreSQL: one `COPY (SELECT …) TO STDOUT`.

Formatting a million rows in Python cost ~190 µs of CPU each (bench/README.md, "The fifth
run"); here the database builds every cell — the formula-safe text, the floats as Python writes
them, the ISO instants, the verdicts' JSON — and Python only passes the rows on. The bytes are
exactly the Python writer's (`export._csv` over `incident_rows.build`): tests compare the two
over hostile text, control characters, U+2028, floats, overrides and trashed citations, so either
path can answer and a client cannot tell which did. The columns are derived from
`IncidentSerializer` as `incident_rows` derives its own, so a field added there is exported here
too, and a kind of field this module does not know fails at import, not in an export.

The visibility rule and the filters are the list's: the SELECT is the filtered queryset's own
(annotated), compiled by Django. PostgreSQL only; `stream` answers None elsewhere, and the
caller formats in Python.

The cells are made by tracker.representation.sql_text; the verdicts' JSON, the citation ids and
the never-graded defaults are incident_json's, as the list item has them.
"""

import functools
from collections.abc import Iterable, Iterator

from django.db import connection, models
from django.db.models import F

from tracker.models import Incident
from tracker.representation import formats, incident_json
from tracker.representation.fields import BriefRelatedField
from tracker.representation.incident_rows import _PROVENANCE_FIELDS
from tracker.representation.links import LINKS
from tracker.representation.serializers import IncidentSerializer
from tracker.representation.sql_text import SQL, bool_cell, float_cell, int_cell, iso, list_cell, text_cell

FLUSH_BYTES = 1 << 16  # rows are passed on in blocks of ~64 KiB, not one write per row


_KINDS = (
    (models.DateTimeField, iso),
    (models.FloatField, float_cell),
    (models.BooleanField, bool_cell),
    (models.JSONField, list_cell),
    ((models.IntegerField, models.AutoField, models.BigAutoField), int_cell),
    ((models.CharField, models.TextField), text_cell),
)


def _ids_cell(column: str) -> SQL:
    return SQL("array_to_string(<<ids>>, ';')", ids=incident_json.citation_ids(column))


@functools.cache
def _plan(statuses: tuple[str, ...] | None) -> list[tuple[str, object]]:
    """(header, cell expression, or a function making it per export) per CSV column, in
    formats.columns' order, for a reader who sees `statuses` (None: all)."""
    plan = []
    for name, field in IncidentSerializer().fields.items():
        if name in _PROVENANCE_FIELDS:
            plan.append((name, incident_json.value_of(*incident_json.provenance_value(name), _KINDS)))
        elif name == "citation_ids":
            plan.append((name, _ids_cell("id")))
        elif name == "report_ids":
            plan.append((name, _ids_cell("report_id")))
        elif name == "assessments":
            plan.append((name, incident_json.assessments))  # compact JSON, as formats.cell writes a list of objects
        elif isinstance(field, BriefRelatedField):
            for part, model_field, path in incident_json.brief_parts(name, field):
                plan.append((f"{name}.{part}", incident_json.value_of(model_field, F(path), _KINDS)))
        elif name in LINKS:
            target = incident_json.link_target(name, statuses)
            plan.append((name, incident_json.value_of(Incident._meta.get_field(name), target, _KINDS)))
        else:
            model_field = Incident._meta.get_field(field.source)
            path = f"{name}_id" if model_field.is_relation else name
            plan.append((name, incident_json.value_of(model_field, F(path), _KINDS)))
    return plan


HEADERS = [header for header, _ in _plan(None)]
if [header for header, _ in formats.columns(IncidentSerializer())] != HEADERS:  # pragma: no cover - a wiring error
    raise ImportError("incident_csv's columns are not the CSV columns of IncidentSerializer.")


def _select(queryset, statuses: Iterable[str] | None):
    """The COPY's SELECT: the filtered queryset's rows, each column a finished cell."""
    plan = _plan(incident_json.reader_statuses(statuses))
    names = [f"csv_{i}" for i in range(len(plan))]
    cells = {name: (cell() if callable(cell) else cell) for name, (_, cell) in zip(names, plan, strict=True)}
    rows = queryset.prefetch_related(None).annotate(**cells).values_list(*names)
    compiler = rows.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    if compiler.col_count != len(names):  # pragma: no cover - a queryset shape the caller must format in Python
        return None
    return sql, params


def stream(queryset, statuses: Iterable[str] | None = None) -> Iterator[bytes] | None:
    """The CSV of `queryset` (filtered, ordered incidents) for a reader who sees `statuses`
    (None: all), header first, CRLF line ends as Python's csv module writes them; None when the
    database cannot format it."""
    if connection.vendor != "postgresql":
        return None
    select = _select(queryset, statuses)
    if select is None:  # pragma: no cover
        return None
    return _copy(*select)


def _copy(sql: str, params) -> Iterator[bytes]:
    yield formats.csv_text([HEADERS]).encode()
    with connection.cursor() as cursor:
        cursor.execute("SET extra_float_digits = 1")  # the shortest digits that read back (the default)
        buffer = bytearray()
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv)", params) as copy:
            # One message per row, ending in LF: the row's own line breaks are inside its
            # quoted cells, so only this last byte becomes the CRLF Python's writer ends rows with.
            for row in copy:
                buffer += row[:-1]
                buffer += b"\r\n"
                if len(buffer) >= FLUSH_BYTES:
                    yield bytes(buffer)
                    buffer.clear()
        if buffer:
            yield bytes(buffer)
