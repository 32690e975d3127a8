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

The float formatters assume the bounded values the models hold (coordinates within ±180,
overlaps within [0, 1]): Python and PostgreSQL both write the shortest digits that read back,
and differ only in where they switch to exponents far outside those ranges.
"""

import re
from collections.abc import Iterator

from django.contrib.postgres.aggregates import ArrayAgg, StringAgg
from django.db import connection, models
from django.db.models import F, OuterRef, Subquery, Value

from tracker.models import Assessment, Citation, Incident, IncidentProvenance, VerdictRules
from tracker.representation import formats
from tracker.representation.encoding import dumps_text
from tracker.representation.fields import BriefRelatedField
from tracker.representation.incident_rows import _PROVENANCE_FIELDS
from tracker.representation.serializers import IncidentSerializer

FLUSH_BYTES = 1 << 16  # rows are passed on in blocks of ~64 KiB, not one write per row


class SQL(models.Expression):
    """A SQL template over named expressions: `SQL("lower(<<t>>)", t=F("title"))`. A name used
    twice is compiled twice (with its parameters), so the template reads as the SQL it makes."""

    _NAME = re.compile(r"<<(\w+)>>")

    def __init__(self, template: str, output_field=None, **parts):
        super().__init__(output_field=output_field or models.TextField())
        self.template = template
        self.names = list(parts)
        self.parts = [p if hasattr(p, "resolve_expression") else Value(p) for p in parts.values()]

    def get_source_expressions(self):
        return self.parts

    def set_source_expressions(self, exprs):
        self.parts = list(exprs)

    def as_sql(self, compiler, connection):
        compiled = {name: compiler.compile(part) for name, part in zip(self.names, self.parts, strict=True)}
        params = []

        def substitute(match):
            sql, part_params = compiled[match.group(1)]
            params.extend(part_params)
            return f"({sql})"

        return self._NAME.sub(substitute, self.template), params


# --- cells, as formats.cell writes them -----------------------------------------------------------

# tracker.csv_cells.neutralise: a leading trigger or apostrophe gets an apostrophe. An empty
# text is NULL, which COPY writes as an empty cell (it would quote an empty string).
_TRIGGERS = ", ".join(["'='", "'+'", "'-'", "'@'", "chr(9)", "chr(13)", "''''"])


def text_cell(x) -> SQL:
    return SQL(f"NULLIF(CASE WHEN left(<<x>>, 1) IN ({_TRIGGERS}) THEN '''' || <<x>> ELSE <<x>> END, '')", x=x)


def int_cell(x) -> SQL:
    return SQL("<<x>>::text", x=x)


def bool_cell(x) -> SQL:
    return SQL("CASE WHEN <<x>> THEN 'true' WHEN NOT <<x>> THEN 'false' END", x=x)


def float_cell(x) -> SQL:
    """repr(float): `36.0`, not PostgreSQL's `36`; `-0.0` keeps its sign."""
    return SQL(
        "CASE WHEN <<x>> = trunc(<<x>>) THEN (CASE WHEN <<x>>::text = '-0' THEN '-0.0' "
        "ELSE trunc(<<x>>)::bigint::text || '.0' END) ELSE <<x>>::text END",
        x=x,
    )


def iso(x) -> SQL:
    """incident_rows.iso: `2020-03-04T18:00:00Z`, microseconds only when there are some."""
    return SQL(
        "to_char(<<x>> AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS') || CASE WHEN "
        "date_trunc('second', <<x>> AT TIME ZONE 'UTC') = <<x>> AT TIME ZONE 'UTC' THEN '' "
        "ELSE to_char(<<x>> AT TIME ZONE 'UTC', '.US') END || 'Z'",
        x=x,
    )


def list_cell(x) -> SQL:
    """A JSON list of scalars as one `;`-separated, formula-safe cell (formats.cell)."""
    return text_cell(
        SQL(
            "(SELECT string_agg(COALESCE(e, ''), ';' ORDER BY n) FROM jsonb_array_elements_text(<<x>>) WITH ORDINALITY AS t(e, n))",
            x=x,
        )
    )


def ids_cell(aggregate: ArrayAgg) -> SQL:
    return SQL("array_to_string(<<a>>, ';')", a=aggregate)


