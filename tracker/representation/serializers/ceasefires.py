"""Ceasefires with their parties' roles (commitments, undertakings), lifecycle and declarations."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracker.choices import IncidentKind
from tracker.models import (
    Ceasefire,
    CeasefireParty,
    CeasefireStatus,
    Declaration,
)
from tracker.representation.serializers.base import AUDIT_FIELDS, TrackerModelSerializer, party_field, place_field

# Ceasefires.


class CeasefirePartySerializer(serializers.ModelSerializer):
    party = party_field()
    committed_by = party_field(
        required=False, allow_null=True, help_text="The party that committed this one (a patron for its ally), if not itself."
    )

    barred_kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=IncidentKind.choices),
        required=False,
        max_length=len(IncidentKind.values),
        help_text="The kinds of act its undertaking bars; empty: every hostile act.",
    )
    area = place_field(
        required=False, allow_null=True, help_text="Where its undertaking applies, if narrower than the zone (a corridor)."
    )

    class Meta:
        model = CeasefireParty
        fields = ["party", "role", "committed_by", "starts_at", "ends_at", "undertaking", "barred_kinds", "area"]

    def validate_barred_kinds(self, value):
        if len(set(value)) != len(value):
            raise serializers.ValidationError("A kind is listed twice.")
        return value


class CeasefireStatusSerializer(serializers.ModelSerializer):
    class Meta:
        model = CeasefireStatus
        fields = ["status", "effective_at", "report", "notes"]


class DeclarationSerializer(TrackerModelSerializer):
    party = party_field(read_only=True)

    class Meta:
        model = Declaration
        fields = ["id", "party", "claimed_start", "claimed_end", "stated_as", "report", "notes"]
        read_only_fields = fields


class CeasefireSerializer(TrackerModelSerializer):
    scope = place_field()
    zone = place_field(required=False, allow_null=True)
    type = serializers.ChoiceField(source="ceasefire_type", choices=Ceasefire._meta.get_field("ceasefire_type").choices)
    parties = CeasefirePartySerializer(
        source="party_roles", many=True, required=False, help_text="Each party's role; on write, replaces the whole list."
    )
    declarations = DeclarationSerializer(many=True, read_only=True, help_text="Each party's own claims of start and end.")
    verdicts_pending_since = serializers.SerializerMethodField(
        help_text="While its verdicts are being recomputed after a change (on the task queue): since when; null "
        "when they are current. Verdicts read meanwhile are those before the change."
    )
    lifecycle = CeasefireStatusSerializer(
        many=True,
        required=False,
        help_text="Its dated status timeline (in force, breaking down, collapsed, replaced, expired) with sources; the "
        "first collapsed, replaced or expired step ends it for the verdicts. On write, replaces the whole list.",
    )

    class Meta:
        model = Ceasefire
        fields = [
            "id", "name", "scope", "zone", "announced_at", "starts_at", "ends_at", "type", "purpose", "terms",
            "monitoring", "timezone", "supersedes", "parties", "lifecycle", "declarations", "verdicts_pending_since",
            *AUDIT_FIELDS,
        ]  # fmt: skip

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_verdicts_pending_since(self, obj):
        state = getattr(obj, "verdict_recompute", None) if obj.pk else None
        return serializers.DateTimeField().to_representation(state.pending_since) if state and state.pending_since else None

    def validate_lifecycle(self, value):
        seen = set()
        for row in value:
            if row["effective_at"] in seen:
                raise serializers.ValidationError(f"Two steps from {row['effective_at'].isoformat()}: one step per instant.")
            seen.add(row["effective_at"])
        return value

    def validate_parties(self, value):
        seen = set()
        for row in value:
            if row["party"].pk in seen:
                raise serializers.ValidationError(f"Party {row['party'].pk} is listed twice.")
            seen.add(row["party"].pk)
        return value
