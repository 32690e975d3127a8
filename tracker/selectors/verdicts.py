"""What the verdict rules read: a ceasefire's context (its zone, scope, bound parties with their
commitments, exempt parties, undertakings' areas, lifecycle), narrowed to one incident's
chains when one incident is assessed, and the incidents a ceasefire could concern."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q

from tracker import conf
from tracker.choices import IncidentStatus, PartyRole, Verdict
from tracker.domain.commitments import Commitment, commitments, effective_end, lifecycle_end
from tracker.domain.geo import ZoneShape, expand_bounds, geometry_bounds
from tracker.domain.timewindows import WINDOW_REACH
from tracker.domain.verdicts import AREA_TYPES, Area, CeasefireContext, concerns, default_margin, evaluate
from tracker.models import Ceasefire, Incident, Party, Place
from tracker.models.hierarchy import chain_rows, subtree_id_list, subtree_ids

# What building a context reads of a ceasefire besides its own row.
CONTEXT_PREFETCH = ("party_roles", "declarations", "lifecycle")


def _exempt_roots(ceasefire: Ceasefire) -> set[int]:
    return {role.party_id for role in ceasefire.party_roles.all() if role.role == PartyRole.EXEMPT}


def context_ceasefires():
    """Ceasefires with everything `ceasefire_context` and `incident_context` read."""
    return Ceasefire.objects.select_related("scope", "zone").prefetch_related(*CONTEXT_PREFETCH)


def _subtree_set(model, root_ids: Iterable[int]) -> frozenset[int]:
    """Ids of the given rows and everything below them in the hierarchy."""
    roots = list(root_ids)
    if not roots:
        return frozenset()
    placeholders = ", ".join(["%s"] * len(roots))
    below = subtree_ids(model, f"SELECT id FROM {model._meta.db_table} WHERE id IN ({placeholders})", roots)  # nosec B608
    return frozenset(model.objects.filter(pk__in=below).values_list("pk", flat=True))


def place_timezones() -> dict[int, str]:
    """Every place's effective IANA zone (its own, else its nearest ancestor's, else UTC)."""
    rows = {pk: (parent, tz) for pk, parent, tz in Place.objects.values_list("pk", "parent_id", "timezone")}
    resolved: dict[int, str] = {}

    def resolve(pk: int, depth: int = 0) -> str:
        if pk in resolved:
            return resolved[pk]
        parent, tz = rows[pk]
        zone = tz or (resolve(parent, depth + 1) if parent is not None and depth < 32 else "UTC")
        resolved[pk] = zone
        return zone

    for pk in rows:
        resolve(pk)
    return resolved


def _span(ceasefire: Ceasefire, held: Iterable[Commitment]) -> tuple[datetime, datetime | None]:
    held = list(held)
    start = min([ceasefire.starts_at, *(c.starts_at for c in held)])
    end = effective_end(ceasefire)
    ends = [end, *(c.ends_at for c in held)]
    return start, (None if None in ends else max(ends))


def _area_shape(place: Place) -> ZoneShape | None:
    geometry = place.geometry
    return ZoneShape(geometry) if geometry and geometry.get("type") in AREA_TYPES else None


def _zone_geometry(ceasefire: Ceasefire) -> dict | None:
    zone = ceasefire.zone if ceasefire.zone_id else ceasefire.scope
    return zone.geometry if zone.geometry and zone.geometry.get("type") in AREA_TYPES else None


def _areas(held: Iterable[Commitment], members=None) -> dict[int, Area]:
    """The undertakings' areas. `members(area id)`, when given, narrows an area without a
    polygon to the places asked about (one incident's) instead of reading its whole subtree."""
    area_ids = {c.area_id for c in held if c.area_id is not None}
    areas = {}
    for place in Place.objects.filter(pk__in=area_ids):
        shape = _area_shape(place)
        if shape is not None:
            areas[place.pk] = Area(shape, frozenset())
        else:
            areas[place.pk] = Area(None, _subtree_set(Place, [place.pk]) if members is None else members(place.pk))
    return areas


def _context(ceasefire: Ceasefire, *, scope_place_ids, bound, timezones, held, ancestors, exempt, areas) -> CeasefireContext:
    geometry = _zone_geometry(ceasefire)
    margin = conf.ASSESSMENT_MARGIN_KM
    return CeasefireContext(
        ceasefire=ceasefire,
        geometry=geometry,
        zone_shape=ZoneShape(geometry) if geometry else None,
        scope_place_ids=scope_place_ids,
        bound=bound,
        bounds=expand_bounds(geometry_bounds(geometry), margin) if geometry else None,
        timezones=timezones,
        span=_span(ceasefire, held),
        scope_ancestor_ids=ancestors,
        exempt_ids=exempt,
        ended=lifecycle_end(ceasefire),
        areas=areas,
        load_place=lambda pk: Place.all_objects.get(pk=pk),
    )


def _scope_ancestors(ceasefire: Ceasefire) -> frozenset[int]:
    return frozenset(pk for (pk,) in chain_rows(Place, ceasefire.scope_id)[1:])


def ceasefire_context(ceasefire: Ceasefire, timezones: dict[int, str] | None = None) -> CeasefireContext:
    """Load the ceasefire's zone, scope subtree and bound parties with each one's commitment (to
    evaluate many incidents). Expects CONTEXT_PREFETCH prefetched (`context_ceasefires`)."""
    held = commitments(ceasefire)
    units = {party_id: _subtree_set(Party, [party_id]) for party_id in held}
    bound: dict[int, Commitment] = {}
    # A unit below two bound parties is held to the nearer one's commitment: the nearer party's
    # subtree is the smaller, so it is written last.
    for party_id in sorted(units, key=lambda pk: (-len(units[pk]), pk)):
        bound.update(dict.fromkeys(units[party_id], held[party_id]))
    return _context(
        ceasefire,
        scope_place_ids=_subtree_set(Place, [ceasefire.scope_id]),
        bound=bound,
        timezones=timezones if timezones is not None else place_timezones(),
        held=held.values(),
        ancestors=_scope_ancestors(ceasefire),
        exempt=_subtree_set(Party, _exempt_roots(ceasefire)),
        areas=_areas(held.values()),
    )


@dataclass(frozen=True)
class IncidentChains:
    """An incident's place, perpetrator and target with their ancestors, and its place's zone:
    what evaluating it against any ceasefire needs of the hierarchies (read once per incident)."""

    place_id: int
    place_ids: frozenset[int]  # its place and that place's ancestors (empty if the place is trashed)
    party_chain: tuple[int, ...]  # its perpetrator and the perpetrator's ancestors, nearest first
    timezone: str
    target_chain: tuple[int, ...] = ()  # its target party and that party's ancestors
    origin_place_id: int | None = None
    origin_ids: frozenset[int] = frozenset()  # its origin place and that place's ancestors
    below_ids: frozenset[int] = frozenset()  # its place and every place below it (empty if trashed)

    @classmethod
    def of(cls, incident: Incident) -> "IncidentChains":
        places = chain_rows(Place, incident.place_id, "timezone")
        zone = next((tz for _, tz in places if tz), "UTC")
        live = incident.place.deleted_at is None  # a trashed place is in no ceasefire's scope
        parties = chain_rows(Party, incident.perpetrator_id) if incident.perpetrator_id else []
        targets = chain_rows(Party, incident.target_party_id) if incident.target_party_id else []
        origins = chain_rows(Place, incident.origin_place_id) if incident.origin_place_id else []
        return cls(
            place_id=incident.place_id,
            place_ids=frozenset(pk for pk, _ in places) if live else frozenset(),
            party_chain=tuple(pk for (pk,) in parties),
            timezone=zone,
            target_chain=tuple(pk for (pk,) in targets),
            origin_place_id=incident.origin_place_id,
            below_ids=frozenset(subtree_id_list(Place, incident.place_id)) if live else frozenset(),
            origin_ids=frozenset(pk for (pk,) in origins),
        )


def incident_context(ceasefire: Ceasefire, chains: IncidentChains) -> CeasefireContext:
    """The ceasefire's context narrowed to one incident: its scope, bound and exempt parties are
    known only as far as that incident's places and parties go, so evaluating one incident reads
    a few short chains instead of every place and party below the ceasefire's."""

    def members(top: int) -> frozenset[int]:
        """The incident's places (impact, origin) at or below `top`."""
        located = ((chains.place_id, chains.place_ids), (chains.origin_place_id, chains.origin_ids))
        return frozenset(pk for pk, chain in located if pk is not None and top in chain)

    held = commitments(ceasefire)
    nearest = next((held[pk] for pk in chains.party_chain if pk in held), None)
    target_nearest = next((held[pk] for pk in chains.target_chain if pk in held), None)
    bound = {chains.party_chain[0]: nearest} if nearest else {}
    if target_nearest:
        bound[chains.target_chain[0]] = target_nearest
    exempt = frozenset(chains.target_chain[:1]) if _exempt_roots(ceasefire).intersection(chains.target_chain) else frozenset()
    # The incident's place is above the scope when the scope lies below it (read once per
    # incident in its chains, not once per ceasefire).
    above = chains.place_id != ceasefire.scope_id and ceasefire.scope_id in chains.below_ids
    return _context(
        ceasefire,
        scope_place_ids=members(ceasefire.scope_id),
        bound=bound,
        timezones={chains.place_id: chains.timezone},
        held=held.values(),
        ancestors=frozenset([chains.place_id]) if above else frozenset(),
        exempt=exempt,
        areas=_areas([c for c in (nearest, target_nearest) if c], members),
    )


def _in_box(lat: str, lon: str, bounds: tuple[float, float, float, float]) -> Q:
    min_lon, min_lat, max_lon, max_lat = bounds
    return Q(**{f"{lat}__gte": min_lat, f"{lat}__lte": max_lat, f"{lon}__gte": min_lon, f"{lon}__lte": max_lon})


def candidate_incidents(ctx: CeasefireContext, *, margin: timedelta | None = None):
    """SQL prefilter by time and bounding box (or scope place): a superset of the incidents the
    ceasefire could concern, which `concerns` then settles exactly."""
    margin = margin or default_margin()
    first, last = ctx.span
    earliest = first - margin
    # A precision window ends at most ~32 days after its instant (a month); an interval ends at
    # occurred_until. Intervals starting over a year before the ceasefire are not scanned.
    qs = Incident.objects.exclude(status=IncidentStatus.REJECTED).filter(
        Q(occurred_until__isnull=True, occurred_at__gte=earliest - timedelta(days=32))
        | Q(occurred_until__gt=earliest, occurred_at__gte=earliest - timedelta(days=366))
    )
    if last is not None:
        # A month-precision incident dated after the bound may have a window starting before it.
        qs = qs.filter(occurred_at__lt=last + margin + WINDOW_REACH)
    spatial = Q(place_id__in=ctx.scope_place_ids | ctx.scope_ancestor_ids) | Q(origin_place_id__in=ctx.scope_place_ids)
    if ctx.bounds is not None:
        # The impact and the origin, each by its own point, else by its place's point.
        for own, place in (("", "place__"), ("origin_", "origin_place__")):
            spatial |= _in_box(f"{own}latitude", f"{own}longitude", ctx.bounds)
            spatial |= Q(**{f"{own}latitude__isnull": True}) & _in_box(f"{place}latitude", f"{place}longitude", ctx.bounds)
    return qs.filter(spatial).select_related("place")


def answered_violations(incidents: Iterable[Incident], ctx: CeasefireContext) -> frozenset[int]:
    """Of the incidents these respond to, those assessed violations of the context's ceasefire
    (read in one query, only when some incident responds to another)."""
    linked = {i.responds_to_id for i in incidents if i.responds_to_id is not None}
    if not linked:
        return frozenset()
    found = Incident.objects.exclude(status=IncidentStatus.REJECTED).filter(pk__in=linked).select_related("place")
    return frozenset(i.pk for i in found if concerns(i, ctx) and evaluate(i, ctx).verdict == Verdict.VIOLATION)
