"""Turning recorded incident events (tracker/services/outbox.py) into deliveries, on the task
queue, after the writes that recorded them committed (tracker/webhooks/worker.py runs it).

For each batch of events, in the order they were recorded: the events of one incident collapse
into one (its last sequence number; `created` stays created, a removal at the end is a removal),
the incidents are matched to every active subscription at once (tracker/webhooks/matching.py),
and each subscription gets, per incident:

- in its view and filter now: `incident.created` for a new incident, `assessment.changed` for a
  verdict that changed, else `incident.changed` — the incident as the API's detail serializes it
  for the owner;
- in its view and filter at its last event, not any more: `incident.withdrawn` when the owner may
  no longer see it (unpublished, rejected, trashed, merged away, purged: the body carries its id
  only), else `incident.changed` with `in_filter: false` (it moved out of the filter);
- neither: nothing.

Each delivery's body is frozen here; tracker/services/webhook_delivery.py signs and sends it.
"""

import operator
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from tracker.api.renderers import FastJSONRenderer
from tracker.api.views import IncidentViewSet
from tracker.domain import webhooks
from tracker.models import Delivery, Incident, IncidentEvent, Subscription, SubscriptionIncident
from tracker.models.visibility import visible_statuses
from tracker.representation.serializers import IncidentDetailSerializer
from tracker.services import outbox, webhook_delivery
from tracker.webhooks import matching

BATCH = 500  # events per transaction


@dataclass
class Happened:
    """What happened to one incident over a batch of its events."""

    kind: str
    sequence: int
    at: datetime


def _collapsed(events: Iterable[IncidentEvent]) -> dict[int, Happened]:
    found: dict[int, Happened] = {}
    for event in events:  # in recording order
        prior = found.get(event.incident_id)
        kind = event.kind
        # Created then changed is still new to everyone; a change beats a verdict's change; a
        # removal at the end is a removal.
        if (
            prior is not None
            and kind != outbox.REMOVED
            and (prior.kind == outbox.CREATED or (prior.kind == outbox.CHANGED and kind == outbox.VERDICT))
        ):
            kind = prior.kind
        found[event.incident_id] = Happened(kind, event.id, event.created_at)
    return found


def _type_in_view(kind: str) -> str:
    return {
        outbox.CREATED: webhooks.INCIDENT_CREATED,
        outbox.VERDICT: webhooks.ASSESSMENT_CHANGED,
    }.get(kind, webhooks.INCIDENT_CHANGED)


@task()
def dispatch_events() -> int:
    """Dispatch every recorded event not yet dispatched; returns the deliveries created. Two
    dispatchers at once take different batches (rows locked, skipped by the other)."""
    created = 0
    while True:
        with transaction.atomic():
            pending = IncidentEvent.objects.filter(dispatched_at=None).order_by("id")
            events = list(pending.select_for_update(skip_locked=True)[:BATCH])
            if not events:
                break
            created += dispatch(events)
            IncidentEvent.objects.filter(pk__in=[e.pk for e in events]).update(dispatched_at=timezone.now())
    return created


def dispatch(events: list[IncidentEvent]) -> int:
    """The deliveries these events call for, created; returns how many."""
    happened = _collapsed(events)
    subscriptions = list(Subscription.objects.filter(active=True).select_related("owner").order_by("pk"))
    if not subscriptions:
        return 0
    ids = list(happened)
    live = {incident.pk: incident for incident in Incident.objects.filter(pk__in=ids)}
    invalid: dict[int, str] = {}
    matched = matching.matches(subscriptions, list(live.values()), invalid)
    for subscription in subscriptions:
        if subscription.pk in invalid:  # the owner is told (paused, with why) rather than left waiting
            webhook_delivery.pause(
                subscription, f"Its filter no longer reads ({invalid[subscription.pk]}): correct it, then resume."
            )
    subscriptions = [s for s in subscriptions if s.pk not in invalid]
    followed = set(
        SubscriptionIncident.objects.filter(incident_id__in=ids, subscription__in=subscriptions).values_list(
            "subscription_id", "incident_id"
        )
    )
    plan, follow, unfollow = [], [], []
    for subscription in subscriptions:
        statuses = visible_statuses(subscription.owner)
        for pk, what in happened.items():
            now_in, was_in = pk in matched.get(subscription.pk, ()), (subscription.pk, pk) in followed
            if now_in:
                event = _type_in_view(what.kind)
                if not was_in:
                    follow.append(SubscriptionIncident(subscription=subscription, incident_id=pk))
            elif was_in:
                incident = live.get(pk)
                visible = incident is not None and (statuses is None or incident.status in statuses)
                event = webhooks.INCIDENT_CHANGED if visible else webhooks.INCIDENT_WITHDRAWN
                unfollow.append((subscription.pk, pk))
            else:
                continue
            if event in subscription.events:
                plan.append((subscription, pk, what, event, now_in))
    bodies = _bodies(plan)
    now = timezone.now()
    Delivery.objects.bulk_create(
        Delivery(
            subscription=subscription,
            message_id=webhooks.message_id(),
            event=event,
            incident_id=pk,
            sequence=what.sequence,
            body=bodies[subscription.pk, pk],
            created_at=now,
            next_attempt_at=now,
        )
        for subscription, pk, what, event, _ in plan
    )
    SubscriptionIncident.objects.bulk_create(follow, ignore_conflicts=True)
    if unfollow:  # one DELETE for the batch
        SubscriptionIncident.objects.filter(
            reduce(operator.or_, (Q(subscription_id=s, incident_id=pk) for s, pk in unfollow))
        ).delete()
    return len(plan)


def _bodies(plan) -> dict[tuple[int, int], str]:
    """Each delivery's JSON body; the incidents serialized once per visibility class."""
    shown: dict[tuple, dict[int, dict]] = {}
    for subscription, pk, _, _, now_in in plan:
        if now_in:
            shown.setdefault(visible_statuses(subscription.owner), {})[pk] = subscription.owner
    served: dict[tuple, dict[int, dict]] = {}
    for statuses, owners in shown.items():
        owner = next(iter(owners.values()))  # any owner of the class: they see the same
        queryset = IncidentViewSet.served_to(owner, detail=True).filter(pk__in=list(owners))
        items = IncidentDetailSerializer(queryset, many=True, context={"reader": owner}).data
        served[statuses] = {item["id"]: item for item in items}
    renderer = FastJSONRenderer()
    bodies = {}
    for subscription, pk, what, event, now_in in plan:
        incident = served[visible_statuses(subscription.owner)].get(pk) if now_in else None
        payload = {
            "type": event,
            "timestamp": what.at,
            "data": {
                "subscription": subscription.pk,
                "incident_id": pk,
                "sequence": what.sequence,
                "in_filter": now_in,
                "incident": incident,
            },
        }
        bodies[subscription.pk, pk] = renderer.render(payload).decode()
    return bodies
