"""A ceasefire's compliance: hostile incidents in its zone for N local days before and after
its start, by verdict, kind and perpetrator, and the before/after daily rates.

The start is the curated one, or a party's declared start (`declaration:<id>`), so a reader can
compare "under Russia's start, N violations; under Turkey's, M". On the curated basis a
reviewer's override counts; on a declaration basis verdicts are evaluated afresh.

Two ways to the same answer: `evaluated` runs the verdict rules over the zone's incidents (the
reference, and the answer for a ceasefire whose ledger is not built); `compliance` reads the
ceasefire's compliance ledger when it has one — the counted incidents' per-day shares summed per
status, verdict, kind and perpetrator, stored by tracker/services/compliance_ledger.py — so its
cost follows the days asked for, not the size of the database or how many incidents fell on
them. A property test holds the two equal.
"""

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import F, Sum

from tracker.choices import IncidentKind, Verdict
from tracker.domain.commitments import lifecycle_end
from tracker.domain.compliance import Window, day_bounds, fraction, local_midnight, touched
from tracker.domain.timewindows import WINDOW_REACH, incident_window
from tracker.domain.verdicts import CeasefireContext, concerns, evaluate
from tracker.models import Assessment, Ceasefire, ComplianceTally, Declaration, Incident, Party
from tracker.selectors.verdicts import candidate_incidents, ceasefire_context

MAX_DAYS = 365


@dataclass(frozen=True)
class Basis:
    """Which start the series is centred on."""

    starts_at: datetime
    declaration: Declaration | None = None

    @property
    def label(self) -> str:
        return "curated" if self.declaration is None else f"declaration:{self.declaration.pk}"


def parse_basis(ceasefire: Ceasefire, text: str) -> Basis:
    """`curated` or `declaration:<id>` of a declaration of this ceasefire with a claimed start."""
    if text == "curated":
        return Basis(starts_at=ceasefire.starts_at)
    prefix, _, raw_id = text.partition(":")
    if prefix != "declaration" or not raw_id.isdigit():
        raise ValidationError({"basis": "Use 'curated' or 'declaration:<id>'."})
    declaration = ceasefire.declarations.select_related("party").filter(pk=int(raw_id)).first()
    if declaration is None:
        raise ValidationError({"basis": f"Ceasefire {ceasefire.pk} has no declaration {raw_id}."})
    if declaration.claimed_start is None:
        raise ValidationError({"basis": f"Declaration {raw_id} claims no start."})
    return Basis(starts_at=declaration.claimed_start, declaration=declaration)


# Read once: Django's `Verdict.values` rebuilds the list on each call (a fifth of the series'
# time from the ledger, where a day is built per day, verdict and kind).
VERDICTS = tuple(Verdict.values)
KINDS = tuple(IncidentKind.values)


def _empty_verdicts() -> dict[str, float]:
    return dict.fromkeys(VERDICTS, 0)


def _add(counter: dict, key: str, weight: float) -> None:
    counter[key] = counter.get(key, 0) + weight


def _rounded(value):
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def _deaths() -> dict[str, float]:
    return {"low": 0.0, "high": 0.0, "incidents_with_figures": 0.0}


def _pending_since(ceasefire: Ceasefire):
    state = getattr(ceasefire, "verdict_recompute", None)  # none: never recomputed on request
    return state.pending_since if state is not None else None


@dataclass(frozen=True)
class Span:
    """The local days a series covers: `days` before the start's own day and `days` from it,
    cut where the lifecycle ends the ceasefire (acts after it are not violations of it, and the
    time after it is no exposure)."""

    tz: zoneinfo.ZoneInfo
    start_day: date
    first: date
    starts: datetime  # the first instant of the first day
    ends: datetime  # the end of the last day, or where the lifecycle ends the ceasefire
    stops_at: datetime | None
    bounds: list[tuple[date, datetime, datetime]]
    last_midnight: datetime  # the end of the last day, wherever the lifecycle ends it

    def margin(self, ceasefire: Ceasefire) -> timedelta:
        """How far around the curated start to scan to cover the whole span on any basis."""
        return max(ceasefire.starts_at - self.starts, self.last_midnight - ceasefire.starts_at) + timedelta(days=1)

    @classmethod
    def around(cls, ceasefire: Ceasefire, starts_at: datetime, days: int, ended: tuple[datetime, str] | None) -> "Span":
        tz = zoneinfo.ZoneInfo(ceasefire.timezone)
        start_day = starts_at.astimezone(tz).date()
        first = start_day - timedelta(days=days)
        range_start, range_end = local_midnight(first, tz), local_midnight(start_day + timedelta(days=days), tz)
        stops_at = ended[0] if ended and ended[0] < range_end else None
        if stops_at is not None:
            range_end = max(stops_at, starts_at)
        bounds = day_bounds(first, 2 * days, tz, range_end if stops_at is not None else None)
        return cls(
            tz, start_day, first, range_start, range_end, stops_at, bounds, local_midnight(start_day + timedelta(days=days), tz)
        )