# --- JSON, as encoding.dumps (orjson) writes it ---------------------------------------------------


def json_str(x) -> SQL:
    """A JSON string or null; orjson's escapes, and U+2028/U+2029 escaped as dumps does."""
    return SQL(
        "COALESCE(replace(replace(to_json(<<x>>)::text, U&'\\2028', '\\u2028'), U&'\\2029', '\\u2029'), 'null')",
        x=x,
    )


def json_float(x) -> SQL:
    """orjson: `1.0`, `0.5`, `0.000015` (decimals down to 1e-5), then `1e-6` (no zero padding)."""
    return SQL(
        "CASE WHEN <<x>> = trunc(<<x>>) THEN (CASE WHEN <<x>>::text = '-0' THEN '-0.0' "
        "ELSE trunc(<<x>>)::bigint::text || '.0' END) "
        "WHEN <<x>>::text LIKE '%%e-05' THEN (CASE WHEN <<x>> < 0 THEN '-' ELSE '' END) || '0.0000' || "
        "replace(split_part(ltrim(<<x>>::text, '-'), 'e', 1), '.', '') "
        "ELSE regexp_replace(<<x>>::text, 'e([-+])0', 'e\\1') END",
        x=x,
    )


def json_iso(x) -> SQL:
    return SQL("COALESCE('\"' || <<t>> || '\"', 'null')", t=iso(x))


def json_bool(x) -> SQL:
    return SQL("CASE WHEN <<x>> THEN 'true' ELSE 'false' END", x=x)


def _json_object(**members) -> SQL:
    """`{"a":…,"b":…}` from members that are already JSON text, in the given order."""
    template = "'{' || " + " || ',' || ".join(f"'\"{name}\":' || <<{name}>>" for name in members) + " || '}'"
    return SQL(template, **members)


def _rules_json() -> str:
    """Each rule set's `{"version":…,"parameters":…}` as dumps writes it, keyed by id: a handful
    of rows, rendered once per export in Python so their JSON keeps the key order and number
    formatting the API gives."""
    return dumps_text(
        {
            str(pk): dumps_text({"version": version, "parameters": parameters})
            for pk, version, parameters in VerdictRules.objects.values_list("id", "version", "parameters")
        }
    )


def _assessments_cell() -> Subquery:
    """The incident's verdicts as one JSON list (incident_rows._assessments_of), NULL for none."""
    one = _json_object(
        id=int_cell(F("id")),
        ceasefire=_json_object(id=int_cell(F("ceasefire_id")), name=json_str(F("ceasefire__name"))),
        verdict=json_str(F("verdict")),
        reasons=SQL(
            "'[' || COALESCE((SELECT string_agg(<<s>>, ',' ORDER BY n) FROM jsonb_array_elements_text(<<r>>) "
            "WITH ORDINALITY AS t(e, n)), '') || ']'",
            s=json_str(SQL("e")),
            r=F("reasons"),
        ),
        time_overlap=json_float(F("time_overlap")),
        place_overlap=json_float(F("place_overlap")),
        commitment=_json_object(
            party=SQL(
                "CASE WHEN <<id>> IS NULL THEN 'null' ELSE <<party>> END",
                id=F("bound_as_id"),
                party=_json_object(id=int_cell(F("bound_as_id")), name=json_str(F("bound_as__name"))),
            ),
            starts_at=json_iso(F("commitment_start")),
            basis=json_str(F("commitment_basis")),
        ),
        rules=SQL("COALESCE(<<rules>>::jsonb ->> <<id>>::text, 'null')", rules=Value(_rules_json()), id=F("rules_id")),
        override=SQL(
            "CASE WHEN COALESCE(<<v>>, '') = '' THEN 'null' ELSE <<override>> END",
            v=F("override_verdict"),
            override=_json_object(
                verdict=json_str(F("override_verdict")),
                reason=json_str(F("override_reason")),
                by=json_str(F("override_by__username")),
                at=json_iso(F("override_at")),
                stale=json_bool(F("override_stale")),
            ),
        ),
        effective_verdict=json_str(F("effective")),
        computed_at=json_iso(F("computed_at")),
    )
    verdicts = (
        Assessment.objects.filter(incident=OuterRef("pk"))
        .with_effective_verdict()
        .order_by()
        .values("incident")
        .annotate(cell=StringAgg(one, ",", order_by=("ceasefire_id", "id")))
        .values("cell")
    )
    return SQL("'[' || <<list>> || ']'", list=Subquery(verdicts))


