"""Subscriptions (webhooks) and their delivery log."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracker.domain.webhooks import EVENT_TYPES
from tracker.models import Delivery, Subscription
from tracker.representation.serializers.base import AUDIT_FIELDS, RejectUnknownFieldsMixin, TrackerModelSerializer

MAX_OVERLAP_HOURS = 24 * 7


class SubscriptionSerializer(TrackerModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EVENT_TYPES),
        min_length=1,
        max_length=len(EVENT_TYPES),
        error_messages={
            "min_length": f"At least one event type: {', '.join(EVENT_TYPES)}.",
            "max_length": "Each event type once.",
        },
        help_text=f"The event types wanted: {', '.join(EVENT_TYPES)}.",
    )
    owner = serializers.CharField(source="owner.username", read_only=True)
    secret = serializers.SerializerMethodField(
        help_text="The signing secret (whsec_…): in the answer to the creation only, never again. Rotate it with rotate-secret/."
    )

    class Meta:
        model = Subscription
        fields = [
            "id", "name", "owner", "target_url", "filter", "events", "active", "paused_reason", "secret", *AUDIT_FIELDS,
        ]  # fmt: skip
        read_only_fields = ["paused_reason"]
        extra_kwargs = {
            "active": {"help_text": "false: paused (by its owner, or by the tracker: paused_reason says why). true resumes it."},
            "paused_reason": {"help_text": "Why the tracker paused it (its deliveries kept failing, 410 Gone, a refused URL)."},
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_secret(self, subscription) -> str | None:
        return getattr(subscription, "issued_secret", None)


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id", "message_id", "event", "incident_id", "sequence", "state", "created_at", "attempts",
            "next_attempt_at", "last_attempt_at", "last_status", "last_latency_ms", "last_response", "last_error",
            "delivered_at",
        ]  # fmt: skip
        read_only_fields = fields
        extra_kwargs = {
            "message_id": {"help_text": "The webhook-id header: the same on every attempt, so a receiver can drop repeats."},
            "sequence": {"help_text": "Orders the events of one incident: a receiver keeps the highest it has applied."},
            "last_status": {"help_text": "The receiver's HTTP status at the last attempt; null when it did not answer."},
            "last_response": {"help_text": "The first 1,024 bytes of the receiver's last answer."},
        }


class DeliveryDetailSerializer(DeliverySerializer):
    class Meta(DeliverySerializer.Meta):
        fields = [*DeliverySerializer.Meta.fields, "body"]
        read_only_fields = fields
        extra_kwargs = {
            **DeliverySerializer.Meta.extra_kwargs,
            "body": {"help_text": "The JSON body exactly as signed and sent (the signature covers these bytes)."},
        }


class RotateSecretSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    overlap_hours = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=MAX_OVERLAP_HOURS,
        help_text="How long the secrets in force keep signing beside the new one (default TRACKER_WEBHOOK_SECRET_OVERLAP_HOURS).",
    )


class RotatedSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(help_text="The new signing secret: shown this once.")
    previous_expire_at = serializers.DateTimeField(help_text="When the secrets it replaces stop signing.")
