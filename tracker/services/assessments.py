"""Violation verdicts: every incident assessed against every ceasefire that could concern it.

An incident is a time window, a location with an uncertainty disc and an alleged perpetrator;
a ceasefire is an interval [starts_at, ends_at), a zone and the parties it binds. Each condition
is satisfied, uncertain or failed:

- time: the fraction of the window inside the interval (0 → before_start/after_end,
  ≥ threshold → satisfied, else time_uncertain);
- place: the fraction of the disc inside the zone geometry, or, for a zone without geometry,
  whether the place is the scope place or below it (0 → outside_zone, else as for time);
- perpetrator: bound party or one of its sub-units → satisfied; none → perpetrator_unknown
  (uncertain); anyone else → perpetrator_not_bound (failed);
- a curator's `discounted` grade fails the incident (discounted).

The interval is the perpetrator's own commitment (tracker.commitments: its curated start, else
its committing party's declared start, else the agreed start), so a party is held to the
ceasefire from when it said it would hold fire; an incident with no bound perpetrator is
measured against the agreed interval. The assessment records which commitment it used.

Any failure → not_violation; else any uncertainty → possible; else violation.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from tracker import bulk_insert, conf
from tracker.choices import (
    FAILING_REASONS,
    CeasefireStatusKind,
    CommitmentBasis,
    Confidence,
    GeoPrecision,
    IncidentStatus,
    Initiator,
    PartyRole,
    Reason,
    Verdict,
)
from tracker.commitments import Commitment, commitments, effective_end, lifecycle_end
from tracker.geo import ZoneShape, expand_bounds, geometry_bounds
from tracker.history import bulk_defaults
from tracker.models import Assessment, Ceasefire, Incident, Party, Place, VerdictRules
from tracker.models.hierarchy import chain_rows, subtree_ids
from tracker.timewindows import incident_window, overlap_fraction

AREA_TYPES = {"Polygon", "MultiPolygon"}


def overlap_threshold() -> float:
    return conf.OVERLAP_THRESHOLD


def geo_radii_km() -> dict[str, float]:
    # within_25km is UCDP GED's where_prec 2, which its codebook defines as within 25 km (and
    # ACLED's geo_precision 2, a nearby town: tracker/importers/acled.py).
    radii = {"exact": 0.0, "near": 5.0, "within_25km": 25.0, "town": 3.0, "district": 15.0, "region": 30.0}
    radii.update(conf.GEO_RADIUS_KM)
    return radii


def geo_radius_km(precision: str) -> float:
    return geo_radii_km()[precision]


# The version of the rules, moved with every change to what a verdict means; docs/VERDICTS.md
# lists each version and what it changed.
RULES_VERSION = "2026-11-30.2"


def rule_parameters() -> dict:
    """Every parameter a verdict depends on, with the value in force."""
    return {"overlap_threshold": overlap_threshold(), "geo_radius_km": geo_radii_km()}


def current_rules() -> VerdictRules:
    """The stored row of the rules in force (created the first time a combination is used)."""
    parameters = rule_parameters()
    canonical = json.dumps({"version": RULES_VERSION, "parameters": parameters}, sort_keys=True)
    rules, _ = VerdictRules.objects.get_or_create(
        key=hashlib.sha256(canonical.encode()).hexdigest(), defaults={"version": RULES_VERSION, "parameters": parameters}
    )
    return rules


@dataclass(frozen=True)
class Evaluation:
    """The outcome of one incident against one ceasefire."""

    verdict: str
    reasons: list[str]
    time_overlap: float
    place_overlap: float
    commitment: Commitment | None = None  # the perpetrator's, if bound
    starts_at: datetime | None = None  # the start measured against


@dataclass
class Area:
    """A place verdicts measure locations against: the ceasefire's zone, or the area of a
    party's undertaking. With a polygon, by shares of discs and regions inside it; without one,
    by the hierarchy (the place and everything below it)."""

    shape: ZoneShape | None
    place_ids: frozenset[int]
    above: frozenset[int] = frozenset()  # strict ancestors of the area's place: a location there is unresolved
    shares: dict[int, float] = field(default_factory=dict)  # region polygon shares, by place id


@dataclass
class CeasefireContext:
    """What evaluating incidents against one ceasefire needs, loaded once."""

    ceasefire: Ceasefire
    geometry: dict | None
    zone_shape: ZoneShape | None
    scope_place_ids: frozenset[int]
    bound: dict[int, Commitment]  # every bound party and unit below it → the commitment it is held to
    bounds: tuple[float, float, float, float] | None = None
    timezones: dict[int, str] = field(default_factory=dict)
    # From the earliest commitment's start to the latest one's end (None: open): the interval in
    # which an incident can be inside some commitment.
    span: tuple[datetime, datetime | None] | None = None
    scope_ancestor_ids: frozenset[int] = frozenset()  # places above the scope (a country-level event)
    exempt_ids: frozenset[int] = frozenset()  # parties the terms exclude, and their units
    ended: tuple[datetime, str] | None = None  # the lifecycle's first ending step
    areas: dict[int, Area] = field(default_factory=dict)  # undertakings' areas by place id
    places: dict[int, Place] = field(default_factory=dict)  # origin places read so far

    @property
    def bound_party_ids(self) -> frozenset[int]:
        return frozenset(self.bound)

    @property
    def zone(self) -> Area:
        if not hasattr(self, "_zone"):
            self._zone = Area(self.zone_shape, self.scope_place_ids, self.scope_ancestor_ids)
        return self._zone


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
    ancestors = _scope_ancestors(ceasefire) if chains.place_ids else frozenset()
    return _context(
        ceasefire,
        scope_place_ids=members(ceasefire.scope_id),
        bound=bound,
        timezones={chains.place_id: chains.timezone},
        held=held.values(),
        ancestors=ancestors & {chains.place_id},
        exempt=exempt,
        areas=_areas([c for c in (nearest, target_nearest) if c], members),
    )


def _fraction_in(area: Area, *, place: Place, point, own_point: bool, precision: str) -> tuple[float, bool]:
    """Fraction of a location inside an area, and whether the location is unresolved (a place
    above the area's: somewhere in Syria, for an Idlib ceasefire). The rules, in order:

    1. a location with its own point: the disc of its precision's radius (0 for exact);
    2. district- or region-precision in a place with a polygon: the share of that polygon;
    3. a place above the area: the share of its polygon if it has one, else 0 — unresolved;
    4. the place's point: the disc of its precision's radius;
    5. no geometry to measure against: the hierarchy decides (the area's place and below)."""
    above = place.pk in area.above
    if area.shape is not None:
        if own_point:
            radius = 0.0 if precision == GeoPrecision.EXACT else geo_radius_km(precision)
            return area.shape.fraction_inside(point[0], point[1], radius), False
        polygon = place.geometry if place.geometry and place.geometry.get("type") in AREA_TYPES else None
        if polygon is not None and (above or precision in (GeoPrecision.DISTRICT, GeoPrecision.REGION)):
            if place.pk not in area.shares:
                area.shares[place.pk] = area.shape.fraction_of_area(polygon)
            return area.shares[place.pk], above
        if above:
            return 0.0, True
        if point is not None:
            return area.shape.fraction_inside(point[0], point[1], geo_radius_km(precision)), False
    if above:
        return 0.0, True
    return (1.0 if place.pk in area.place_ids else 0.0), False


def _origin_place(incident: Incident, ctx: CeasefireContext) -> Place | None:
    if incident.origin_place_id is None:
        return None
    if incident.origin_place_id not in ctx.places:
        ctx.places[incident.origin_place_id] = Place.all_objects.get(pk=incident.origin_place_id)
    return ctx.places[incident.origin_place_id]


def _location_in(incident: Incident, area: Area, ctx: CeasefireContext) -> tuple[float, bool, bool]:
    """(fraction, unresolved, by origin) of the incident inside an area: where it landed, or where
    the fire came from when that lies further inside (fire across a line is the firer's act
    where it fires from as well as where it lands)."""
    impact, unresolved = _fraction_in(
        area,
        place=incident.place,
        point=incident.point,
        own_point=incident.latitude is not None,
        precision=incident.geo_precision,
    )
    origin = _origin_place(incident, ctx)
    if origin is None and incident.origin_latitude is None:
        return impact, unresolved, False
    fired_from, origin_unresolved = _fraction_in(
        area,
        place=origin if origin is not None else incident.place,
        point=incident.origin_point,
        own_point=incident.origin_latitude is not None,
        precision=incident.origin_geo_precision,
    )
    if fired_from > impact:
        return fired_from, origin_unresolved, True
    return impact, unresolved, False


def place_overlap(incident: Incident, ctx: CeasefireContext) -> float:
    """Fraction of the incident's location (impact or origin) inside the ceasefire's zone."""
    return _location_in(incident, ctx.zone, ctx)[0]


def evaluate(
    incident: Incident, ctx: CeasefireContext, *, starts_at: datetime | None = None, answered: frozenset[int] = frozenset()
) -> Evaluation:
    """Apply the rules (docs/VERDICTS.md). `starts_at` evaluates against another start (a
    party's declaration); `answered` holds the incidents assessed violations of this ceasefire
    that this one may respond to."""
    ceasefire = ctx.ceasefire
    commitment = ctx.bound.get(incident.perpetrator_id) if incident.perpetrator_id is not None else None
    if commitment is None and incident.initiator == Initiator.UNKNOWN and incident.target_party_id is not None:
        # An exchange nobody is known to have started: if the other side is bound, it may be
        # the violator, measured against its own commitment.
        commitment = ctx.bound.get(incident.target_party_id)
    start = starts_at or (commitment.starts_at if commitment else ceasefire.starts_at)
    end = commitment.ends_at if commitment else effective_end(ceasefire)
    threshold = overlap_threshold()
    window = incident_window(
        incident.occurred_at, incident.time_precision, incident.occurred_until, ctx.timezones.get(incident.place_id, "UTC")
    )
    reasons: list[str] = []
    notes: list[str] = []

    t = overlap_fraction(window, start, end)
    if t == 0:
        if window[0] < start:
            reasons.append(Reason.BEFORE_START)
        elif ctx.ended and ctx.ended[1] == CeasefireStatusKind.COLLAPSED and window[0] >= ctx.ended[0]:
            reasons.append(Reason.AFTER_COLLAPSE)
        else:
            reasons.append(Reason.AFTER_END)
    elif t < threshold:
        reasons.append(Reason.TIME_UNCERTAIN)

    p, unresolved, by_origin = _location_in(incident, ctx.zone, ctx)
    area = ctx.areas.get(commitment.area_id) if commitment and commitment.area_id else None
    if p > 0 and area is not None:
        # The perpetrator undertook to hold fire only in an area (a corridor): there it counts.
        p, unresolved, by_origin = _location_in(incident, area, ctx)
        if p == 0 and not unresolved:
            reasons.append(Reason.ACT_NOT_BARRED)
    if p == 0 and not unresolved and Reason.ACT_NOT_BARRED not in reasons:
        reasons.append(Reason.OUTSIDE_ZONE)
    elif unresolved or 0 < p < threshold:
        reasons.append(Reason.PLACE_UNCERTAIN)
    if by_origin and p > 0:
        notes.append(Reason.BY_ORIGIN)

    if incident.perpetrator_id is None:
        reasons.append(Reason.PERPETRATOR_UNKNOWN)
    elif commitment is None:
        reasons.append(Reason.PERPETRATOR_NOT_BOUND)
    else:
        if not commitment.bars(incident.kind) and Reason.ACT_NOT_BARRED not in reasons:
            reasons.append(Reason.ACT_NOT_BARRED)
        if incident.initiator == Initiator.UNKNOWN:
            reasons.append(Reason.INITIATOR_UNKNOWN)
        elif incident.initiator == Initiator.TARGET:
            notes.append(Reason.RESPONSE)
    if incident.target_party_id is not None and incident.target_party_id in ctx.exempt_ids:
        reasons.append(Reason.TARGET_EXEMPT)
    if incident.responds_to_id is not None and incident.responds_to_id in answered:
        notes.append(Reason.RESPONDS_TO_VIOLATION)

    # A curator's judgement that the incident is not established (a fabricated or misdated
    # report): it stays on record, assessed, but is no violation.
    if incident.confidence == Confidence.DISCOUNTED:
        reasons.append(Reason.DISCOUNTED)

    if any(r in FAILING_REASONS for r in reasons):
        verdict = Verdict.NOT_VIOLATION
    elif reasons:
        verdict = Verdict.POSSIBLE
    else:
        verdict = Verdict.VIOLATION
    return Evaluation(
        verdict=str(verdict),
        reasons=[str(r) for r in (*reasons, *notes)],
        time_overlap=round(t, 6),
        place_overlap=round(p, 6),
        commitment=commitment,
        starts_at=start,
    )


def _margin() -> timedelta:
    return timedelta(days=conf.ASSESSMENT_MARGIN_DAYS)


def _near(point, ctx: CeasefireContext) -> bool:
    if ctx.bounds is None or point is None:
        return False
    min_lon, min_lat, max_lon, max_lat = ctx.bounds
    return min_lat <= point[0] <= max_lat and min_lon <= point[1] <= max_lon


def concerns(incident: Incident, ctx: CeasefireContext, *, margin: timedelta | None = None) -> bool:
    """Whether the ceasefire could concern the incident: near it in time (within the margin of
    its interval) and in space (its impact or origin near the zone's box or inside its scope
    place, or its place above the scope: a country-level event)."""
    margin = margin or _margin()
    window = incident_window(
        incident.occurred_at, incident.time_precision, incident.occurred_until, ctx.timezones.get(incident.place_id, "UTC")
    )
    first, last = ctx.span
    if window[1] <= first - margin:
        return False
    if last is not None and window[0] >= last + margin:
        return False
    if incident.place_id in ctx.scope_place_ids or incident.place_id in ctx.scope_ancestor_ids:
        return True
    if incident.origin_place_id is not None and incident.origin_place_id in ctx.scope_place_ids:
        return True
    if _near(incident.point, ctx):
        return True
    return (incident.origin_place_id is not None or incident.origin_latitude is not None) and _near(
        incident.origin_point if incident.origin_latitude is not None else _origin_point(incident, ctx), ctx
    )


def _origin_point(incident: Incident, ctx: CeasefireContext):
    place = _origin_place(incident, ctx)
    return (place.latitude, place.longitude) if place is not None and place.latitude is not None else None


def _in_box(lat: str, lon: str, bounds: tuple[float, float, float, float]) -> Q:
    min_lon, min_lat, max_lon, max_lat = bounds
    return Q(**{f"{lat}__gte": min_lat, f"{lat}__lte": max_lat, f"{lon}__gte": min_lon, f"{lon}__lte": max_lon})


def candidate_incidents(ctx: CeasefireContext, *, margin: timedelta | None = None):
    """SQL prefilter by time and bounding box (or scope place): a superset of the incidents the
    ceasefire could concern, which `concerns` then settles exactly."""
    margin = margin or _margin()
    first, last = ctx.span
    earliest = first - margin
    # A precision window ends at most ~32 days after its instant (a month); an interval ends at
    # occurred_until. Intervals starting over a year before the ceasefire are not scanned.
    qs = Incident.objects.exclude(status=IncidentStatus.REJECTED).filter(
        Q(occurred_until__isnull=True, occurred_at__gte=earliest - timedelta(days=32))
        | Q(occurred_until__gt=earliest, occurred_at__gte=earliest - timedelta(days=366))
    )
    if last is not None:
        qs = qs.filter(occurred_at__lt=last + margin)
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


def _apply(assessment: Assessment, result: Evaluation, now: datetime, rules: VerdictRules) -> bool:
    """Copy a computed result onto an assessment; mark an override stale if the verdict moved.
    Returns whether anything changed."""
    commitment = result.commitment
    bound_as = commitment.party_id if commitment else None
    basis = commitment.basis if commitment else str(CommitmentBasis.AGREED)
    computed = (
        result.verdict,
        result.reasons,
        result.time_overlap,
        result.place_overlap,
        bound_as,
        basis,
        result.starts_at,
        rules.pk,
    )
    stored = (
        assessment.verdict,
        assessment.reasons,
        assessment.time_overlap,
        assessment.place_overlap,
        assessment.bound_as_id,
        assessment.commitment_basis,
        assessment.commitment_start,
        assessment.rules_id,
    )
    if computed == stored:
        return False
    if assessment.pk and assessment.override_verdict and assessment.verdict != result.verdict:
        assessment.override_stale = True
    if assessment.pk:
        assessment.version += 1
    assessment.verdict, assessment.reasons = result.verdict, result.reasons
    assessment.time_overlap, assessment.place_overlap = result.time_overlap, result.place_overlap
    assessment.bound_as_id, assessment.commitment_basis, assessment.commitment_start = bound_as, basis, result.starts_at
    assessment.rules = rules
    assessment.computed_at = now
    return True


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0

    def __iadd__(self, other: "Counts") -> "Counts":
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.deleted += other.deleted
        return self


UPDATE_FIELDS = [
    "verdict",
    "reasons",
    "time_overlap",
    "place_overlap",
    "bound_as",
    "commitment_basis",
    "commitment_start",
    "rules",
    "computed_at",
    "override_stale",
    "version",
    "updated_at",
]


def _store(pairs: list[tuple[Incident, Ceasefire, Evaluation]], existing: dict[tuple[int, int], Assessment]) -> Counts:
    now, counts = timezone.now(), Counts()
    new, changed = [], []
    rules = current_rules() if pairs else None
    for incident, ceasefire, result in pairs:
        current = existing.pop((incident.pk, ceasefire.pk), None)
        if current is None:
            assessment = Assessment(incident=incident, ceasefire=ceasefire, computed_at=now)
            _apply(assessment, result, now, rules)
            new.append(assessment)
        elif _apply(current, result, now, rules):
            current.updated_at = now
            changed.append(current)
        else:
            counts.unchanged += 1
    # One history row per created or changed assessment, written in bulk like the rows.
    bulk_insert.create(Assessment, new)
    bulk_update_with_history(changed, Assessment, UPDATE_FIELDS, batch_size=500, **bulk_defaults())
    counts.created, counts.updated = len(new), len(changed)
    # What no longer concerns the incident goes, unless a reviewer overrode it: then it stays,
    # flagged for another look.
    gone = [a for a in existing.values() if not a.override_verdict]
    kept = [a for a in existing.values() if a.override_verdict and not a.override_stale]
    for a in kept:
        a.override_stale, a.updated_at = True, now
    for a in kept:
        a.version += 1
    bulk_update_with_history(kept, Assessment, ["override_stale", "updated_at", "version"], batch_size=500, **bulk_defaults())
    # Deleting through the ORM sends post_delete per row, which records each in history.
    counts.deleted = Assessment.objects.filter(pk__in=[a.pk for a in gone]).delete()[0] if gone else 0
    return counts


@transaction.atomic
def assess_incident(incident: Incident) -> Counts:
    """(Re)compute the incident's assessments against every ceasefire that could concern it."""
    incident = Incident.objects.select_related("place").get(pk=incident.pk)
    existing = {(a.incident_id, a.ceasefire_id): a for a in Assessment.objects.filter(incident=incident)}
    pairs = []
    if incident.status != IncidentStatus.REJECTED:
        chains = IncidentChains.of(incident)
        answered = _answered_chains(incident)
        for ceasefire in context_ceasefires():
            ctx = incident_context(ceasefire, chains)
            if concerns(incident, ctx):
                pairs.append((incident, ceasefire, evaluate(incident, ctx, answered=answered(ceasefire))))
    return _store(pairs, existing)


def _answered_chains(incident: Incident):
    """For one incident: a function of a ceasefire giving {the incident it responds to} when
    that one is a violation of the ceasefire, else nothing."""
    linked = (
        Incident.objects.exclude(status=IncidentStatus.REJECTED)
        .select_related("place")
        .filter(pk=incident.responds_to_id)
        .first()
        if incident.responds_to_id
        else None
    )
    if linked is None:
        return lambda ceasefire: frozenset()
    chains = IncidentChains.of(linked)

    def answered(ceasefire: Ceasefire) -> frozenset[int]:
        ctx = incident_context(ceasefire, chains)
        return (
            frozenset([linked.pk])
            if concerns(linked, ctx) and evaluate(linked, ctx).verdict == Verdict.VIOLATION
            else frozenset()
        )

    return answered


def reassess_responses(incident: Incident) -> Counts:
    """An incident changed: the incidents responding to it may gain or lose the note that they
    answer a violation."""
    counts = Counts()
    for response in Incident.objects.filter(responds_to=incident).only("pk"):
        counts += assess_incident(response)
    return counts


@transaction.atomic
def assess_incidents(incidents: list[Incident], timezones: dict[int, str]) -> Counts:
    """(Re)compute the assessments of many incidents at once (a bulk import's batch): each
    ceasefire's context is read once for all of them, not per incident; the rules and the rows
    stored are `assess_incident`'s. Incidents carry their place; `timezones` gives each of
    those places' zone."""
    if not incidents:
        return Counts()
    existing = {(a.incident_id, a.ceasefire_id): a for a in Assessment.objects.filter(incident__in=[i.pk for i in incidents])}
    live = [i for i in incidents if i.status != IncidentStatus.REJECTED and i.place.deleted_at is None]
    pairs = []
    for ceasefire in context_ceasefires():
        ctx = ceasefire_context(ceasefire, timezones)
        concerned = [i for i in live if concerns(i, ctx)]
        answered = answered_violations(concerned, ctx)
        pairs += [(i, ceasefire, evaluate(i, ctx, answered=answered)) for i in concerned]
    return _store(pairs, existing)


@transaction.atomic
def assess_ceasefire(ceasefire: Ceasefire, *, chunk_size: int = 2000, timezones: dict[int, str] | None = None) -> Counts:
    """(Re)compute every assessment of one ceasefire, streaming candidates in chunks."""
    ceasefire = context_ceasefires().get(pk=ceasefire.pk)
    ctx = ceasefire_context(ceasefire, timezones)
    counts = Counts()
    chunk: list[Incident] = []
    kept: set[int] = set()

    def flush():
        existing = {a.incident_id: a for a in Assessment.objects.filter(ceasefire=ceasefire, incident__in=[i.pk for i in chunk])}
        concerned = [i for i in chunk if concerns(i, ctx)]
        answered = answered_violations(concerned, ctx)
        pairs = [(i, ceasefire, evaluate(i, ctx, answered=answered)) for i in concerned]
        kept.update(i.pk for i, _, _ in pairs)
        # Candidates that no longer concern the ceasefire lose their assessments (see _store).
        counts.__iadd__(_store(pairs, {(pk, ceasefire.pk): a for pk, a in existing.items()}))
        chunk.clear()

    for incident in candidate_incidents(ctx).order_by("pk").iterator(chunk_size=chunk_size):
        chunk.append(incident)
        if len(chunk) >= chunk_size:
            flush()
    if chunk:
        flush()
    # Assessments of incidents that left the candidate set altogether (moved, re-dated, rejected).
    # Incidents in the trash keep their assessments as they were, for a restore.
    live = Assessment.objects.filter(ceasefire=ceasefire, incident__deleted_at__isnull=True)
    left = [a for a in live.iterator(chunk_size=chunk_size) if a.incident_id not in kept]
    if left:
        counts += _store([], {(a.incident_id, a.ceasefire_id): a for a in left})
    return counts


def recompute(ceasefire_ids: Iterable[int] | None = None) -> Counts:
    """Recompute all assessments (or those of the given ceasefires)."""
    timezones = place_timezones()
    total = Counts()
    ceasefires = Ceasefire.objects.all() if ceasefire_ids is None else Ceasefire.objects.filter(pk__in=list(ceasefire_ids))
    for ceasefire in ceasefires.order_by("pk"):
        total += assess_ceasefire(ceasefire, timezones=timezones)
    return total


REVIEW_PERMISSION = "tracker.review_incident"


@transaction.atomic
def assessment_override(*, assessment: Assessment, verdict: str, reason: str, user, expected_version=None) -> Assessment:
    """A reviewer sets the verdict by hand, with a reason. Recomputation keeps it."""
    from django.core.exceptions import PermissionDenied, ValidationError

    if user is not None and not user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("Only reviewers may override a verdict.")
    if verdict not in Verdict.values:
        raise ValidationError({"override_verdict": f"'{verdict}' is not a verdict."})
    if not (reason or "").strip():
        raise ValidationError({"override_reason": "An override needs a reason."})
    from tracker.services import common

    return common.update(
        assessment,
        data={
            "override_verdict": verdict,
            "override_reason": reason.strip(),
            "override_by": common.acting_user(user),
            "override_at": timezone.now(),
            "override_stale": False,
        },
        user=user,
        expected_version=expected_version,
    )


@transaction.atomic
def assessment_override_clear(*, assessment: Assessment, user, expected_version=None) -> Assessment:
    """Remove a reviewer's override: the computed verdict applies again."""
    from django.core.exceptions import PermissionDenied

    from tracker.services import common

    if user is not None and not user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("Only reviewers may clear an override.")
    return common.update(
        assessment,
        data={"override_verdict": "", "override_reason": "", "override_by": None, "override_at": None, "override_stale": False},
        user=user,
        expected_version=expected_version,
    )


def reassess_place(place: Place) -> Counts:
    """A place's point, geometry, time zone or parent changed: redo what depends on it."""
    counts = Counts()
    for ceasefire in Ceasefire.objects.filter(Q(zone=place) | Q(scope=place)):
        counts += assess_ceasefire(ceasefire)
    for incident in Incident.objects.filter(place=place).only("pk").iterator(chunk_size=500):
        counts += assess_incident(incident)
    return counts
