"""Delivering webhooks: each due delivery signed and POSTed once, its answer recorded, and the
next attempt scheduled (tracker/domain/webhooks.py says when) — by the webhooks runner
(tracker/webhooks/worker.py), never in a writer's request.

A worker claims a few due deliveries at a time by moving their next attempt a lease ahead (a
worker that dies leaves them due again when the lease runs out), then sends each outside any
transaction: a slow receiver holds no lock and no other delivery. A subscription is paused, with
its reason for the owner (the admin and the API show it), when a receiver answers 410 Gone, when
its URL is refused (a non-public address), or when PAUSE_AFTER deliveries in a row have failed;
its pending deliveries wait until it is resumed.
"""

import threading
from datetime import timedelta

from django.db import connections, transaction
from django.db.models import Min
from django.dispatch import Signal
from django.utils import timezone
from django_tasks import task

from tracker import conf
from tracker.choices import DeliveryState
from tracker.domain import webhooks
from tracker.models import Delivery, IncidentEvent, Subscription, SubscriptionSecret
from tracker.services import common, webhook_sender

CLAIM = 20  # deliveries a worker takes at a time
SENDER_CLAIM = 1  # ... and each of several senders at once: one, so that a slow receiver holds up no other delivery
LEASE = timedelta(minutes=2)  # longer than an attempt can take (the sender's timeout)
PAUSE_AFTER = 10  # failed deliveries in a row

# Sent after the commit of a delivery made due by hand (a redelivery): the webhooks runner
# (tracker/webhooks/worker.py) answers it.
deliveries_due = Signal()


def secrets_in_force(subscription_id: int, now=None) -> list[str]:
    """The subscription's signing secrets, newest first: the current one and any rotated one
    whose overlap has not ended."""
    now = now or timezone.now()
    rows = SubscriptionSecret.objects.filter(subscription_id=subscription_id).order_by("-created_at", "-id")
    return [row.secret for row in rows if row.expires_at is None or row.expires_at > now]


def _waiting():
    return Delivery.objects.filter(state=DeliveryState.PENDING, subscription__active=True, subscription__deleted_at=None)


def next_due():
    """When the next pending delivery of an active subscription is due (None: none waits)."""
    return _waiting().aggregate(due=Min("next_attempt_at"))["due"]


def _claim(now, size: int) -> list[Delivery]:
    """Up to `size` due deliveries of live subscriptions, leased to this sender. The live
    subscriptions are read apart, so that the due scan is one table's index, whatever the
    planner believes of a join (a new subscriptions table looks empty to it until analysed: it
    then looped over every subscription, 0.8 s a claim at 10,000 pending deliveries)."""
    live = list(Subscription.objects.filter(active=True, deleted_at=None).values_list("pk", flat=True))
    if not live:
        return []
    with transaction.atomic():
        due = Delivery.objects.filter(state=DeliveryState.PENDING, next_attempt_at__lte=now, subscription_id__in=live)
        ids = list(due.order_by("next_attempt_at", "id").select_for_update(skip_locked=True).values_list("pk", flat=True)[:size])
        Delivery.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return list(Delivery.objects.filter(pk__in=ids).select_related("subscription").order_by("id"))


