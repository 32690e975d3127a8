"""Aggregates of incidents: how many, and their casualty sums, per group of time, area, party,
kind, status, verdict or H3 cell — what a dashboard or an analyst asks before any single record.

`aggregate` takes the incidents a list request would return (its filters and the reader's
visibility already applied: one rule, the list's) and answers one row per group, in the groups'
order, with the totals over all the groups — which equal the list's count, whatever the grouping.

How each grouping is computed, and why:

- **day, week, month** — the local calendar of `time_zone`: an IANA zone for every incident, or
  `place` (the default), each incident in its place's own zone (its nearest ancestor's, else UTC:
  the compliance series' rule), so a strike at 23:30 UTC on 5 March in Idlib counts on 6 March.
  Weeks start on Monday (ISO 8601) and are named by that Monday; months by their first day.
- **country, admin1, admin2** — the gazetteer's: the place's country code, and the place itself
  or its nearest ancestor of kind governorate (admin level 1) or district (admin level 2).
  Incidents at a place above that level (a country-wide claim) fall in the null group: they are
  counted, never dropped and never guessed into an area.
- **perpetrator, perpetrator_top, dyad** — the alleged perpetrator, its top-level party (the root
  of its hierarchy: a brigade counts for its army), and the pair perpetrator → target party.
- **kind, status** — the incident's own.
- **verdict** — the effective verdict (a reviewer's override, else the computed one) against the
  `ceasefire` given.
- **h3** — the H3 cell (Uber's hexagonal grid, `h3_resolution` 0–15) of the incident's exact
  point, else its place's point; incidents with no point fall in the null group. H3 cells are
  not computed in SQL (neither database has the functions): the database groups by point and
  the cells are merged here, so this grouping costs in proportion to the distinct points.

The areas' and parties' hierarchies are read once per request (the gazetteer and the parties
are small next to the incidents) and handed to the database as CASE expressions, so every
grouping is one GROUP BY over the filtered incidents: the query count does not grow with the
data, and a filter's index serves the aggregate as it serves the list.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from zoneinfo import ZoneInfo

import h3
from django.db import connection, models
from django.db.models import Case, Count, F, Func, OuterRef, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, NullIf

from tracker.choices import IncidentKind, IncidentStatus, PlaceKind, Verdict
from tracker.countries import country_name
from tracker.models import Assessment, Ceasefire, Party, Place
from tracker.models.incidents import CASUALTY_FIELDS
from tracker.selectors.verdicts import place_timezones

TIME_GROUPS = ("day", "week", "month")
GROUPS = (
    *TIME_GROUPS,
    "country",
    "admin1",
    "admin2",
    "perpetrator",
    "perpetrator_top",
    "dyad",
    "kind",
    "status",
    "verdict",
    "h3",
)
# The sums: every casualty figure as its low and high bound. A figure no one reported (null) is
# left out of the sum, not counted as zero: `killed_low` is the sum of the known lows.
SUMS = tuple(f"{figure}_{bound}" for figure in CASUALTY_FIELDS for bound in ("low", "high"))
METRICS = ("count", *SUMS)
# Groups that are areas, finest first: the one a GeoJSON feature takes its shape from.
AREA_GROUPS = ("h3", "admin2", "admin1", "country")
PLACE_ZONE = "place"
# The gazetteer's administrative levels, as ACLED's admin1 and admin2 (and GADM's levels 1, 2).
ADMIN_KINDS = {"admin1": PlaceKind.GOVERNORATE, "admin2": PlaceKind.DISTRICT}
MAX_DEPTH = 32  # tracker.models.hierarchy's bound on a corrupted chain


class AggregateError(ValueError):
    """A request the aggregates cannot answer, with the parameter to blame (a 400)."""

    def __init__(self, param: str, message: str):
        super().__init__(message)
        self.param = param


@dataclass(frozen=True)
class Request:
    """What to group by, what to sum, and how."""

    group_by: tuple[str, ...]
    metrics: tuple[str, ...] = ("count",)
    time_zone: str = PLACE_ZONE
    ceasefire: Ceasefire | None = None
    h3_resolution: int | None = None
    max_groups: int = 10_000


class LocalDate(Func):
    """The local calendar date (or the Monday of its week, or the first of its month) of an
    instant in a zone given per row: PostgreSQL's `AT TIME ZONE`; on SQLite, the function Django
    registers for its own truncations, which takes the zone as an argument."""

    output_field = models.DateField()

    def __init__(self, unit: str, instant, zone, **extra):
        if unit not in TIME_GROUPS:
            raise ValueError(unit)
        super().__init__(Value(unit), instant, zone, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        unit, instant, zone = (compiler.compile(e) for e in self.get_source_expressions())
        sql = f"(date_trunc({unit[0]}, ({instant[0]}) AT TIME ZONE ({zone[0]})))::date"
        return sql, (*unit[1], *instant[1], *zone[1])

    def as_sqlite(self, compiler, connection, **extra):
        unit, instant, zone = (compiler.compile(e) for e in self.get_source_expressions())
        sql = f"django_date_trunc({unit[0]}, {instant[0]}, {zone[0]}, 'UTC')"
        return sql, (*unit[1], *instant[1], *zone[1])


def _nearest(rows: dict[int, tuple[int | None, str]], wanted) -> dict[int, int]:
    """For each record of a hierarchy ({id: (parent id, value)}), the id of itself or its
    nearest ancestor whose value passes `wanted` (records with none are left out)."""
    found: dict[int, int | None] = {}
    for pk in rows:
        chain, node = [], pk
        while node is not None and node not in found and len(chain) <= MAX_DEPTH:
            chain.append(node)
            parent, value = rows.get(node, (None, None))
            if wanted(node, value):
                found[node] = node
                break
            node = parent
        answer = found.get(node) if node is not None else None
        for member in chain:
            found.setdefault(member, answer)
    return {pk: target for pk, target in found.items() if target is not None}


def _case(mapping: dict[int, object], field: str, output_field) -> Case | Value:
    """`field` mapped through `mapping` in SQL: one WHEN per distinct target, an IN list each."""
    by_target: dict[object, list[int]] = {}
    for pk, target in mapping.items():
        by_target.setdefault(target, []).append(pk)
    if not by_target:
        return Value(None, output_field=output_field)
    whens = [When(**{f"{field}__in": sorted(ids)}, then=Value(target)) for target, ids in sorted(by_target.items())]
    return Case(*whens, default=Value(None), output_field=output_field)


def _zone_expression(time_zone: str):
    if time_zone != PLACE_ZONE:
        return Value(time_zone, output_field=models.CharField())
    zones = {pk: zone for pk, zone in place_timezones().items() if zone != "UTC"}
    expression = _case(zones, "place_id", models.CharField())
    return Coalesce(expression, Value("UTC"), output_field=models.CharField())


def areas_of_kind(kind: str) -> dict[int, int]:
    """Each place's own id or its nearest ancestor's of this kind (places with none left out)."""
    rows = {pk: (parent, k) for pk, parent, k in Place.all_objects.values_list("pk", "parent_id", "kind")}
    return _nearest(rows, lambda pk, value: value == kind)


def _top_parties() -> dict[int, int]:
    rows = {pk: (parent, None) for pk, parent in Party.objects.values_list("pk", "parent_id")}
    return _nearest(rows, lambda pk, value: rows[pk][0] is None)


def _columns(request: Request) -> dict[str, object]:
    """The SQL expression of each group's key column(s)."""
    columns: dict[str, object] = {}
    for group in request.group_by:
        if group in TIME_GROUPS:
            columns[group] = LocalDate(group, F("occurred_at"), _zone_expression(request.time_zone))
        elif group == "country":
            columns[group] = NullIf(F("place__country_code"), Value(""))
        elif group in ADMIN_KINDS:
            columns[group] = _case(areas_of_kind(ADMIN_KINDS[group]), "place_id", models.IntegerField())
        elif group == "perpetrator":
            columns[group] = F("perpetrator_id")
        elif group == "perpetrator_top":
            columns[group] = _case(_top_parties(), "perpetrator_id", models.IntegerField())
        elif group == "dyad":
            columns["dyad_perpetrator"] = F("perpetrator_id")
            columns["dyad_target"] = F("target_party_id")
        elif group in ("kind", "status"):
            columns[group] = F(group)
        elif group == "verdict":
            effective = (
                Assessment.objects.filter(incident=OuterRef("pk"), ceasefire=request.ceasefire)
                .with_effective_verdict()
                .values("effective")[:1]
            )
            columns[group] = Subquery(effective, output_field=models.CharField())
        elif group == "h3":
            columns["_lat"] = Coalesce("latitude", "place__latitude")
            columns["_lon"] = Coalesce("longitude", "place__longitude")
    return columns