def counted(
    incidents: Iterable[Incident], ctx: CeasefireContext, basis: Basis, overrides: dict[int, str], span: Span, margin: timedelta
) -> Iterator[tuple[Incident, Window, str]]:
    """The incidents the series counts — hostile incidents in the zone whose window falls in the
    span — each with its time window and its verdict on this basis."""
    for incident in incidents:
        window = incident_window(
            incident.occurred_at, incident.time_precision, incident.occurred_until, ctx.timezones.get(incident.place_id, "UTC")
        )
        if fraction(window, span.starts, span.ends) == 0 or not concerns(incident, ctx, margin=margin):
            continue
        # On the agreed basis each party is measured from its own commitment (the stored
        # verdicts, overrides included); on a declaration's, everyone from that start.
        result = evaluate(incident, ctx, starts_at=basis.starts_at if basis.declaration else None)
        if result.place_overlap == 0:
            continue  # hostile incidents in the zone only
        yield incident, window, overrides.get(incident.pk, result.verdict)


def overrides_of(ceasefire: Ceasefire, basis: Basis, incident_ids: Iterable[int] | None = None) -> dict[int, str]:
    """Reviewers' verdicts by incident (of these incidents): they count on the curated basis only."""
    if basis.declaration is not None:
        return {}
    overridden = Assessment.objects.filter(ceasefire=ceasefire).exclude(override_verdict="")
    if incident_ids is not None:
        overridden = overridden.filter(incident_id__in=list(incident_ids))
    return dict(overridden.values_list("incident_id", "override_verdict"))


@dataclass
class Tallies:
    """The series' sums as they are gathered: per day, per side of the start, per perpetrator."""

    per_day: dict[date, dict] = field(default_factory=dict)
    perpetrators: dict[int | None, dict] = field(
        default_factory=lambda: defaultdict(lambda: {"before": 0.0, "after": 0.0, "by_verdict": _empty_verdicts()})
    )
    totals: dict = field(
        default_factory=lambda: {
            "before": 0.0,
            "after": 0.0,
            "by_verdict": _empty_verdicts(),
            "deaths": {"before": _deaths(), "after": _deaths()},
        }
    )

    def day(self, day: date, verdict: str, kind: str, share: float) -> None:
        bucket = self.per_day.setdefault(day, {"total": 0.0, "by_verdict": _empty_verdicts(), "by_kind": {}})
        bucket["total"] += share
        _add(bucket["by_verdict"], verdict, share)
        _add(bucket["by_kind"], kind, share)

    def side(self, perpetrator_id: int | None, side: str, share: float, deaths: tuple[float, float, float] | None) -> None:
        """`deaths`: (low, high, incidents with figures), each already weighted by the share."""
        self.totals[side] += share
        self.perpetrators[perpetrator_id][side] += share
        if deaths is not None:
            sums = self.totals["deaths"][side]
            sums["low"] += deaths[0]
            sums["high"] += deaths[1]
            sums["incidents_with_figures"] += deaths[2]

    def verdict(self, perpetrator_id: int | None, verdict: str, weight: float) -> None:
        _add(self.totals["by_verdict"], verdict, weight)
        _add(self.perpetrators[perpetrator_id]["by_verdict"], verdict, weight)


def _validated(days: int) -> int:
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError({"days": f"Must be between 1 and {MAX_DAYS}."})
    return days


def evaluated(ceasefire: Ceasefire, *, days: int, basis: Basis, statuses: Iterable[str] | None = None) -> dict:
    """The compliance summary computed afresh from the incidents (see `compliance`)."""
    ctx = ceasefire_context(ceasefire)
    span = Span.around(ceasefire, basis.starts_at, _validated(days), ctx.ended)
    margin = span.margin(ceasefire)
    # Unordered: counting needs no order, and an ORDER BY on a server-side cursor makes
    # PostgreSQL walk the date index row by row (its plan for a cursor favours the first rows):
    # 2.4 s instead of 0.45 s for a zone at 1,000,000 incidents (bench/README.md).
    # Dated before the span's end, or within a window's reach of it (a month dated after it).
    candidates = candidate_incidents(ctx, margin=margin).filter(occurred_at__lt=span.ends + WINDOW_REACH).order_by()
    if statuses is not None:
        candidates = candidates.filter(status__in=list(statuses))
    tallies = Tallies()
    incidents = candidates.iterator(chunk_size=2000)
    for incident, window, verdict in counted(incidents, ctx, basis, overrides_of(ceasefire, basis), span, margin):
        for i in touched(window, span.tz, span.first, len(span.bounds)):
            day, day_start, day_end = span.bounds[i]
            if share := fraction(window, day_start, day_end):
                tallies.day(day, verdict, incident.kind, share)
        weight = 0.0
        for side, share in (
            ("before", fraction(window, span.starts, basis.starts_at)),
            ("after", fraction(window, basis.starts_at, span.ends)),
        ):
            weight += share
            low, high = incident.killed_low, incident.killed_high
            deaths = None if low is None else (share * low, share * (high if high is not None else low), share)
            tallies.side(incident.perpetrator_id, side, share, deaths)
        tallies.verdict(incident.perpetrator_id, verdict, weight)
    return _answer(ceasefire, basis, days, span, tallies)