@task()
def deliver_due(concurrency: int = 1) -> int:
    """Send every delivery due now, by `concurrency` senders at once (each claims its own few:
    a slow receiver holds up one sender, not the others); returns the attempts made. Deliveries
    of one incident may then arrive out of order: their `sequence` orders them (README)."""
    if concurrency <= 1:
        return _send_due(CLAIM)
    counts: list[int] = []

    def sender():
        try:
            counts.append(_send_due(SENDER_CLAIM))
        finally:
            connections.close_all()  # this thread's own connections

    senders = [threading.Thread(target=sender, name=f"webhook-sender-{n}", daemon=True) for n in range(concurrency)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()
    return sum(counts)


def _send_due(size: int) -> int:
    attempts = 0
    while claimed := _claim(timezone.now(), size):
        secrets: dict[int, list[str]] = {}  # per subscription, for this batch
        for delivery in claimed:
            attempt(delivery, secrets)
            attempts += 1
    return attempts


def attempt(delivery: Delivery, secrets: dict[int, list[str]] | None = None) -> Delivery:
    """One attempt at a delivery: signed with the secrets in force (read once per batch of
    `secrets`), sent, recorded."""
    now = timezone.now()
    secrets = {} if secrets is None else secrets
    if delivery.subscription_id not in secrets:
        secrets[delivery.subscription_id] = secrets_in_force(delivery.subscription_id, now)
    body = delivery.body.encode()
    timestamp = int(now.timestamp())
    headers = {
        "webhook-id": delivery.message_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": webhooks.signature_header(secrets[delivery.subscription_id], delivery.message_id, timestamp, body),
    }
    refused = None
    try:
        sent = webhook_sender.post(delivery.subscription.target_url, body, headers)
    except webhook_sender.TargetRefused as error:
        refused, sent = str(error), webhook_sender.Attempt(status=None, latency_ms=0, error=str(error))
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status, delivery.last_latency_ms = sent.status, sent.latency_ms
    delivery.last_response, delivery.last_error = sent.excerpt, sent.error[:500]
    meaning = "failed" if refused else webhooks.outcome(sent.status)
    if meaning == "delivered":
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = DeliveryState.DELIVERED, timezone.now(), None
    elif meaning == "retry":
        wait = webhooks.retry_delay(delivery.attempts, sent.retry_after)
        if now + wait - delivery.created_at > webhooks.RETRY_FOR:
            delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
        else:
            delivery.next_attempt_at = now + wait
    else:
        delivery.state, delivery.next_attempt_at = DeliveryState.FAILED, None
    delivery.save()
    if refused:
        pause(delivery.subscription, f"Its URL was refused: {refused}")
    elif meaning == "gone":
        pause(delivery.subscription, "The receiver answered 410 Gone: it wants no more deliveries.")
    elif delivery.state == DeliveryState.FAILED and _failing(delivery.subscription_id):
        pause(delivery.subscription, f"The last {PAUSE_AFTER} deliveries failed (the last: {_described(delivery)}).")
    return delivery


def _described(delivery: Delivery) -> str:
    return f"HTTP {delivery.last_status}" if delivery.last_status else (delivery.last_error or "no answer")


def _failing(subscription_id: int) -> bool:
    finished = Delivery.objects.filter(subscription_id=subscription_id).exclude(state=DeliveryState.PENDING)
    last = list(finished.order_by("-last_attempt_at", "-id").values_list("state", flat=True)[:PAUSE_AFTER])
    return len(last) == PAUSE_AFTER and all(state == DeliveryState.FAILED for state in last)


def pause(subscription: Subscription, reason: str, *, user=None) -> Subscription:
    """Stop delivering to the subscription (its pending deliveries wait), saying why."""
    subscription = Subscription.objects.get(pk=subscription.pk)
    if not subscription.active and subscription.paused_reason == reason:
        return subscription
    return common.update(instance=subscription, data={"active": False, "paused_reason": reason}, user=user)


def prune(now=None) -> tuple[int, int]:
    """Forget what is older than TRACKER_WEBHOOK_LOG_DAYS: finished deliveries (delivered or
    failed: the log and its bodies would grow without end) and dispatched outbox events. Pending
    deliveries and undispatched events stay whatever their age. Returns how many of each went."""
    cutoff = (now or timezone.now()) - timedelta(days=conf.WEBHOOK_LOG_DAYS)
    finished = Delivery.objects.filter(created_at__lt=cutoff).exclude(state=DeliveryState.PENDING)
    deliveries, _ = finished.delete()
    events, _ = IncidentEvent.objects.filter(dispatched_at__lt=cutoff).delete()
    return deliveries, events


def redeliver(delivery: Delivery) -> Delivery:
    """Send a delivery again (by hand: from the admin or the API), with the same id, so a
    receiver that had it can tell."""
    delivery.state, delivery.next_attempt_at = DeliveryState.PENDING, timezone.now()
    delivery.save(update_fields=["state", "next_attempt_at"])
    transaction.on_commit(lambda: deliveries_due.send(sender=Delivery), robust=True)
    return delivery
