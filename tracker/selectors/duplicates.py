"""Possible duplicate incidents: two curators, or a curator and an importer, entering one event.

Two live incidents are possible duplicates when their kinds are compatible (the same kind, kinds
sources confuse — an airstrike and a drone or missile strike, shelling and rockets, a clash and
a ground assault — or either is "other"), their time windows overlap (each its instant widened
by its precision, in its place's local time: a "Friday" and an hour that Friday overlap), and
their locations (exact point, else the place's point) lie within `TRACKER_DUPLICATE_RADIUS_KM`,
or they are at the same place when either has no point.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from tracker import conf
from tracker.choices import IncidentKind as K
from tracker.domain.geo import haversine_km
from tracker.domain.timewindows import incident_window
from tracker.models import Incident
from tracker.selectors.verdicts import place_timezones

CONFUSED_KINDS = [
    {K.AIRSTRIKE, K.DRONE_STRIKE, K.MISSILE_STRIKE, K.BARREL_BOMB},
    {K.ARTILLERY_SHELLING, K.ROCKET_ATTACK, K.MISSILE_STRIKE},
    {K.ARMED_CLASH, K.GROUND_ASSAULT},
]
# The widest window a precision gives (a month); an interval may be wider, and is found from its end.
LONGEST_WINDOW = timedelta(days=31)


def compatible_kinds(kind: str) -> set[str]:
    if kind == K.OTHER:
        return set(K.values)
    kinds = {kind, K.OTHER}
    for group in CONFUSED_KINDS:
        if kind in group:
            kinds |= group
    return kinds


def radius_km() -> float:
    return float(conf.DUPLICATE_RADIUS_KM)


@dataclass(frozen=True)
class Duplicate:
    incident: Incident
    distance_km: float | None  # None: same place, no point to measure from
    overlap_start: datetime
    overlap_end: datetime


def _window(incident: Incident, zones: dict[int, str]) -> tuple[datetime, datetime]:
    start, end = incident_window(
        incident.occurred_at, incident.time_precision, incident.occurred_until, zones.get(incident.place_id, "UTC")
    )
    return start, max(end, start + timedelta(seconds=1))  # an instant still overlaps itself


def _match(a: Incident, b: Incident, zones: dict[int, str], radius: float) -> Duplicate | None:
    if b.kind not in compatible_kinds(a.kind):
        return None
    (a0, a1), (b0, b1) = _window(a, zones), _window(b, zones)
    start, end = max(a0, b0), min(a1, b1)
    if start >= end:
        return None
    pa, pb = a.point, b.point
    if pa is None or pb is None:
        return Duplicate(b, None, start, end) if a.place_id == b.place_id else None
    distance = haversine_km(*pa, *pb)
    return Duplicate(b, round(distance, 2), start, end) if distance <= radius else None


def _candidates(incidents, start: datetime, end: datetime):
    """Live incidents that could overlap [start, end): starting before its end, and not ending
    (at the latest, a month or their interval's end after they start) before its start."""
    return (
        incidents.filter(occurred_at__lt=end, occurred_at__gte=start - LONGEST_WINDOW)
        | incidents.filter(occurred_at__lt=end, occurred_until__gt=start)
    ).select_related("place")


def duplicates_of(incident: Incident, incidents=None) -> list[Duplicate]:
    """Possible duplicates of one incident among `incidents` (default: all live ones), nearest first."""
    incidents = Incident.objects.all() if incidents is None else incidents
    zones, radius = place_timezones(), radius_km()
    start, end = _window(incident, zones)
    found = []
    for other in _candidates(incidents.exclude(pk=incident.pk).filter(kind__in=compatible_kinds(incident.kind)), start, end):
        match = _match(incident, other, zones, radius)
        if match:
            found.append(match)
    return sorted(found, key=lambda d: (d.distance_km is None, d.distance_km or 0, d.incident.pk))


def duplicate_pairs(incidents=None, *, limit: int = 500) -> list[tuple[Incident, Duplicate]]:
    """Every pair of possible duplicates among `incidents` (each pair once, the older incident
    first), newest pairs first: one pass over the incidents in time order, each compared only
    with those whose windows can still overlap it."""
    incidents = Incident.objects.all() if incidents is None else incidents
    zones, radius = place_timezones(), radius_km()
    rows = list(incidents.select_related("place").order_by("occurred_at", "pk"))
    windows = {i.pk: _window(i, zones) for i in rows}
    pairs: list[tuple[Incident, Duplicate]] = []
    open_: list[Incident] = []  # incidents whose windows have not ended yet, in time order
    for incident in rows:
        start = windows[incident.pk][0]
        open_ = [o for o in open_ if windows[o.pk][1] > start]
        for other in open_:
            match = _match(other, incident, zones, radius)
            if match:
                pairs.append((other, match))
        open_.append(incident)
    pairs.sort(key=lambda p: (p[1].overlap_start, p[0].pk), reverse=True)
    return pairs[:limit]


# One scan compares at most the newest this many incidents (one pass, but in memory).
MAX_DUPLICATE_SCAN = 20_000


def recent_duplicate_pairs(days: int) -> tuple[datetime, list[tuple[Incident, Duplicate]]]:
    """The possible duplicates among the incidents of the `days` before the newest one (at most
    the newest MAX_DUPLICATE_SCAN): where the scan starts, and the pairs."""
    newest = Incident.objects.order_by("-occurred_at").values_list("occurred_at", flat=True).first()
    since = (newest or timezone.now()) - timedelta(days=days)
    oldest_scanned = (
        Incident.objects.order_by("-occurred_at")
        .values_list("occurred_at", flat=True)[MAX_DUPLICATE_SCAN - 1 : MAX_DUPLICATE_SCAN]
        .first()
    )
    if oldest_scanned is not None and oldest_scanned > since:
        since = oldest_scanned
    return since, duplicate_pairs(Incident.objects.filter(occurred_at__gte=since))


def merged_target(pk: int, user=None) -> int | None:
    """The live incident a merged incident's id now points to (following merges of merges), if
    `user` may see both the merged incident and every incident on the way: to anyone else a
    merged draft, or a merge into a draft, looks exactly like an id that never existed."""
    incidents = Incident.all_objects.visible_to(user)
    seen: set[int] = set()
    target = incidents.filter(pk=pk).values_list("merged_into_id", flat=True).first()
    while target is not None and target not in seen:
        seen.add(target)
        row = incidents.filter(pk=target).values_list("merged_into_id", "deleted_at").first()
        if row is None:
            return None
        if row[0] is None:
            return target if row[1] is None else None
        target = row[0]
    return None
