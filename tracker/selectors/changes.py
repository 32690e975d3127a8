"""What a client mirroring the tracker must remove: incidents deleted, merged or purged since
an instant, in (time, id) order for cursor pages."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from tracker.models import Incident


@dataclass(frozen=True)
class Removal:
    id: int
    at: datetime
    reason: str  # deleted | merged | purged
    merged_into: int | None


def removed_incidents(
    since: datetime, until: datetime, *, after: tuple[datetime, int] | None, limit: int, statuses=None
) -> list[Removal]:
    """Up to `limit` incidents removed in [since, until], after the cursor position `after`:
    those in the trash (deleted, or merged into another) and those purged for good (known
    from their history). `statuses`: only incidents with these statuses (what the reader may
    see), None for all."""

    def window(at: str):
        query = Q(**{f"{at}__gte": since, f"{at}__lte": until})
        if after is not None:
            query &= Q(**{f"{at}__gt": after[0]}) | Q(**{at: after[0], "id__gt": after[1]})
        if statuses is not None:
            query &= Q(status__in=statuses)
        return query

    trashed = (
        Incident.all_objects.filter(window("deleted_at"))
        .order_by("deleted_at", "id")
        .values_list("id", "deleted_at", "merged_into_id")[:limit]
    )
    purged = (
        Incident.history.filter(window("history_date"), history_type="-")
        .order_by("history_date", "id")
        .values_list("id", "history_date", "merged_into_id")[:limit]
    )
    found = [Removal(pk, at, "merged" if into else "deleted", into) for pk, at, into in trashed]
    found += [Removal(pk, at, "purged", into) for pk, at, into in purged]
    return sorted(found, key=lambda r: (r.at, r.id))[:limit]
