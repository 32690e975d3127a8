"""ACLED exports (columns per ACLED's codebook, read by header name; older exports with
`data_id`, `event_id_no_cnty`, `iso3` and without `disorder_type`, `civilian_targeting`, `tags`
read the same).

Hostilities are imported — Battles, Explosions/Remote violence, Violence against civilians —
the rest (protests, riots, strategic developments) skipped with the reason counted. ACLED's
actor order does not say who attacked whom in a battle: `actor1` is the *alleged* perpetrator and
`actor2` the target party, and a battle's initiator is recorded as unknown (an exchange), a
one-sided event's as its perpetrator. `actor2` becomes a party only when it is an armed actor
(`inter2` state forces, rebels, militias, external forces): civilians, rioters and protesters
stay in the target description. ACLED codes the lowest
fatality figure its sources give, so it is stored as "at least" (a low without a high).
"""

from datetime import timedelta

from tracker.choices import Attribution, GeoPrecision, IncidentKind, Initiator, PartyKind, PlaceKind, TimePrecision
from tracker.countries import country_code
from tracker.domain.names import normalize_name
from tracker.importers.events import PLACED_COARSER, ClaimSpec, Event, PartySpec, PlaceSpec, Skip
from tracker.importers.reading import Row, RowError, labelled, parse_coordinate, parse_date, parse_int, split_list

NAME = "acled"
# Columns a file must have (a row may leave event_id_cnty or country empty: see parse).
REQUIRED = ("event_id_cnty", "event_date", "event_type", "sub_event_type", "country")
ROW_REQUIRED = ("event_date", "event_type", "sub_event_type")

# Event types of the current codebook, and of exports before its 2019 revision.
HOSTILITIES = {
    "battles",
    "explosions/remote violence",
    "violence against civilians",
    "remote violence",
    "battle-no change of territory",
    "battle-government regains territory",
    "battle-non-state actor overtakes territory",
}
NOT_HOSTILITIES = {
    "protests",
    "riots",
    "strategic developments",
    "riots/protests",
    "strategic development",
    "non-violent transfer of territory",
    "headquarters or base established",
}
ONE_SIDED = {"explosions/remote violence", "violence against civilians", "remote violence"}

SUB_EVENT_KINDS = {
    "air/drone strike": IncidentKind.AIRSTRIKE,
    "shelling/artillery/missile attack": IncidentKind.ARTILLERY_SHELLING,
    "armed clash": IncidentKind.ARMED_CLASH,
    "government regains territory": IncidentKind.GROUND_ASSAULT,
    "non-state actor overtakes territory": IncidentKind.GROUND_ASSAULT,
    "remote explosive/landmine/ied": IncidentKind.OTHER,
    "grenade": IncidentKind.OTHER,
    "suicide bomb": IncidentKind.OTHER,
    "chemical weapon": IncidentKind.OTHER,
    "attack": IncidentKind.OTHER,
    "sexual violence": IncidentKind.OTHER,
    "abduction/forced disappearance": IncidentKind.OTHER,
}

# inter1/inter2: numeric codes in older exports, their labels in newer ones.
ACTOR_KINDS = {
    "1": PartyKind.ARMED_FORCES,
    "state forces": PartyKind.ARMED_FORCES,
    "2": PartyKind.ARMED_GROUP,
    "rebel groups": PartyKind.ARMED_GROUP,
    "3": PartyKind.MILITIA,
    "political militias": PartyKind.MILITIA,
    "4": PartyKind.MILITIA,
    "identity militias": PartyKind.MILITIA,
    "8": PartyKind.OTHER,
    "external/other forces": PartyKind.OTHER,
}

TIME_PRECISIONS = {"1": TimePrecision.DAY, "2": TimePrecision.WEEK, "3": TimePrecision.MONTH}
# ACLED's geo_precision gives no distance: 1 is the named town itself; 2 a nearby town or a
# small part of a district, coded at that town's point — what UCDP GED's where_prec 2 ("within
# 25 km of the point") says in numbers, so both get the 25 km disc; 3 a larger region, coded at
# its capital or centroid — the region (its polygon where the gazetteer has one).
GEO_PRECISIONS = {"1": GeoPrecision.TOWN, "2": GeoPrecision.WITHIN_25KM, "3": GeoPrecision.REGION}


def _kind(sub_event_type: str, notes: str) -> tuple[str, list[str]]:
    """Our kind for an ACLED sub-event type, refined by the notes where ACLED lumps weapons
    together (air or drone; shelling, rockets or missiles)."""
    key = sub_event_type.casefold()
    kind = SUB_EVENT_KINDS.get(key)
    if kind is None:
        return IncidentKind.OTHER, [f"sub_event_type '{sub_event_type}' has no kind of ours: imported as 'other'"]
    text = notes.casefold()
    if (
        kind == IncidentKind.AIRSTRIKE
        and "drone" in text
        and not any(w in text for w in ("warplane", "jet", "aircraft", "helicopter"))
    ):
        kind = IncidentKind.DRONE_STRIKE
    elif kind == IncidentKind.ARTILLERY_SHELLING and not any(w in text for w in ("shell", "artillery", "mortar")):
        if "rocket" in text:
            kind = IncidentKind.ROCKET_ATTACK
        elif "missile" in text:
            kind = IncidentKind.MISSILE_STRIKE
    return kind, []


