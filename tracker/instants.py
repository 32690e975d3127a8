"""The range of instants the tracker accepts, enforced in one place.

Every instant a client can send — a filter value, a cursor, a field of a record written through
the API, the admin or an import — must lie in [EARLIEST, LATEST): from 1 January 1800 (older
than any conflict dataset's records; ACLED starts in 1997, UCDP GED in 1989) up to, not
including, 1 January 2200. Outside that range nothing a ceasefire tracker records can happen,
and near the calendar's edges (years 1 and 9999) converting an offset to UTC, or widening an
instant to its day, week or month, overflows Python's datetime: those were 500s.

The check runs on the calendar fields before any arithmetic, so `0001-01-01T00:00:00+05:00`
is refused with a message rather than overflowing while it is converted.
"""

from datetime import UTC, datetime

from django.core.exceptions import ValidationError

EARLIEST = datetime(1800, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)  # exclusive

OUT_OF_RANGE = (
    "%(value)s is outside the instants the tracker accepts: from 1800-01-01T00:00:00Z up to, not including, 2200-01-01T00:00:00Z."
)


def out_of_range(value) -> ValidationError:
    return ValidationError(OUT_OF_RANGE, code="out_of_range", params={"value": str(value)[:40]})


def in_range(value: datetime) -> bool:
    """Whether an aware `value` lies in [EARLIEST, LATEST), without arithmetic that could overflow."""
    # Years well inside the range need no conversion; only then is converting to UTC safe.
    if not EARLIEST.year - 1 <= value.year <= LATEST.year:
        return False
    return EARLIEST <= value.astimezone(UTC) < LATEST


def to_utc(value: datetime) -> datetime:
    """An aware instant in range, in UTC; ValidationError (code out_of_range) otherwise."""
    if not in_range(value):
        raise out_of_range(value.isoformat())
    return value.astimezone(UTC)


def validate_instant(value: datetime | None) -> None:
    """Model field validator: the record's instants lie in the accepted range."""
    if value is None:
        return
    if value.tzinfo is None:  # the admin's naive input, read in the (UTC) current zone
        value = value.replace(tzinfo=UTC)
    if not in_range(value):
        raise out_of_range(value.isoformat())
