"""Our own CSV (the columns of `/api/v1/incidents/export/?format=csv` and of the list's
`?format=csv`), so an export imports into another tracker — or an empty one — as the same
incidents.

Incidents keep their `external_source`/`external_id` when they have one; otherwise the file's
`id` becomes `csv`/<id>, so a re-import updates rather than duplicates. Places are found by
name (any spelling) nearest the row's place point, else created there; perpetrators and target
parties by name or alias, else created. An origin is imported as its point: the row's own
origin point, else its origin place's (the place itself is not looked up). Citations, verdicts
and grades are not in the file: verdicts and grades are recomputed, citations come with their
reports through the API.
"""

from datetime import UTC, datetime

from tracker import instants
from tracker.choices import IncidentStatus, PartyKind, PlaceKind
from tracker.importers.events import FLAG_NOTES, Event, PartySpec, PlaceSpec
from tracker.importers.reading import Row, RowError, parse_coordinate, parse_int, split_list
from tracker.models.incidents import CASUALTY_FIELDS

NAME = "csv"
REQUIRED = ("id", "title", "kind", "occurred_at", "time_precision", "place.name")
TEXT_FIELDS = (
    "title",
    "kind",
    "description",
    "time_precision",
    "geo_precision",
    "attribution",
    "target_description",
    "initiator",
    "origin_geo_precision",
    "confidence",
)
FIGURES = tuple(f"{name}_{end}" for name in CASUALTY_FIELDS for end in ("low", "high"))


def _instant(value: str, column: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RowError(column, f"'{value}' is not an ISO 8601 instant.") from None
    if parsed.tzinfo is None:
        raise RowError(column, f"'{value}' has no UTC offset.")
    if not instants.in_range(parsed):
        raise RowError(column, instants.out_of_range(value).messages[0])
    return parsed.astimezone(UTC)


def parse(row: Row) -> Event:
    # Our export neutralised text cells for spreadsheets ('=... for =...): read them back as written.
    row = row.restored()
    for column in REQUIRED:
        row.require(column)
    occurred_at = _instant(row.get("occurred_at"), "occurred_at")
    occurred_until = _instant(row.get("occurred_until"), "occurred_until")
    # Free text may be empty (and is then emptied on update); coded fields keep their defaults.
    fields = {name: row.get(name) for name in TEXT_FIELDS if row.get(name) or name in ("description", "target_description")}
    fields |= {name: parse_int(row.get(name), name) for name in FIGURES}
    fields["latitude"] = parse_coordinate(row.get("latitude"), "latitude", 90)
    fields["longitude"] = parse_coordinate(row.get("longitude"), "longitude", 180)
    for end, bound in (("latitude", 90), ("longitude", 180)):
        own, of_place = f"origin_{end}", f"origin_place.{end}"
        fields[own] = parse_coordinate(row.get(own) or row.get(of_place), own if row.get(own) else of_place, bound)
    status = row.get("status") or IncidentStatus.DRAFT
    if status not in IncidentStatus.values:
        raise RowError("status", f"'{status}' is not one of {', '.join(IncidentStatus.values)}.")
    fields["status"] = status
    place = PlaceSpec(
        country="",
        country_code="",
        levels=((row.get("place.name"), PlaceKind.TOWN),),
        latitude=parse_coordinate(row.get("place.latitude"), "place.latitude", 90),
        longitude=parse_coordinate(row.get("place.longitude"), "place.longitude", 180),
    )
    source, external_id = row.get("external_source"), row.get("external_id")
    if not (source and external_id):
        source, external_id = NAME, row.get("id")
    perpetrator = PartySpec(row.get("perpetrator.name"), PartyKind.OTHER) if row.get("perpetrator.name") else None
    target = PartySpec(row.get("target_party.name"), PartyKind.OTHER) if row.get("target_party.name") else None
    flags = split_list(row.get("import_flags"))
    unknown = sorted(set(flags) - set(FLAG_NOTES))
    if unknown:
        raise RowError("import_flags", f"{', '.join(unknown)}: not one of {', '.join(sorted(FLAG_NOTES))}.")
    day = occurred_at.date()
    return Event(
        external_source=source,
        external_id=external_id,
        first_day=day,
        last_day=day,
        time_precision=fields["time_precision"],
        place=place,
        fields=fields,
        perpetrator=perpetrator,
        target=target,
        instants=(occurred_at, occurred_until),
        flags=flags,
    )