def compliance(ceasefire: Ceasefire, *, days: int, basis: Basis, statuses: Iterable[str] | None = None) -> dict:
    """The compliance summary as plain data (the API serialises it as is). `statuses` limits
    the incidents counted (the public sees verified and disputed ones only).

    Counts are weighted by time: an incident whose window spans several local days counts on
    each by the share of its window that falls on it, and before or after the start by the
    share on each side (an instant counts whole where it falls); only the share inside the
    series counts. The daily rates divide each side by the time it really covers — the start's
    own day is split at the start — so "before" over N local days ending at 23:01 is not
    divided as if it were as long as "after". Deaths are weighted the same way.

    Read from the ceasefire's compliance ledger when it has one (two queries over the tallies
    of the days asked for), else evaluated afresh."""
    if not hasattr(ceasefire, "compliance_ledger"):
        return evaluated(ceasefire, days=days, basis=basis, statuses=statuses)
    span = Span.around(ceasefire, basis.starts_at, _validated(days), lifecycle_end(ceasefire))
    rows = ComplianceTally.objects.filter(
        ceasefire=ceasefire, declaration=basis.declaration, day__gte=span.first, day__lte=span.bounds[-1][0]
    )
    if statuses is not None:
        rows = rows.filter(status__in=list(statuses))
    tallies = Tallies()
    for day, verdict, kind, share in (
        rows.values_list("day", "verdict", "kind").annotate(share=Sum(F("before") + F("after"))).order_by()
    ):
        tallies.day(day, verdict, kind, share)
    sides = ("before", "after")
    # Named apart from the fields they sum (an annotation may not shadow a field).
    sums = {f"sum_{side}{part}": Sum(f"{side}{part}") for side in sides for part in ("", "_low", "_high", "_figures")}
    for row in rows.values("perpetrator_id", "verdict").annotate(**sums).order_by():
        for side in sides:
            figures = row[f"sum_{side}_figures"]
            deaths = (row[f"sum_{side}_low"], row[f"sum_{side}_high"], figures) if figures else None
            tallies.side(row["perpetrator_id"], side, row[f"sum_{side}"], deaths)
        tallies.verdict(row["perpetrator_id"], row["verdict"], row["sum_before"] + row["sum_after"])
    return _answer(ceasefire, basis, days, span, tallies)


def _answer(ceasefire: Ceasefire, basis: Basis, days: int, span: Span, tallies: Tallies) -> dict:
    series = []
    for offset in range(-days, -days + len(span.bounds)):
        day = span.start_day + timedelta(days=offset)
        bucket = tallies.per_day.get(day, {"total": 0.0, "by_verdict": _empty_verdicts(), "by_kind": {}})
        by_kind = {kind: bucket["by_kind"][kind] for kind in KINDS if bucket["by_kind"].get(kind)}
        series.append(
            _rounded(
                {
                    "date": day.isoformat(),
                    "day": offset,
                    "total": bucket["total"],
                    "by_verdict": bucket["by_verdict"],
                    "by_kind": by_kind,
                }
            )
        )
    perpetrators = tallies.perpetrators
    names = dict(Party.objects.filter(pk__in=[pk for pk in perpetrators if pk]).values_list("pk", "name"))
    by_perpetrator = sorted(
        ({"party": {"id": pk, "name": names[pk]} if pk else None, **_rounded(counts)} for pk, counts in perpetrators.items()),
        key=lambda row: (-(row["before"] + row["after"]), row["party"]["name"] if row["party"] else ""),
    )
    totals = tallies.totals
    # The time each side covers, in days: the start's own day is split at the start.
    exposure = {
        "before": (basis.starts_at - span.starts) / timedelta(days=1),
        "after": (span.ends - basis.starts_at) / timedelta(days=1),
    }
    rate_before = totals["before"] / exposure["before"]
    rate_after = totals["after"] / exposure["after"] if exposure["after"] else 0.0
    declaration = basis.declaration
    return {
        "ceasefire": {"id": ceasefire.pk, "name": ceasefire.name},
        "basis": basis.label,
        "basis_party": {"id": declaration.party_id, "name": declaration.party.name} if declaration else None,
        "starts_at": basis.starts_at,
        "timezone": ceasefire.timezone,
        "days": days,
        "stops_at": span.stops_at,
        "verdicts_pending_since": _pending_since(ceasefire),
        "series": series,
        "totals": _rounded(totals),
        "exposure_days": _rounded(exposure),
        "daily_rate_before": round(rate_before, 4),
        "daily_rate_after": round(rate_after, 4),
        "rate_ratio": round(rate_after / rate_before, 4) if rate_before else None,
        "by_perpetrator": by_perpetrator,
    }
