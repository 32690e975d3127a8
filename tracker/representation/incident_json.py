"""An incident's list representation as JSON text built by PostgreSQL, for the NDJSON export:
the database writes each item and Python passes the lines on, instead of parsing some fifty
columns per row into Python values, assembling dicts and encoding them again (1,000,000 incidents:
66 s against 180 s, bench/README.md).

Not for the list's pages: measured on 1,000,000 incidents, a page of 100 items written this way
took 11 ms to plan (the expression is long, and Django binds parameters client-side, so every
request plans again) and 8 ms to run, against 1.2 ms for the value rows the Python path reads —
slower overall than building the page in Python (27 against 41 requests/s on one worker).

The text is exactly `encoding.dumps(item)` for the item `incident_rows.build` makes — the same
keys in the same order, the same escapes and numbers — so a client cannot tell which path
answered (tests/test_incident_json.py compares them over hostile text, floats, overrides, trashed
citations and incidents never graded). Like `incident_rows`, the fields are derived from
`IncidentSerializer`: a field added there is served here too, and a kind of field this module
does not know fails at import. PostgreSQL only; the callers keep the Python path elsewhere.
"""

import functools
from collections.abc import Iterable, Iterator

from django.contrib.auth import get_user_model
from django.contrib.postgres.aggregates import ArrayAgg, StringAgg
from django.db import connection, models
from django.db.models import Exists, F, OuterRef, Subquery, Value

from tracker.models import Assessment, Ceasefire, Citation, Incident, IncidentProvenance, Party, VerdictRules
from tracker.representation import streaming
from tracker.representation.fields import BriefRelatedField
from tracker.representation.incident_rows import _PROVENANCE_FIELDS
from tracker.representation.links import LINKS
from tracker.representation.serializers import IncidentSerializer
from tracker.representation.sql_text import (
    SQL,
    json_bool,
    json_float,
    json_int,
    json_iso,
    json_list,
    json_number,
    json_object,
    json_str,
)

CHUNK_ROWS = 2000  # rows fetched per round trip of the export's server-side cursor
FLUSH_CHARS = 1 << 16  # the export passes lines on in blocks of ~64 KiB, not one write per line


def available() -> bool:
    return connection.vendor == "postgresql"


def _rules() -> SQL:
    # {"version":…,"parameters":…}: jsonb writes `", "` and `": "` between members; the
    # parameters are numbers under fixed keys (tracker.conf), in jsonb's key order, which is
    # also the order Python reads them in.
    return SQL(
        "CASE WHEN <<id>> IS NULL THEN 'null' ELSE '{\"version\":' || <<version>> || ',\"parameters\":' || "
        "replace(replace(<<parameters>>::text, ', ', ','), ': ', ':') || '}' END",
        id=F("rules_id"),
        version=json_str(_of(VerdictRules, "rules_id", "version")),
        parameters=_of(VerdictRules, "rules_id", "parameters"),
    )


def _of(model, key: str, column: str) -> Subquery:
    """`column` of the `model` row an assessment's `key` names, read by its primary key. In the
    verdicts' subquery, rerun for each incident that has some, a join to these small tables
    (ceasefires, parties, rules, users) was planned as a hash of the whole table, built again on
    every run."""
    return Subquery(model._base_manager.filter(pk=OuterRef(key)).values(column)[:1])


