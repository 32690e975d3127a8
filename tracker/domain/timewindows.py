"""An incident's time window: its instant widened by its precision, in the place's local time."""

import calendar
import zoneinfo
from datetime import UTC, datetime, timedelta

from tracker.choices import TimePrecision

# How far a precision window reaches from its instant, either way: a week ends seven days after
# it, a month starts up to 30 days before it and ends up to 31 after. A scan by `occurred_at`
# widens its bounds by this much, and the windows then settle exactly what overlaps.
WINDOW_REACH = timedelta(days=32)


def _local_day_start(instant: datetime, tz: zoneinfo.ZoneInfo) -> datetime:
    local = instant.astimezone(tz)
    return datetime(local.year, local.month, local.day, tzinfo=tz)


def incident_window(
    occurred_at: datetime, precision: str, occurred_until: datetime | None, tzname: str
) -> tuple[datetime, datetime]:
    """[start, end) in UTC.

    minute/hour: the minute/hour starting at `occurred_at`; day: the local calendar day that
    contains it (a "Friday" in Idlib is that Friday in Asia/Damascus); week: seven local days
    from that day; month: the local calendar month; interval: [occurred_at, occurred_until).
    Local days follow the zone's rules at that date (Damascus was UTC+2 in January 2020).
    """
    if precision == TimePrecision.INTERVAL:
        return occurred_at.astimezone(UTC), occurred_until.astimezone(UTC)
    if precision == TimePrecision.MINUTE:
        return occurred_at.astimezone(UTC), (occurred_at + timedelta(minutes=1)).astimezone(UTC)
    if precision == TimePrecision.HOUR:
        return occurred_at.astimezone(UTC), (occurred_at + timedelta(hours=1)).astimezone(UTC)
    tz = zoneinfo.ZoneInfo(tzname or "UTC")
    day = _local_day_start(occurred_at, tz)
    if precision == TimePrecision.DAY:
        start, end = day, day + timedelta(days=1)
    elif precision == TimePrecision.WEEK:
        start, end = day, day + timedelta(days=7)
    elif precision == TimePrecision.MONTH:
        start = day.replace(day=1)
        end = start + timedelta(days=calendar.monthrange(start.year, start.month)[1])
    else:
        raise ValueError(f"Unknown time precision {precision!r}")
    # Wall-clock arithmetic in a zone with DST: re-attach the zone so each bound gets its own offset.
    start = datetime(start.year, start.month, start.day, tzinfo=tz)
    end = datetime(end.year, end.month, end.day, tzinfo=tz)
    return start.astimezone(UTC), end.astimezone(UTC)


def overlap_fraction(window: tuple[datetime, datetime], starts_at: datetime, ends_at: datetime | None) -> float:
    """Fraction of `window` inside [starts_at, ends_at); for an instant (empty window) 1 or 0."""
    start, end = window
    lo = max(start, starts_at)
    hi = end if ends_at is None else min(end, ends_at)
    if end <= start:
        return 1.0 if starts_at <= start and (ends_at is None or start < ends_at) else 0.0
    return max(0.0, (hi - lo).total_seconds()) / (end - start).total_seconds()
