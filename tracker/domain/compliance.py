"""How an incident's time window counts in a ceasefire's compliance series: by the share of it
that falls in each local day, and either side of the start.

An incident whose window spans several days counts on each by the share of its window on that
day, and before or after the start by the share on each side; an instant counts whole where it
falls. Shares add up over adjoining spans, which is what lets the series be read from stored
per-day shares (tracker/services/compliance_ledger.py) and still equal the evaluation of the
whole span at once (tracker/selectors/compliance.py) for any number of days.
"""

import zoneinfo
from datetime import UTC, date, datetime, timedelta

Window = tuple[datetime, datetime]


def local_midnight(day: date, tz: zoneinfo.ZoneInfo) -> datetime:
    """The first instant of a local day, in UTC. In UTC because Python subtracts two datetimes
    of one zone by their wall clocks: the day summer time ends would last 24 hours, not 25."""
    return datetime(day.year, day.month, day.day, tzinfo=tz).astimezone(UTC)


def fraction(window: Window, start: datetime, end: datetime) -> float:
    """The share of the window inside [start, end); an instant counts whole where it falls."""
    a, b = window
    if b <= a:
        return 1.0 if start <= a < end else 0.0
    return max(timedelta(0), min(b, end) - max(a, start)) / (b - a)


def day_bounds(
    first: date, count: int, tz: zoneinfo.ZoneInfo, end: datetime | None = None
) -> list[tuple[date, datetime, datetime]]:
    """(day, its first instant, its end) for `count` local days from `first`; with `end`, the
    days from it on are dropped and the day it falls in ends there."""
    bounds = [
        (
            first + timedelta(days=i),
            local_midnight(first + timedelta(days=i), tz),
            local_midnight(first + timedelta(days=i + 1), tz),
        )
        for i in range(count)
    ]
    if end is None:
        return bounds
    return [(day, lo, min(hi, end)) for day, lo, hi in bounds if lo < end]


def touched(window: Window, tz: zoneinfo.ZoneInfo, first: date, count: int) -> range:
    """The indexes of the days (from `first`, `count` of them) the window can touch: only those
    are looked at (a year's series is 730 days; most windows are one)."""
    last_instant = max(window[1] - timedelta(microseconds=1), window[0])
    return range(
        max((window[0].astimezone(tz).date() - first).days, 0),
        min((last_instant.astimezone(tz).date() - first).days, count - 1) + 1,
    )


def day_shares(
    window: Window, tz: zoneinfo.ZoneInfo, bounds: list[tuple[date, datetime, datetime]], starts_at: datetime
) -> list[tuple[date, float, float]]:
    """(day, share before `starts_at`, share from it) for each of the days in `bounds` the
    window has a share of. Only the start's own day has both."""
    found = []
    for i in touched(window, tz, bounds[0][0], len(bounds)) if bounds else ():
        day, lo, hi = bounds[i]
        before = fraction(window, lo, min(hi, starts_at)) if lo < starts_at else 0.0
        after = fraction(window, max(lo, starts_at), hi) if hi > starts_at else 0.0
        if before or after:
            found.append((day, before, after))
    return found
