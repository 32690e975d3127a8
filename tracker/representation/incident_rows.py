"""The incident list's rows, built from value rows instead of model instances and DRF fields.

Lists and the export are the API's hot path: other services poll them with filters all day,
and a full export is a million rows. Building a model instance, its prefetched citations and
verdicts, and then running DRF's generic fields over it cost ~1 ms of CPU per incident; the same
representation read as value rows and assembled here costs a fraction of that. It must stay exactly
what `IncidentSerializer` gives (tests compare the two over varied incidents); the serializer
remains the contract for the schema, for writes and for a single incident.

Five queries per page whatever its size: the incidents (with their provenance joined), their
places, their parties, their citations, their assessments. Places and parties are read by id,
not joined: PostgreSQL planned the join order of five tables afresh on every request, which cost
more than the two lookups (`_with_briefs`).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from django.db import models

from tracker.models import Assessment, Citation, Incident, IncidentProvenance
from tracker.representation.fields import BriefRelatedField
from tracker.representation.serializers import IncidentSerializer

# The fields derived from other rows than the incident's own: the grade and its reason (its
# provenance row, joined), its citations and its verdicts (one query each per page).
_PROVENANCE_FIELDS = {
    "suggested_confidence": "provenance__suggested_confidence",
    "suggested_confidence_reason": "provenance__reason",
    "independent_claimants": "provenance__independent_claimants",
    "contested": "provenance__contested",
}
_PROVENANCE = tuple(_PROVENANCE_FIELDS.values())
_FROM_OTHER_ROWS = {"citation_ids", "report_ids", "assessments"}


# Per brief related object (place, parties...): its row keys, its model and its fields, id first.
_BRIEFS: list[tuple[list[str], type[models.Model], list[str]]] = []


def _plan() -> tuple[tuple[str, ...], list[tuple[str, Callable[[dict], object]]]]:
    """The value columns to read and, per field of the serializer in its order, how to build the
    field from a value row: derived from `IncidentSerializer`, so a field added there is served
    here too (and a kind of field this does not know fails at import, not in a response)."""
    serializer = IncidentSerializer()
    columns: list[str] = []
    builders: list[tuple[str, Callable[[dict], object]]] = []
    for name, field in serializer.fields.items():
        if name in _PROVENANCE_FIELDS or name in _FROM_OTHER_ROWS:
            builders.append((name, None))  # filled by _row from the joined or extra rows
            continue
        model_field = Incident._meta.get_field(field.source)
        if isinstance(field, BriefRelatedField):
            brief = list(field.brief_serializer.Meta.fields)  # id first
            keys = [f"{name}_id", *(f"{name}__{part}" for part in brief[1:])]
            columns.append(keys[0])  # the rest are looked up by id (_with_briefs)
            _BRIEFS.append((keys, model_field.related_model, brief))

            def nested(row, keys=keys, brief=brief):
                return None if row[keys[0]] is None else dict(zip(brief, (row[k] for k in keys), strict=True))

            builders.append((name, nested))
        elif model_field.is_relation:  # a plain id
            columns.append(f"{name}_id")
            builders.append((name, lambda row, key=f"{name}_id": row[key]))
        elif isinstance(model_field, models.DateTimeField):
            columns.append(name)
            builders.append((name, lambda row, key=name: iso(row[key])))
        else:
            columns.append(name)
            builders.append((name, lambda row, key=name: row[key]))
    return (*columns, *_PROVENANCE), builders


# An incident loaded in bulk before its first grading has no provenance row: it reads as the
# model's defaults, as the serializer does.
_NO_PROVENANCE = tuple(IncidentProvenance._meta.get_field(c.split("__")[1]).get_default() for c in _PROVENANCE)

COLUMNS, _BUILDERS = _plan()

_ASSESSMENT_COLUMNS = (
    "incident_id",
    "id",
    "ceasefire_id",
    "ceasefire__name",
    "verdict",
    "reasons",
    "time_overlap",
    "place_overlap",
    "bound_as_id",
    "bound_as__name",
    "commitment_start",
    "commitment_basis",
    "rules__version",
    "rules__parameters",
    "override_verdict",
    "override_reason",
    "override_by__username",
    "override_at",
    "override_stale",
    "computed_at",
    "effective",
)


def iso(value: datetime | None) -> str | None:
    """As DRF writes a datetime with USE_TZ and TIME_ZONE UTC: ISO 8601, `Z` for UTC."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def rows_queryset(queryset):
    """The filtered, ordered incident queryset as value rows of COLUMNS (prefetches dropped:
    `build` reads citations and verdicts itself, one query each per page)."""
    return queryset.prefetch_related(None).values(*COLUMNS)