def _citations(column: str, distinct: bool) -> SQL:
    # Citation.objects: the live citations, as the Python path reads them.
    agg = ArrayAgg(column, distinct=distinct, order_by=column)
    rows = Citation.objects.filter(incident=OuterRef("pk")).order_by().values("incident").annotate(ids=agg).values("ids")
    return ids_cell(Subquery(rows))


_KINDS = (
    (models.DateTimeField, iso),
    (models.FloatField, float_cell),
    (models.BooleanField, bool_cell),
    (models.JSONField, list_cell),
    ((models.IntegerField, models.AutoField, models.BigAutoField), int_cell),
    ((models.CharField, models.TextField), text_cell),
)


def _cell_of(model_field: models.Field, expression) -> SQL:
    if model_field.is_relation:
        return int_cell(expression)
    for kind, cell in _KINDS:
        if isinstance(model_field, kind):
            return cell(expression)
    raise TypeError(f"No CSV cell for {model_field!r}: teach tracker/representation/incident_csv.py its kind.")


def _provenance_cell(name: str):
    path = _PROVENANCE_FIELDS[name]
    model_field = IncidentProvenance._meta.get_field(path.split("__")[1])
    # No provenance row yet (loaded in bulk before its first grading): the model's defaults.
    value = SQL(
        "CASE WHEN <<graded>> IS NULL THEN <<default>> ELSE <<value>> END",
        graded=F("provenance__suggested_confidence"),
        default=Value(model_field.get_default()),
        value=F(path),
    )
    return _cell_of(model_field, value)


def _plan() -> list[tuple[str, object]]:
    """(header, cell expression) per CSV column, in formats.columns' order."""
    plan = []
    for name, field in IncidentSerializer().fields.items():
        if name in _PROVENANCE_FIELDS:
            plan.append((name, _provenance_cell(name)))
        elif name == "citation_ids":
            plan.append((name, _citations("id", distinct=False)))
        elif name == "report_ids":
            plan.append((name, _citations("report_id", distinct=True)))
        elif name == "assessments":
            plan.append((name, _assessments_cell))
        elif isinstance(field, BriefRelatedField):
            related = Incident._meta.get_field(field.source).related_model
            for part in field.brief_serializer.Meta.fields:
                path = f"{name}_id" if part == "id" else f"{name}__{part}"
                plan.append((f"{name}.{part}", _cell_of(related._meta.get_field(part), F(path))))
        else:
            model_field = Incident._meta.get_field(field.source)
            path = f"{name}_id" if model_field.is_relation else name
            plan.append((name, _cell_of(model_field, F(path))))
    return plan


PLAN = _plan()
HEADERS = [header for header, _ in PLAN]
if [header for header, _ in formats.columns(IncidentSerializer())] != HEADERS:  # pragma: no cover - a wiring error
    raise ImportError("incident_csv's columns are not the CSV columns of IncidentSerializer.")


def _select(queryset):
    """The COPY's SELECT: the filtered queryset's rows, each column a finished cell."""
    names = [f"csv_{i}" for i in range(len(PLAN))]
    cells = {name: (cell() if callable(cell) else cell) for name, (_, cell) in zip(names, PLAN, strict=True)}
    rows = queryset.prefetch_related(None).annotate(**cells).values_list(*names)
    compiler = rows.query.get_compiler(connection=connection)
    sql, params = compiler.as_sql()
    if compiler.col_count != len(names):  # pragma: no cover - a queryset shape the caller must format in Python
        return None
    return sql, params


def stream(queryset) -> Iterator[bytes] | None:
    """The CSV of `queryset` (filtered, ordered incidents), header first, CRLF line ends as
    Python's csv module writes them; None when the database cannot format it."""
    if connection.vendor != "postgresql":
        return None
    select = _select(queryset)
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