def _choice(row: Row, column: str, choices: dict, default=None):
    value = row.get(column)
    if not value:
        if default is None:
            raise RowError(column, "This column is required and is empty.")
        return default
    try:
        return choices[value.casefold()]
    except KeyError:
        raise RowError(column, f"'{value}' is not one of {', '.join(sorted(k for k in choices if k.isdigit()))}.") from None


def _places(row: Row, code: str) -> PlaceSpec:
    precision = row.get("geo_precision")
    levels: list[tuple[str, str]] = []
    for column, kind in (("admin1", PlaceKind.GOVERNORATE), ("admin2", PlaceKind.DISTRICT), ("admin3", PlaceKind.SUBDISTRICT)):
        if row.get(column):
            levels.append((row.get(column), kind))
    location = row.get("location")
    # At regional precision the location is the region itself (its name and centroid).
    same_as_region = levels and normalize_name(location) == normalize_name(levels[-1][0])
    if location and not (precision == "3" and same_as_region):
        levels.append((location, PlaceKind.TOWN))
    if not levels and not row.get("country"):
        raise RowError("location", "The row names no country and no location.")
    # With no admin names and no location, the event is placed at its country (flagged).
    return PlaceSpec(
        country=row.get("country"),
        country_code=code,
        levels=tuple(levels),
        latitude=parse_coordinate(row.get("latitude"), "latitude", 90),
        longitude=parse_coordinate(row.get("longitude"), "longitude", 180),
    )


def _external_id(row: Row) -> str:
    """ACLED's event id; rows exported with it empty carry their stable `data_id`, kept under
    a prefix that no event id has."""
    if row.get("event_id_cnty"):
        return row.get("event_id_cnty")
    if row.get("data_id"):
        return f"data_id:{row.get('data_id')}"
    raise RowError("event_id_cnty", "Neither event_id_cnty nor data_id is given.")


def parse(row: Row) -> Event | Skip:
    row = row.restored()  # the tracker's own ?format=acled export, read back as written
    for column in ROW_REQUIRED:
        row.require(column)
    external_id = _external_id(row)
    event_type = row.get("event_type")
    if event_type.casefold() in NOT_HOSTILITIES:
        return Skip(f"event type '{event_type}' is not hostilities")
    if event_type.casefold() not in HOSTILITIES:
        known = ", ".join(sorted(t.title() for t in HOSTILITIES | NOT_HOSTILITIES))
        raise RowError("event_type", f"'{event_type}' is not an ACLED event type ({known}).")
    day = parse_date(row.get("event_date"), "event_date")
    precision = _choice(row, "time_precision", TIME_PRECISIONS, default=TimePrecision.DAY)
    if precision == TimePrecision.WEEK:
        # ACLED codes the middle of the week when only the week is known.
        first, last = day - timedelta(days=3), day + timedelta(days=3)
    elif precision == TimePrecision.MONTH:
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    else:
        first = last = day
    code = country_code(row.get("country"), numeric=row.get("iso"), alpha3=row.get("iso3"))
    place = _places(row, code)
    notes = row.get("notes")
    kind, remarks = _kind(row.get("sub_event_type"), notes)
    actor1, actor2 = row.get("actor1"), row.get("actor2")
    one_sided = event_type.casefold() in ONE_SIDED
    perpetrator = PartySpec(actor1, ACTOR_KINDS.get(row.get("inter1").casefold(), PartyKind.OTHER)) if actor1 else None
    armed_target = row.get("inter2").casefold() in ACTOR_KINDS
    target_party = PartySpec(actor2, ACTOR_KINDS[row.get("inter2").casefold()]) if actor2 and armed_target else None
    if one_sided:
        target = actor2 or ("civilians" if row.get("civilian_targeting") else "")
    else:
        target = " vs ".join(a for a in (actor1, actor2) if a)
    fatalities = parse_int(row.get("fatalities"), "fatalities")
    details = [
        f"ACLED {external_id}: {event_type} / {row.get('sub_event_type')}",
        *labelled(
            row,
            (
                ("disorder_type", "Disorder type"),
                ("assoc_actor_1", "Associated with actor 1"),
                ("assoc_actor_2", "Associated with actor 2"),
                ("civilian_targeting", "Civilian targeting"),
                ("source_scale", "Source scale"),
                ("tags", "Tags"),
            ),
        ),
    ]
    fields = {
        "title": f"{row.get('sub_event_type')} – {place.event_level()[0]}"[:300],
        "kind": kind,
        "description": "\n\n".join(part for part in (notes, "\n".join(details)) if part),
        "geo_precision": _choice(row, "geo_precision", GEO_PRECISIONS, default=GeoPrecision.TOWN),
        "latitude": place.latitude,
        "longitude": place.longitude,
        "attribution": Attribution.ALLEGED if perpetrator else Attribution.UNKNOWN,
        "target_description": target[:500],
        "initiator": Initiator.PERPETRATOR if one_sided or target_party is None else Initiator.UNKNOWN,
        # ACLED's figure is the lowest its sources give: "at least", unless none died.
        "killed_low": fatalities,
        "killed_high": fatalities if fatalities == 0 else None,
    }
    claims = [ClaimSpec(source, f"{source}: report of ACLED event {external_id}") for source in split_list(row.get("source"))]
    return Event(
        external_source=NAME,
        external_id=external_id,
        first_day=first,
        last_day=last,
        time_precision=precision,
        place=place,
        fields=fields,
        perpetrator=perpetrator,
        target=target_party,
        claims=claims,
        notes=[*remarks, *(["external id from data_id (event_id_cnty empty)"] if external_id.startswith("data_id:") else [])],
        flags=[] if place.levels else [PLACED_COARSER],
    )
