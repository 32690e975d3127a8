"""The export in the datasets' own shapes: `?format=acled` (ACLED's columns and codes) and
`?format=ged` (UCDP GED's), so a pipeline built for either reads the tracker unchanged — and the
tracker's own importers read these files back (tests/test_dataset_exports.py: the round trip).

What each dataset cannot say is left as the dataset leaves it, never invented:

- ACLED: `event_date` is the incident's local date (its place's zone), `time_precision` 1/2/3
  for a day (or finer), a week (ACLED codes the week's middle day) or longer (the month);
  `fatalities` is ACLED's "at least" figure, our lowest — empty when no one reported one (ACLED
  writes 0; 0 would claim no one died). `actor1` is the alleged perpetrator, `actor2` the target
  party; `inter1`/`inter2` the labels of ACLED's actor types. Our kinds map to ACLED's sub-event
  types (air strikes, drone strikes and barrel bombs are `Air/drone strike`; shelling, rockets and
  missiles `Shelling/artillery/missile attack`; clashes and assaults `Armed clash`): the notes
  carry the description, whose words re-import the finer kind.
- GED: `date_start`/`date_end` are the local days of the incident's window; `where_prec` from
  our geo precision; `low`/`high` our range and `best` the low when the high is unknown too is
  left empty (GED's best is an estimate, ours would be a guess); `side_a` the perpetrator (empty
  when none is named), `side_b` the target party; `type_of_violence` 3 (one-sided) without a
  target party, else 1 when a state's forces fight, else 2.

`event_id_cnty` / `id` is the dataset's own id for an incident imported from it, else `TRK` and
the tracker's id, so a file round-trips without colliding with the dataset's ids. Text cells are
written formula-safe like every CSV the tracker writes.
"""

import csv
import io
import zoneinfo
from collections.abc import Iterable, Iterator
from datetime import timedelta

import pycountry

from tracker.choices import GeoPrecision, IncidentKind, PartyKind, PlaceKind
from tracker.countries import country_name
from tracker.csv_cells import neutralise
from tracker.domain.timewindows import incident_window
from tracker.models import Citation, Place
from tracker.representation import streaming
from tracker.selectors.aggregates import areas_of_kind
from tracker.selectors.verdicts import place_timezones

ACLED_COLUMNS = (
    "event_id_cnty", "event_date", "year", "time_precision", "disorder_type", "event_type", "sub_event_type",
    "actor1", "assoc_actor_1", "inter1", "actor2", "assoc_actor_2", "inter2", "interaction", "civilian_targeting",
    "iso", "region", "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude", "geo_precision",
    "source", "source_scale", "notes", "fatalities", "tags", "timestamp",
)  # fmt: skip
GED_COLUMNS = (
    "id", "relid", "year", "active_year", "code_status", "type_of_violence", "conflict_dset_id", "conflict_new_id",
    "conflict_name", "dyad_dset_id", "dyad_new_id", "dyad_name", "side_a_dset_id", "side_a_new_id", "side_a",
    "side_b_dset_id", "side_b_new_id", "side_b", "number_of_sources", "source_article", "source_office",
    "source_date", "source_headline", "source_original", "where_prec", "where_coordinates", "where_description",
    "adm_1", "adm_2", "latitude", "longitude", "geom_wkt", "priogrid_gid", "country", "country_id", "region",
    "event_clarity", "date_prec", "date_start", "date_end", "deaths_a", "deaths_b", "deaths_civilians",
    "deaths_unknown", "best", "high", "low", "gwnoa", "gwnob",
)  # fmt: skip

