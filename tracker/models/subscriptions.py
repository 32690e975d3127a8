"""Subscriptions: other services told, by signed HTTP POSTs (webhooks), when incidents they
care about appear, change or are withdrawn (README "Subscriptions"; the scheme in
tracker/domain/webhooks.py)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from tracker.choices import DeliveryState
from tracker.domain.webhooks import EVENT_TYPES
from tracker.history import TrackerHistory
from tracker.models.base import SoftDeletable, TrackedModel


class Subscription(SoftDeletable, TrackedModel):
    """What a service wants to be told and where: the events it asked for about the incidents
    its `filter` selects — written with the incident list's own query parameters — POSTed to
    `target_url`. It sees what its owner may see, no more. Paused by its owner, or by the
    tracker when its deliveries keep failing (`paused_reason` says which)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="subscriptions")
    name = models.CharField(max_length=200)
    target_url = models.URLField(max_length=2000)
    filter = models.CharField(
        max_length=2000, blank=True, help_text="A query string of /api/v1/incidents/ (e.g. ceasefire=1&verdict=violation)."
    )
    events = models.JSONField(default=list, help_text="The event types wanted.")
    active = models.BooleanField(default=True)
    paused_reason = models.CharField(max_length=500, blank=True)

    history = TrackerHistory()

    class Meta(SoftDeletable.Meta):
        ordering = ["owner_id", "name", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        super().clean()
        events = self.events
        if not isinstance(events, list) or not events or not all(isinstance(e, str) for e in events):
            raise ValidationError({"events": f"A non-empty list of event types: {', '.join(EVENT_TYPES)}."})
        unknown = sorted(set(events) - set(EVENT_TYPES))
        if unknown:
            raise ValidationError(
                {"events": f"Unknown event type {', '.join(map(repr, unknown))}; known: {', '.join(EVENT_TYPES)}."}
            )
        if len(set(events)) != len(events):
            raise ValidationError({"events": "Each event type once."})


class SubscriptionSecret(models.Model):
    """A signing secret of a subscription. The newest signs; a rotated one keeps signing beside
    it until `expires_at`, so the receiver can switch without losing a delivery. Kept out of the
    subscription's history (which reviewers read): shown to the owner once, when issued."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="secrets")
    secret = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"secret of subscription {self.subscription_id} from {self.created_at:%Y-%m-%d}"


class Delivery(models.Model):
    """One event for one subscription, and how its delivery went: the body as signed (the
    incident as the API served it to the owner when the event happened), the attempts so far,
    the last answer, and when the next attempt is due. `sequence` orders the events of one
    incident (it grows with every change), whatever order they arrive in."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=64, unique=True)
    event = models.CharField(max_length=40)
    incident_id = models.BigIntegerField(help_text="No link: a purged incident's withdrawal is still delivered.")
    sequence = models.BigIntegerField()
    body = models.TextField()
    state = models.CharField(max_length=16, choices=DeliveryState.choices, default=DeliveryState.PENDING)
    created_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status = models.PositiveIntegerField(null=True, blank=True, help_text="Empty: no answer (refused, timed out).")
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)
    last_response = models.TextField(blank=True, help_text="The first bytes of the answer.")
    last_error = models.CharField(max_length=500, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The worker's scan: what is due now.
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due_idx"),
            # A subscription's log, newest first.
            models.Index(fields=["subscription", "-created_at"], name="delivery_log_idx"),
            # What a subscription was told about an incident (its withdrawal goes to those told).
            models.Index(fields=["incident_id", "subscription"], name="delivery_incident_idx"),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.event} of incident {self.incident_id} to subscription {self.subscription_id}"


class IncidentEvent(models.Model):
    """The outbox: that an incident was created, changed or removed (trashed, purged, merged
    away), or that a verdict of it changed — written in the transaction of the write itself,
    so an event exists exactly when its write committed, and matched to subscriptions after
    it, on the task queue (tracker/webhooks/dispatch.py). Its id is the sequence that orders an
    incident's events for a receiver."""

    incident_id = models.BigIntegerField()
    kind = models.CharField(max_length=16, help_text="created, changed, removed or verdict (tracker/services/outbox.py).")
    created_at = models.DateTimeField()
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["dispatched_at", "id"], name="incidentevent_pending_idx")]

    def __str__(self) -> str:
        return f"{self.kind} of incident {self.incident_id}"


class SubscriptionIncident(models.Model):
    """An incident a subscription was told about and that was, at its last event, in the
    subscription's view and filter: when it leaves them, the subscription is told once more
    (`incident.withdrawn`, or `incident.changed` out of its filter) and the row goes."""

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="+")
    incident_id = models.BigIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["incident_id", "subscription"], name="subscriptionincident_unique"),
        ]

    def __str__(self) -> str:
        return f"incident {self.incident_id} followed by subscription {self.subscription_id}"