def check(request: Request) -> None:
    """Refuse what cannot be answered, naming the parameter."""
    if not request.group_by:
        raise AggregateError("group_by", f"Give at least one of: {', '.join(GROUPS)}.")
    for group in request.group_by:
        if group not in GROUPS:
            raise AggregateError("group_by", f"Unknown group {group!r}. Known: {', '.join(GROUPS)}.")
    if len(set(request.group_by)) != len(request.group_by):
        raise AggregateError("group_by", "Each group may be given once.")
    if sum(g in TIME_GROUPS for g in request.group_by) > 1:
        raise AggregateError("group_by", "At most one of day, week and month.")
    if "verdict" in request.group_by and request.ceasefire is None:
        raise AggregateError("group_by", "verdict needs `ceasefire`: the verdict against which ceasefire.")
    if ("h3" in request.group_by) != (request.h3_resolution is not None):
        raise AggregateError("h3_resolution", "h3_resolution (0-15) is given with group_by=h3, and only with it.")
    for metric in request.metrics:
        if metric not in METRICS:
            raise AggregateError("metric", f"Unknown metric {metric!r}. Known: {', '.join(METRICS)}.")
    if request.time_zone != PLACE_ZONE:
        try:
            ZoneInfo(request.time_zone)
            known = _database_knows(request.time_zone)
        except (ValueError, KeyError, OSError):
            known = False
        if not known:
            raise AggregateError("time_zone", f"Unknown time zone {request.time_zone!r}: give an IANA name or `place`.")
        if not any(g in TIME_GROUPS for g in request.group_by):
            raise AggregateError("time_zone", "time_zone applies to group_by day, week or month only.")


