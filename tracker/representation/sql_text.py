"""Values formatted as text by PostgreSQL, exactly as the Python writers format them: CSV cells
as `formats.cell` writes them (formula-safe text, `repr` floats) and JSON as `encoding.dumps`
(orjson) writes it. What incident_csv and incident_json build their rows from; tests compare
each helper with its Python counterpart over generated values (tests/test_incident_csv.py).

The float formatters assume the bounded values the models hold (coordinates within ±180,
overlaps within [0, 1]): Python and PostgreSQL both write the shortest digits that read back,
and differ only in where they switch to exponents, far outside those ranges.
"""

import re

from django.db import models
from django.db.models import Value


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
    # One to_char with the microseconds, which are then dropped when they are all zeros.
    return SQL("replace(to_char(<<x>> AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US') || 'Z', '.000000Z', 'Z')", x=x)


def list_cell(x) -> SQL:
    """A JSON list of scalars as one `;`-separated, formula-safe cell (formats.cell)."""
    return text_cell(
        SQL(
            "(SELECT string_agg(COALESCE(e, ''), ';' ORDER BY n) FROM jsonb_array_elements_text(<<x>>) WITH ORDINALITY AS t(e, n))",
            x=x,
        )
    )


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
    return SQL("CASE WHEN <<x>> THEN 'true' WHEN NOT <<x>> THEN 'false' ELSE 'null' END", x=x)


def json_int(x) -> SQL:
    return SQL("COALESCE(<<x>>::text, 'null')", x=x)


def json_number(x) -> SQL:
    """A nullable float as orjson writes it (json_float), or null."""
    return SQL("COALESCE(<<f>>, 'null')", f=json_float(x))


def json_list(x) -> SQL:
    """A jsonb list as orjson writes the Python list it reads as: strings escaped as json_str,
    numbers, booleans and null as jsonb writes them (the same text for the scalars the models
    hold: reasons' and import flags' codes)."""
    # An empty list (most import flags) without the subquery.
    return SQL(
        "CASE WHEN <<x>> = '[]'::jsonb THEN '[]' ELSE "
        "'[' || COALESCE((SELECT string_agg(CASE WHEN jsonb_typeof(e) = 'string' THEN <<s>> ELSE e::text END, ',' "
        "ORDER BY n) FROM jsonb_array_elements(<<x>>) WITH ORDINALITY AS t(e, n)), '') || ']' END",
        s=json_str(SQL("e #>> '{}'")),
        x=x,
    )


def json_object(**members) -> SQL:
    """`{"a":…,"b":…}` from members that are already JSON text (never NULL), in the given order.
    One concat() call, not a chain of `||`, each of which copies the text so far: an item of
    some fifty members was copied fifty times (concat takes at most 100 arguments)."""
    if not members:
        return SQL("'{}'")
    parts = [f"'{{\"{name}\":'" if i == 0 else f"',\"{name}\":'" for i, name in enumerate(members)]
    template = "concat(" + ", ".join(f"{part}, <<{name}>>" for part, name in zip(parts, members, strict=True)) + ", '}')"
    return SQL(template, **members)
