"""Shared pieces: strict serializers, brief nested representations, related fields."""

from django.db import models
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from tracker.models import (
    Party,
    Place,
    Source,
)
from tracker.representation.fields import BriefRelatedField, OffsetDateTimeField

AUDIT_FIELDS = ["version", "created_at", "updated_at"]


class RejectUnknownFieldsMixin:
    """A body key the resource does not have is a 400 naming it, not silently dropped (a typo
    like `kiled_high` must not look like success). Read-only fields (`version`, `id`, audit
    times) are accepted and ignored, so a served body can be sent back as it is."""

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


class TrackerModelSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    """Datetimes must carry an offset; validation of constraints is the model's (full_clean in
    the service), so DRF's own unique validators are switched off to keep one set of rules.
    Unknown body fields are refused; serializers bind only their declared writable fields."""

    serializer_field_mapping = {**serializers.ModelSerializer.serializer_field_mapping, models.DateTimeField: OffsetDateTimeField}

    def get_validators(self):
        return []

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        validators = [v for v in kwargs.get("validators", []) if not isinstance(v, UniqueValidator)]
        if "validators" in kwargs:
            kwargs["validators"] = validators
        return field_class, kwargs


class NameListField(serializers.ListField):
    """A list of names read from a related manager's `name` attribute (aliases)."""

    child = serializers.CharField(max_length=200)

    def to_representation(self, data):
        return [item.name for item in data.all()]


# Brief representations, nested in other resources' responses.


class PartyBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Party
        fields = ["id", "name"]


class PlaceBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Place
        fields = ["id", "name", "latitude", "longitude"]


class SourceBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "name"]


def party_field(**kwargs) -> BriefRelatedField:
    queryset = None if kwargs.get("read_only") else Party.objects.all()
    return BriefRelatedField(PartyBriefSerializer, queryset=queryset, **kwargs)


def place_field(**kwargs) -> BriefRelatedField:
    queryset = None if kwargs.get("read_only") else Place.objects.all()
    return BriefRelatedField(PlaceBriefSerializer, queryset=queryset, **kwargs)


def source_field(**kwargs) -> BriefRelatedField:
    queryset = None if kwargs.get("read_only") else Source.objects.all()
    return BriefRelatedField(SourceBriefSerializer, queryset=queryset, **kwargs)
