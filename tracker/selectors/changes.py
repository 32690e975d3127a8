"""What a client mirroring the tracker must remove: incidents deleted, merged or purged since
an instant — and, for readers who see only published incidents, those withdrawn from
publication (unpublished or rejected) — in (time, id) order for cursor pages."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from tracker.models import Incident


@dataclass(frozen=True)
class Removal:
    id: int
    at: datetime
    reason: str  # deleted | merged | purged | withdrawn
    merged_into: int | None


def removed_incidents(
    since: datetime, until: datetime, *, after: tuple[datetime, int] | None, limit: int, statuses=None
) -> list[Removal]:
    """Up to `limit` incidents removed in [since, until], after the cursor position `after`:
    those in the trash (deleted, or merged into another) and those purged for good (known
    from their history). `statuses`: only incidents with these statuses (what the reader may
    see), None for all."""

    def window(at: str, *, seen: bool = True):
        query = Q(**{f"{at}__gte": since, f"{at}__lte": until})
        if after is not None:
            query &= Q(**{f"{at}__gt": after[0]}) | Q(**{at: after[0], "id__gt": after[1]})
        if statuses is not None:
            # Removed while the reader could see it (seen), or gone out of its view (withdrawn).
            query &= Q(status__in=statuses) if seen else ~Q(status__in=statuses)
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
    rows = [(pk, at, "merged" if into else "deleted", into) for pk, at, into in trashed]
    rows += [(pk, at, "purged", into) for pk, at, into in purged]
    if statuses is not None:
        withdrawn = (
            Incident.all_objects.filter(window("withdrawn_at", seen=False))
            .order_by("withdrawn_at", "id")
            .values_list("id", "withdrawn_at")[:limit]
        )
        rows += [(pk, at, "withdrawn", None) for pk, at in withdrawn]
        # Hidden looks like absent: a merge into an incident the reader may not see is a deletion.
        targets = {into for *_, into in rows if into is not None}
        shown = set(Incident.all_objects.filter(pk__in=targets, status__in=statuses).values_list("pk", flat=True))
        rows = [(pk, at, "deleted", None) if into and into not in shown else (pk, at, why, into) for pk, at, why, into in rows]
    found = [Removal(pk, at, why, into) for pk, at, why, into in rows]
    return sorted(found, key=lambda r: (r.at, r.id))[:limit]