@cache
def _postgresql_zones() -> frozenset[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_timezone_names")
        return frozenset(name for (name,) in cursor.fetchall())


def _database_knows(zone: str) -> bool:
    """Whether the database converts with this zone: a zone Python knows and PostgreSQL does not
    (their tz databases differ in age) must be a 400, not an error in the query. SQLite converts
    with Python's own zoneinfo."""
    return connection.vendor != "postgresql" or zone in _postgresql_zones()


def _sums(metrics: Iterable[str]) -> dict[str, object]:
    return {m: Count("id") if m == "count" else Sum(m) for m in metrics}


def aggregate(incidents: models.QuerySet, request: Request) -> dict:
    """One row per group of `incidents` (already filtered and visible), in the groups' order, and
    the totals: {"results": [...], "totals": {...}}. Raises AggregateError for a request that
    cannot be answered, or whose groups exceed `max_groups`."""
    check(request)
    metrics = tuple(dict.fromkeys(("count", *request.metrics)))  # the count is always there
    base = incidents.order_by().prefetch_related(None)
    # Aliased: a group named like a field (kind, status) cannot be an annotation of its own name.
    columns = {f"g_{name}": expression for name, expression in _columns(request).items()}
    rows = list(
        base.annotate(**columns)
        .values(*columns)
        .annotate(**_sums(metrics))
        .order_by(*(F(c).asc(nulls_last=True) for c in columns))[: request.max_groups + 1]
    )
    rows = [{name.removeprefix("g_") if name in columns else name: value for name, value in row.items()} for row in rows]
    if "h3" in request.group_by:
        keys = [name.removeprefix("g_") for name in columns]
        rows = _into_cells(rows, request.h3_resolution, keys, metrics, request.max_groups)
    if len(rows) > request.max_groups:
        raise AggregateError(
            "group_by", f"More than {request.max_groups} groups: group more coarsely or filter to fewer incidents."
        )
    totals = base.aggregate(**_sums(metrics))
    results = [_row(row, request, metrics) for row in rows]
    names = _label(results, request)
    return {"columns": [*names, *metrics], "results": results, "totals": {m: totals[m] for m in metrics}}


def _into_cells(rows: list[dict], resolution: int, columns: list[str], metrics, limit: int) -> list[dict]:
    """Rows grouped by point merged into rows grouped by the points' H3 cells."""
    merged: dict[tuple, dict] = {}
    others = [c for c in columns if c not in ("_lat", "_lon")]
    for row in rows:
        lat, lon = row.pop("_lat"), row.pop("_lon")
        cell = h3.latlng_to_cell(lat, lon, resolution) if lat is not None and lon is not None else None
        key = (*(row[c] for c in others), cell)
        into = merged.get(key)
        if into is None:
            merged[key] = {**row, "h3": cell}
        else:
            for m in metrics:
                if row[m] is not None:
                    into[m] = row[m] if into[m] is None else into[m] + row[m]
        if len(merged) > limit:
            break

    def order(item):
        return tuple((value is None, value if value is not None else "") for value in item[0])

    return [row for _, row in sorted(merged.items(), key=order)]


def _row(row: dict, request: Request, metrics) -> dict:
    out: dict = {}
    for group in request.group_by:
        if group == "dyad":
            out["dyad_perpetrator"], out["dyad_target"] = row["dyad_perpetrator"], row["dyad_target"]
        else:
            value = row[group]
            out[group] = value.isoformat() if isinstance(value, date) else value
    out.update({m: row[m] for m in metrics})
    return out


# What each group's key is called, for people: a label column beside the key.
_LABELS = {"kind": IncidentKind, "status": IncidentStatus, "verdict": Verdict}
_PARTY_KEYS = ("perpetrator", "perpetrator_top", "dyad_perpetrator", "dyad_target")
# The keys that get a `<key>_name` (dates and H3 cells are their own names).
NAMED = (*ADMIN_KINDS, *_PARTY_KEYS, "country", *_LABELS)


def _label(results: list[dict], request: Request) -> list[str]:
    """A `<key>_name` beside each id and code (one query per kind of record named); returns the
    key and name columns in order."""
    places: set[int] = set()
    parties: set[int] = set()
    keys = [k for g in request.group_by for k in (("dyad_perpetrator", "dyad_target") if g == "dyad" else (g,))]
    for key in keys:
        ids = {r[key] for r in results if r[key] is not None}
        if key in ADMIN_KINDS:
            places |= ids
        elif key in _PARTY_KEYS:
            parties |= ids
    place_names = dict(Place.all_objects.filter(pk__in=places).values_list("pk", "name")) if places else {}
    party_names = dict(Party.objects.filter(pk__in=parties).values_list("pk", "name")) if parties else {}
    for row in results:
        for key in keys:
            value = row.pop(key)
            row[key] = value
            if key in ADMIN_KINDS:
                row[f"{key}_name"] = place_names.get(value)
            elif key in _PARTY_KEYS:
                row[f"{key}_name"] = party_names.get(value)
            elif key == "country":
                row["country_name"] = country_name(value) if value else None
            elif key in _LABELS:
                row[f"{key}_name"] = _LABELS[key](value).label if value else None
        for metric in [k for k in row if k in METRICS]:
            row[metric] = row.pop(metric)  # after the keys and their names
    return [column for key in keys for column in ((key, f"{key}_name") if key in NAMED else (key,))]


def add_shapes(results: list[dict], request: Request) -> None:
    """Each row's `geometry` (GeoJSON, lon/lat): its finest area's — an H3 cell's hexagon, the
    gazetteer's shape of a governorate, district or country, else that place's point; none for
    the null group or a place with neither."""
    area = next(group for group in AREA_GROUPS if group in request.group_by)
    if area == "h3":
        for row in results:
            cell = row["h3"]
            ring = [[lon, lat] for lat, lon in h3.cell_to_boundary(cell)] if cell else None
            row["geometry"] = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]} if ring else None
        return
    if area == "country":
        places = Place.objects.filter(kind=PlaceKind.COUNTRY, country_code__in={r["country"] for r in results if r["country"]})
        by_key = {p.country_code: p for p in places.order_by("id")}  # the first country record per code
    else:
        by_key = Place.all_objects.in_bulk({r[area] for r in results if r[area] is not None})
    for row in results:
        place = by_key.get(row[area])
        row["geometry"] = _shape(place) if place is not None else None


def _shape(place: Place) -> dict | None:
    if place.geometry:
        return place.geometry
    if place.latitude is not None and place.longitude is not None:
        return {"type": "Point", "coordinates": [place.longitude, place.latitude]}
    return None
