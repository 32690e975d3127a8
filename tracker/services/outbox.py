"""The outbox of incident events, for subscriptions (tracker/models/subscriptions.py).

A write records what happened to which incidents — `created`, `changed`, `removed` (trashed,
purged, merged away) or `verdict` (a verdict of it changed) — as `IncidentEvent` rows in its
own transaction: an event exists exactly when its write committed, and costs the write one
INSERT, whatever the number of subscriptions. After the commit, `events_recorded` is sent; the
webhooks interface (tracker/webhooks/) answers it by putting the dispatch on the task queue,
which matches the events to subscriptions and delivers them — never in the writer's request
(with the `database` task backend).

Nothing is recorded while no subscription is active: a subscription hears of what happens
after it exists.
"""

from collections.abc import Iterable

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

from tracker.models import IncidentEvent, Subscription

CREATED, CHANGED, REMOVED, VERDICT = "created", "changed", "removed", "verdict"

# Sent once after the commit of a transaction that recorded events (no arguments).
events_recorded = Signal()


def _announce() -> None:
    events_recorded.send(sender=IncidentEvent)


def anyone_listening() -> bool:
    return Subscription.objects.filter(active=True).exists()


def record(events: Iterable[tuple[int, str]]) -> int:
    """Record (incident id, kind) events; returns how many. Within the writer's transaction."""
    events = list(dict.fromkeys(events))
    if not events or not anyone_listening():
        return 0
    now = timezone.now()
    IncidentEvent.objects.bulk_create([IncidentEvent(incident_id=pk, kind=kind, created_at=now) for pk, kind in events])
    transaction.on_commit(_announce, robust=True)
    return len(events)
