"""The verdict rules: one incident against one ceasefire (docs/VERDICTS.md is their codebook).

An incident is a time window, a location (where it landed and, for fire across a line, where it
came from) with an uncertainty, an alleged perpetrator, and optionally a target party and who
opened fire; a ceasefire is each bound party's commitment (an interval, what it undertook), a
zone, the parties its terms exclude and a lifecycle. Each condition is satisfied, uncertain or
failed; any failure → not_violation; else any uncertainty → possible; else violation. Notes
explain a verdict without changing it.

Pure: `evaluate` and `concerns` read a `CeasefireContext` (built by tracker.selectors.verdicts)
and an incident's attributes; nothing here queries — an origin place the context has not loaded
is read through the context's `load_place`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from tracker import conf
from tracker.choices import FAILING_REASONS, CeasefireStatusKind, Confidence, GeoPrecision, Initiator, Reason, Verdict
from tracker.domain.commitments import Commitment, effective_end
from tracker.domain.geo import ZoneShape
from tracker.domain.timewindows import incident_window, overlap_fraction

if TYPE_CHECKING:  # read for their attributes only
    from tracker.models import Ceasefire, Incident, Place

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
    # Locations measured so far, by what decides them (many incidents share a town and a
    # precision; the compliance ledger measures each incident once per basis).
    locations: dict[tuple, tuple[float, bool, bool]] = field(default_factory=dict)


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
    load_place: Callable[[int], Place] | None = None  # how to read one (the selectors give it)

    @property
    def bound_party_ids(self) -> frozenset[int]:
        return frozenset(self.bound)

    @property
    def zone(self) -> Area:
        if not hasattr(self, "_zone"):
            self._zone = Area(self.zone_shape, self.scope_place_ids, self.scope_ancestor_ids)
        return self._zone


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
        ctx.places[incident.origin_place_id] = ctx.load_place(incident.origin_place_id)
    return ctx.places[incident.origin_place_id]


def _location_in(incident: Incident, area: Area, ctx: CeasefireContext) -> tuple[float, bool, bool]:
    """(fraction, unresolved, by origin) of the incident inside an area: where it landed, or where
    the fire came from when that lies further inside (fire across a line is the firer's act
    where it fires from as well as where it lands)."""
    key = (
        incident.place_id,
        incident.latitude,
        incident.longitude,
        incident.geo_precision,
        incident.origin_place_id,
        incident.origin_latitude,
        incident.origin_longitude,
        incident.origin_geo_precision,
    )
    if key not in area.locations:
        area.locations[key] = _measured_in(incident, area, ctx)
    return area.locations[key]


def _measured_in(incident: Incident, area: Area, ctx: CeasefireContext) -> tuple[float, bool, bool]:
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


def default_margin() -> timedelta:
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
    margin = margin or default_margin()
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