def _citations_of(ids: list[int]) -> dict[int, list[tuple[int, int]]]:
    found = defaultdict(list)
    for incident_id, citation_id, report_id in (
        Citation.objects.filter(incident_id__in=ids).order_by("id").values_list("incident_id", "id", "report_id")
    ):
        found[incident_id].append((citation_id, report_id))
    return found


def _assessments_of(ids: list[int]) -> dict[int, list[dict]]:
    found = defaultdict(list)
    rows = (
        Assessment.objects.filter(incident_id__in=ids)
        .with_effective_verdict()
        .order_by("ceasefire_id", "id")
        .values_list(*_ASSESSMENT_COLUMNS)
    )
    for (
        incident_id, pk, ceasefire_id, ceasefire_name, verdict, reasons, time_overlap, place_overlap,
        bound_as_id, bound_as_name, commitment_start, commitment_basis, rules_version, rules_parameters, override_verdict, override_reason, override_by, override_at, override_stale, computed_at, effective,
    ) in rows:  # fmt: skip
        override = None
        if override_verdict:
            override = {
                "verdict": override_verdict,
                "reason": override_reason,
                "by": override_by,
                "at": iso(override_at),
                "stale": override_stale,
            }
        found[incident_id].append(
            {
                "id": pk,
                "ceasefire": {"id": ceasefire_id, "name": ceasefire_name},
                "verdict": verdict,
                "reasons": reasons,
                "time_overlap": time_overlap,
                "place_overlap": place_overlap,
                "commitment": {
                    "party": {"id": bound_as_id, "name": bound_as_name} if bound_as_id is not None else None,
                    "starts_at": iso(commitment_start),
                    "basis": commitment_basis,
                },
                "rules": {"version": rules_version, "parameters": rules_parameters} if rules_version else None,
                "override": override,
                "effective_verdict": effective,
                "computed_at": iso(computed_at),
            }
        )
    return found


def _with_briefs(rows: list[dict]) -> None:
    """Each row's brief related objects' fields (a place's name and point, a party's name), one
    query per related model for the page. Not joined in the page's query: PostgreSQL spent 4.6 ms
    planning the join order of the incidents with four such tables (11 ms with a ceasefire's
    filter) against 0.7 ms to run it, on every request (Django binds parameters client-side)."""
    wanted: dict[type[models.Model], tuple[set, list[str]]] = {}
    for keys, model, brief in _BRIEFS:
        ids, fields = wanted.setdefault(model, (set(), []))
        fields += [field for field in brief if field not in fields]
        ids.update(row[keys[0]] for row in rows if row[keys[0]] is not None)
    found = {
        model: {
            values[0]: dict(zip(fields, values, strict=True))
            for values in model._base_manager.filter(pk__in=ids).values_list(*fields)
        }
        for model, (ids, fields) in wanted.items()
        if ids
    }
    for keys, model, brief in _BRIEFS:
        by_id = found.get(model, {})
        for row in rows:
            values = by_id.get(row[keys[0]], {})
            for key, field in zip(keys[1:], brief[1:], strict=True):
                row[key] = values.get(field)


def build(rows: Iterable[dict]) -> list[dict]:
    """The list representation of incidents read by `rows_queryset`, in their order."""
    rows = list(rows)
    _with_briefs(rows)
    ids = [row["id"] for row in rows]
    citations = _citations_of(ids) if ids else {}
    assessments = _assessments_of(ids) if ids else {}
    return [_row(row, citations.get(row["id"], ()), assessments.get(row["id"], [])) for row in rows]


def _row(row: dict, citations, assessments: list[dict]) -> dict:
    if row["provenance__suggested_confidence"] is None:  # no provenance row yet
        graded = dict(zip(_PROVENANCE_FIELDS, _NO_PROVENANCE, strict=True))
    else:
        graded = {name: row[column] for name, column in _PROVENANCE_FIELDS.items()}
    extra = {
        "citation_ids": [c for c, _ in citations],
        "report_ids": sorted({r for _, r in citations}),
        "assessments": assessments,
        **graded,
    }
    return {name: extra[name] if build is None else build(row) for name, build in _BUILDERS}
