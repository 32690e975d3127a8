"""The incident list's rows, built from value rows instead of model instances and DRF fields.

Lists and the export are the API's hot path: other services poll them with filters all day,
and a full export is a million rows. Building a model instance, its prefetched citations and
verdicts, and then running DRF's generic fields over it cost ~1 ms of CPU per incident; the same
representation read as value rows and assembled here costs a fraction of that. It must stay exactly
what `IncidentSerializer` gives (tests compare the two over varied incidents); the serializer
remains the contract for the schema, for writes and for a single incident.

Three queries per page whatever its size: the incidents (with place, perpetrator and
provenance joined), their citations, their assessments.
"""

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime

from tracker.models import Assessment, Citation, IncidentProvenance
from tracker.representation.serializers import CASUALTY_FIELDS

# The columns read, in the serializer's field order; `_row` nests place and perpetrator.
_OWN = ("id", "title", "kind", "description", "occurred_at", "occurred_until", "time_precision")
_PLACE = ("place_id", "place__name", "place__latitude", "place__longitude")
_WHERE = ("latitude", "longitude", "geo_precision")
_ORIGIN = ("origin_place_id", "origin_place__name", "origin_place__latitude", "origin_place__longitude")
_ORIGIN_WHERE = ("origin_latitude", "origin_longitude", "origin_geo_precision")
_PERPETRATOR = ("perpetrator_id", "perpetrator__name")
_TARGET = ("attribution", "target_description")
_TARGET_PARTY = ("target_party_id", "target_party__name")
_WHO = ("initiator", "responds_to_id", *CASUALTY_FIELDS, "status", "confidence")
_PROVENANCE = (
    "provenance__suggested_confidence",
    "provenance__reason",
    "provenance__independent_claimants",
    "provenance__contested",
)
_EXTERNAL = ("external_source", "external_id", "import_flags")
_AUDIT = ("version", "created_at", "updated_at")

COLUMNS = (
    *_OWN,
    *_PLACE,
    *_WHERE,
    *_ORIGIN,
    *_ORIGIN_WHERE,
    *_PERPETRATOR,
    *_TARGET,
    *_TARGET_PARTY,
    *_WHO,
    *_PROVENANCE,
    *_EXTERNAL,
    *_AUDIT,
)

# An incident loaded in bulk before its first grading has no provenance row: it reads as the
# model's defaults, as the serializer does.
_NO_PROVENANCE = tuple(IncidentProvenance._meta.get_field(c.split("__")[1]).get_default() for c in _PROVENANCE)

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


def build(rows: Iterable[dict]) -> list[dict]:
    """The list representation of incidents read by `rows_queryset`, in their order."""
    rows = list(rows)
    ids = [row["id"] for row in rows]
    citations = _citations_of(ids) if ids else {}
    assessments = _assessments_of(ids) if ids else {}
    return [_row(row, citations.get(row["id"], ()), assessments.get(row["id"], [])) for row in rows]


def _row(row: dict, citations, assessments: list[dict]) -> dict:
    if row["provenance__suggested_confidence"] is None:  # no provenance row yet
        suggested, reason, claimants, contested = _NO_PROVENANCE
    else:
        suggested, reason, claimants, contested = (row[c] for c in _PROVENANCE)
    perpetrator = row["perpetrator_id"]
    return {
        **{name: row[name] for name in ("id", "title", "kind", "description")},
        "occurred_at": iso(row["occurred_at"]),
        "occurred_until": iso(row["occurred_until"]),
        "time_precision": row["time_precision"],
        "place": {
            "id": row["place_id"],
            "name": row["place__name"],
            "latitude": row["place__latitude"],
            "longitude": row["place__longitude"],
        },
        **{name: row[name] for name in _WHERE},
        "origin_place": None
        if row["origin_place_id"] is None
        else {
            "id": row["origin_place_id"],
            "name": row["origin_place__name"],
            "latitude": row["origin_place__latitude"],
            "longitude": row["origin_place__longitude"],
        },
        **{name: row[name] for name in _ORIGIN_WHERE},
        "perpetrator": None if perpetrator is None else {"id": perpetrator, "name": row["perpetrator__name"]},
        **{name: row[name] for name in _TARGET},
        "target_party": None
        if row["target_party_id"] is None
        else {"id": row["target_party_id"], "name": row["target_party__name"]},
        "initiator": row["initiator"],
        "responds_to": row["responds_to_id"],
        **{name: row[name] for name in _WHO[2:]},
        "suggested_confidence": suggested,
        "suggested_confidence_reason": reason,
        "independent_claimants": claimants,
        "contested": contested,
        **{name: row[name] for name in _EXTERNAL},
        "citation_ids": [c for c, _ in citations],
        "report_ids": sorted({r for _, r in citations}),
        "assessments": assessments,
        "version": row["version"],
        "created_at": iso(row["created_at"]),
        "updated_at": iso(row["updated_at"]),
    }