def assessments() -> SQL:
    """The incident's verdicts as a JSON list (incident_rows._assessments_of), NULL for none."""
    one = json_object(
        id=json_int(F("id")),
        ceasefire=json_object(id=json_int(F("ceasefire_id")), name=json_str(_of(Ceasefire, "ceasefire_id", "name"))),
        verdict=json_str(F("verdict")),
        reasons=json_list(F("reasons")),
        time_overlap=json_float(F("time_overlap")),
        place_overlap=json_float(F("place_overlap")),
        commitment=json_object(
            party=SQL(
                "CASE WHEN <<id>> IS NULL THEN 'null' ELSE <<party>> END",
                id=F("bound_as_id"),
                party=json_object(id=json_int(F("bound_as_id")), name=json_str(_of(Party, "bound_as_id", "name"))),
            ),
            starts_at=json_iso(F("commitment_start")),
            basis=json_str(F("commitment_basis")),
        ),
        rules=_rules(),
        override=SQL(
            "CASE WHEN COALESCE(<<v>>, '') = '' THEN 'null' ELSE <<override>> END",
            v=F("override_verdict"),
            override=json_object(
                verdict=json_str(F("override_verdict")),
                reason=json_str(F("override_reason")),
                by=json_str(_of(get_user_model(), "override_by_id", "username")),
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
        .annotate(items=StringAgg(one, ",", order_by=("ceasefire_id", "id")))
        .values("items")
    )
    # Most incidents have no verdict: an index probe answers for them, and only those with some
    # run the aggregate with its joins (12 -> 4 us a row over 1,000,000 incidents).
    return SQL(
        "CASE WHEN <<any>> THEN '[' || <<items>> || ']' END",
        any=Exists(Assessment.objects.filter(incident=OuterRef("pk"))),
        items=Subquery(verdicts),
    )


def citation_ids(column: str) -> Subquery:
    """The incident's live citations' `column` (id, or report_id once each), ascending, as an
    array; NULL for none. Citation.objects: the live citations, as the Python path reads them."""
    agg = ArrayAgg(column, distinct=column != "id", order_by=column)
    return Subquery(
        Citation.objects.filter(incident=OuterRef("pk")).order_by().values("incident").annotate(ids=agg).values("ids")
    )


def _citation_and_report_ids() -> SQL:
    """`[citation ids],"report_ids":[report ids]`: the members `citation_ids` and `report_ids`
    (adjacent in the serializer) from one probe of the incident's live citations, not one each
    (the two cost 12 us a row over 1,000,000 incidents)."""
    pair = SQL(
        "'[' || array_to_string(<<ids>>, ',') || '],\"report_ids\":[' || array_to_string(<<reports>>, ',') || ']'",
        ids=ArrayAgg("id", order_by="id"),
        reports=ArrayAgg("report_id", distinct=True, order_by="report_id"),
    )
    live = Citation.objects.filter(incident=OuterRef("pk")).order_by().values("incident").annotate(pair=pair)
    return SQL("COALESCE(<<pair>>, '[],\"report_ids\":[]')", pair=Subquery(live.values("pair")))


_KINDS = (
    (models.DateTimeField, json_iso),
    (models.FloatField, json_number),
    (models.BooleanField, json_bool),
    (models.JSONField, json_list),
    ((models.IntegerField, models.AutoField, models.BigAutoField), json_int),
    ((models.CharField, models.TextField), json_str),
)


def value_of(model_field: models.Field, expression, kinds) -> SQL:
    """`expression` (a value of `model_field`) formatted by the kinds' formatter for its type."""
    if model_field.is_relation:
        model_field = model_field.target_field
    for kind, formatter in kinds:
        if isinstance(model_field, kind):
            return formatter(expression)
    raise TypeError(f"No SQL text for {model_field!r}: teach tracker/representation/sql_text.py its kind.")


def provenance_value(name: str) -> tuple[models.Field, SQL]:
    """A provenance field, or the model's default for an incident never graded (loaded in bulk
    before its first grading), as incident_rows reads it."""
    path = _PROVENANCE_FIELDS[name]
    model_field = IncidentProvenance._meta.get_field(path.split("__")[1])
    value = SQL(
        "CASE WHEN <<graded>> IS NULL THEN <<default>> ELSE <<value>> END",
        graded=F("provenance__suggested_confidence"),
        default=Value(model_field.get_default()),
        value=F(path),
    )
    return model_field, value


def brief_parts(name: str, field: BriefRelatedField) -> list[tuple[str, models.Field, str]]:
    """(part, related model field, path) of a brief related object, id first."""
    related = Incident._meta.get_field(field.source).related_model
    return [
        (part, related._meta.get_field(part), f"{name}_id" if part == "id" else f"{name}__{part}")
        for part in field.brief_serializer.Meta.fields
    ]


def _ids(column: str) -> SQL:
    return SQL("'[' || COALESCE(array_to_string(<<ids>>, ','), '') || ']'", ids=citation_ids(column))


def link_target(name: str, statuses: tuple[str, ...] | None):
    """A link to another incident (`responds_to`): its id, or NULL when a reader who sees
    `statuses` (None: all) may not see the incident it points at (tracker/representation/links.py)."""
    own = F(f"{name}_id")
    if statuses is None:
        return own
    seen = Exists(Incident.objects.filter(pk=OuterRef(f"{name}_id"), status__in=list(statuses)))
    # CASE tests in order: most incidents link nothing, and skip the probe.
    return SQL("CASE WHEN <<own>> IS NULL THEN NULL WHEN <<seen>> THEN <<own>> END", seen=seen, own=own)


def reader_statuses(statuses: Iterable[str] | None) -> tuple[str, ...] | None:
    """The statuses a reader sees, as the key of the expressions made for them."""
    return None if statuses is None else tuple(sorted(str(s) for s in statuses))


@functools.cache
def _members(statuses: tuple[str, ...] | None) -> dict:
    """Each member's expression, for a reader who sees `statuses` (None: all; see link_target)."""
    members = {}
    for name, field in IncidentSerializer().fields.items():
        if name in _PROVENANCE_FIELDS:
            members[name] = value_of(*provenance_value(name), _KINDS)
        elif name == "citation_ids":
            members[name] = _ids("id")
        elif name == "report_ids":
            members[name] = _ids("report_id")
        elif name == "assessments":
            members[name] = None  # built per query: see item()
        elif isinstance(field, BriefRelatedField):
            parts = brief_parts(name, field)
            brief = json_object(**{part: value_of(f, F(path), _KINDS) for part, f, path in parts})
            members[name] = SQL("CASE WHEN <<id>> IS NULL THEN 'null' ELSE <<brief>> END", id=F(parts[0][2]), brief=brief)
        elif name in LINKS:
            members[name] = value_of(Incident._meta.get_field(name), link_target(name, statuses), _KINDS)
        else:
            model_field = Incident._meta.get_field(field.source)
            members[name] = value_of(model_field, F(f"{name}_id" if model_field.is_relation else name), _KINDS)
    return members


_MEMBERS = _members(None)
if list(_MEMBERS).index("report_ids") != list(_MEMBERS).index("citation_ids") + 1:  # pragma: no cover
    raise TypeError("IncidentSerializer: item() writes citation_ids and report_ids as one member; keep them adjacent.")


def item(statuses: Iterable[str] | None = None) -> SQL:
    """The JSON text of an incident's list item, over an incident queryset, for a reader who
    sees `statuses` (None: all)."""
    members = {
        name: SQL("COALESCE(<<a>>, '[]')", a=assessments()) if m is None else m
        for name, m in _members(reader_statuses(statuses)).items()
    }
    # The two lists of the incident's citations come from one subquery (written as one member).
    members["citation_ids"] = _citation_and_report_ids()
    del members["report_ids"]
    return json_object(**members)


def ndjson_stream(queryset, statuses: Iterable[str] | None = None) -> Iterator[bytes] | None:
    """The NDJSON export of `queryset` (filtered, ordered incidents) for a reader who sees
    `statuses` (None: all), one item per line, as `export._ndjson` writes it; None when the
    database cannot write the items."""
    if not available():
        return None
    texts = queryset.prefetch_related(None).annotate(item=item(statuses)).values_list("item", flat=True)
    return _lines(streaming.rows(texts, CHUNK_ROWS))


def _lines(texts: Iterator[str]) -> Iterator[bytes]:
    block, size = [], 0
    for text in texts:
        block.append(text)
        size += len(text)
        if size >= FLUSH_CHARS:
            yield ("\n".join(block) + "\n").encode()
            block, size = [], 0
    if block:
        yield ("\n".join(block) + "\n").encode()