EXPLOSIONS, BATTLES = "Explosions/Remote violence", "Battles"
ACLED_TYPES = {
    IncidentKind.AIRSTRIKE: (EXPLOSIONS, "Air/drone strike"),
    IncidentKind.DRONE_STRIKE: (EXPLOSIONS, "Air/drone strike"),
    IncidentKind.BARREL_BOMB: (EXPLOSIONS, "Air/drone strike"),
    IncidentKind.ARTILLERY_SHELLING: (EXPLOSIONS, "Shelling/artillery/missile attack"),
    IncidentKind.ROCKET_ATTACK: (EXPLOSIONS, "Shelling/artillery/missile attack"),
    IncidentKind.MISSILE_STRIKE: (EXPLOSIONS, "Shelling/artillery/missile attack"),
    IncidentKind.ARMED_CLASH: (BATTLES, "Armed clash"),
    IncidentKind.GROUND_ASSAULT: (BATTLES, "Armed clash"),
    IncidentKind.OTHER: (EXPLOSIONS, "Remote explosive/landmine/IED"),
}
# ACLED's actor types (inter1/inter2), by the kind of party.
ACLED_INTER = {
    PartyKind.STATE: "State forces",
    PartyKind.GOVERNMENT: "State forces",
    PartyKind.ARMED_FORCES: "State forces",
    PartyKind.ARMED_GROUP: "Rebel groups",
    PartyKind.MILITIA: "Political militias",
    PartyKind.COALITION: "External/Other forces",
    PartyKind.INTERNATIONAL_BODY: "External/Other forces",
    PartyKind.OTHER: "External/Other forces",
}
STATE_KINDS = {PartyKind.STATE, PartyKind.GOVERNMENT, PartyKind.ARMED_FORCES}
ACLED_GEO = {
    GeoPrecision.EXACT: "1",
    GeoPrecision.NEAR: "1",
    GeoPrecision.TOWN: "1",
    GeoPrecision.WITHIN_25KM: "2",
    GeoPrecision.DISTRICT: "2",
    GeoPrecision.REGION: "3",
}
GED_WHERE = {
    GeoPrecision.EXACT: "1",
    GeoPrecision.NEAR: "1",
    GeoPrecision.TOWN: "1",
    GeoPrecision.WITHIN_25KM: "2",
    GeoPrecision.DISTRICT: "3",
    GeoPrecision.REGION: "4",
}
# Where ACLED and UCDP name a country otherwise than its common name (ISO 3166's "Türkiye").
DATASET_COUNTRY_NAMES = {"TR": "Turkey", "CD": "Democratic Republic of Congo", "CG": "Republic of Congo"}
ADMIN_LEVELS = (PlaceKind.GOVERNORATE, PlaceKind.DISTRICT, PlaceKind.SUBDISTRICT)
CHUNK = 2000


class _Context:
    """What every row needs about places, read once per export."""

    def __init__(self):
        self.zones = place_timezones()
        self.levels = {kind: areas_of_kind(kind) for kind in ADMIN_LEVELS}
        ids = {pk for level in self.levels.values() for pk in level.values()}
        self.names = dict(Place.all_objects.filter(pk__in=ids).values_list("pk", "name"))

    def admin(self, place: Place, kind: str) -> str:
        area = self.levels[kind].get(place.pk)
        return self.names.get(area, "") if area is not None else ""

    def local_days(self, incident):
        """The first and last local day of the incident's window, in its place's zone."""
        zone = self.zones.get(incident.place_id, "UTC")
        start, end = incident_window(incident.occurred_at, incident.time_precision, incident.occurred_until, zone)
        tz = zoneinfo.ZoneInfo(zone)
        first = start.astimezone(tz).date()
        last = (end - timedelta(microseconds=1)).astimezone(tz).date()
        return first, max(first, last)


def _sources(incidents) -> dict[int, list[Citation]]:
    cited: dict[int, list[Citation]] = {i.pk: [] for i in incidents}
    for citation in Citation.objects.filter(incident__in=list(cited)).select_related("report__source").order_by("id"):
        cited[citation.incident_id].append(citation)
    return cited


def _point(incident) -> tuple:
    if incident.latitude is not None and incident.longitude is not None:
        return incident.latitude, incident.longitude
    return incident.place.latitude, incident.place.longitude


def _num(value) -> str:
    return "" if value is None else str(value)


def _external_id(incident, dataset: str) -> str:
    return incident.external_id if incident.external_source == dataset and incident.external_id else f"TRK{incident.pk}"


def _location(place: Place) -> str:
    # A place at an admin level is its own location at regional precision (ACLED's convention).
    return place.name if place.kind != PlaceKind.COUNTRY else ""


def _country(place: Place) -> tuple[str, str]:
    """(name as the datasets write it, ISO 3166 numeric code)."""
    if not place.country_code:
        return "", ""
    found = pycountry.countries.get(alpha_2=place.country_code)
    name = country_name(place.country_code)
    return DATASET_COUNTRY_NAMES.get(place.country_code, name), (str(int(found.numeric)) if found else "")


def _acled_geo(incident) -> str:
    # An incident placed at an administrative area is coded at the area's centroid: ACLED's 3,
    # with the area's name as the location (its importer then finds the area, not a town).
    return "3" if incident.place.kind in ADMIN_LEVELS else ACLED_GEO.get(incident.geo_precision, "1")


def acled_row(incident, context: _Context, citations: list[Citation]) -> list:
    first, last = context.local_days(incident)
    days = (last - first).days
    precision = "1" if days == 0 else ("2" if days <= 7 else "3")
    day = first + timedelta(days=3) if precision == "2" else first
    event_type, sub_event_type = ACLED_TYPES.get(incident.kind, ACLED_TYPES[IncidentKind.OTHER])
    perpetrator, target = incident.perpetrator, incident.target_party
    place = incident.place
    country, iso = _country(place)
    latitude, longitude = _point(incident)
    sources = list(dict.fromkeys(c.report.source.name for c in citations))
    return [
        _external_id(incident, "acled"), day.isoformat(), day.year, precision, "Political violence", event_type,
        sub_event_type, perpetrator.name if perpetrator else "", "",
        ACLED_INTER.get(perpetrator.kind, "") if perpetrator else "", target.name if target else "", "",
        ACLED_INTER.get(target.kind, "") if target else "", "",
        "Civilian targeting" if incident.civilians_killed_low else "", iso, "", country,
        context.admin(place, PlaceKind.GOVERNORATE), context.admin(place, PlaceKind.DISTRICT),
        context.admin(place, PlaceKind.SUBDISTRICT), _location(place), _num(latitude), _num(longitude),
        _acled_geo(incident), "; ".join(sources), "",
        incident.description or incident.title, _num(incident.killed_low), "", int(incident.updated_at.timestamp()),
    ]  # fmt: skip


def ged_row(incident, context: _Context, citations: list[Citation]) -> list:
    first, last = context.local_days(incident)
    perpetrator, target = incident.perpetrator, incident.target_party
    if target is None:
        violence = "3"
    elif {getattr(perpetrator, "kind", None), target.kind} & STATE_KINDS:
        violence = "1"
    else:
        violence = "2"
    place = incident.place
    country, iso = _country(place)
    latitude, longitude = _point(incident)
    where = "6" if place.kind == PlaceKind.COUNTRY else GED_WHERE.get(incident.geo_precision, "1")
    low, high = incident.killed_low, incident.killed_high
    best = low if high is not None else None
    days = (last - first).days
    date_prec = "1" if days == 0 else "2" if days < 7 else "3" if days == 7 else "4" if days <= 31 else "5"
    reports = list({c.report_id: c.report for c in citations}.values())
    # GED's source_article lists "Office,date,Headline" per article, `;`-separated.
    articles = [(r.source.name, r.published_at.date().isoformat() if r.published_at else "", r.title) for r in reports]
    articles = [tuple(part.replace(";", ",") for part in article) for article in articles]
    dyad = " - ".join(p.name for p in (perpetrator, target) if p is not None)
    return [
        _external_id(incident, "ucdp"), "", first.year, "", "", violence, "", "", "", "", "", dyad, "", "",
        perpetrator.name if perpetrator else "", "", "", target.name if target else "", len(reports),
        ";".join(",".join(article) for article in articles), ";".join(a[0] for a in articles),
        ";".join(a[1] for a in articles), ";".join(a[2] for a in articles), "", where, _location(place), incident.target_description,
        context.admin(place, PlaceKind.GOVERNORATE), context.admin(place, PlaceKind.DISTRICT), _num(latitude),
        _num(longitude), f"POINT ({longitude} {latitude})" if latitude is not None else "", "", country, iso, "", "",
        date_prec, first.isoformat(), last.isoformat(), "", "", _num(incident.civilians_killed_low), "",
        _num(best), _num(high), _num(low), "", "",
    ]  # fmt: skip


def _cells(row: Iterable) -> list[str]:
    return [neutralise(value) if isinstance(value, str) else str(value) for value in row]


def stream(queryset, dataset: str) -> Iterator[bytes]:
    """The filtered incidents as the dataset's CSV, in blocks: the header, then CHUNK incidents
    at a time (two queries per chunk: the incidents with their place and parties, their
    citations with reports and sources)."""
    columns, row_of = (ACLED_COLUMNS, acled_row) if dataset == "acled" else (GED_COLUMNS, ged_row)
    context = _Context()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    yield buffer.getvalue().encode()
    incidents = queryset.select_related("place", "perpetrator", "target_party").prefetch_related(None)
    for batch in _batches(streaming.rows(incidents, CHUNK)):
        cited = _sources(batch)
        buffer.seek(0)
        buffer.truncate()
        writer.writerows(_cells(row_of(incident, context, cited[incident.pk])) for incident in batch)
        yield buffer.getvalue().encode()


def _batches(rows: Iterator) -> Iterator[list]:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch
