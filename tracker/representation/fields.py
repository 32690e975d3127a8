"""Serializer fields shared by the API's serializers."""

from datetime import datetime

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers

from tracker import instants


class BriefRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key written as an id and read as a brief object (`{"id": 3, "name": ...}`),
    so clients get names without a second request and still write plain ids."""

    def __init__(self, brief_serializer: type[serializers.Serializer], **kwargs):
        self.brief_serializer = brief_serializer
        kwargs.setdefault("html_cutoff", 200)
        super().__init__(**kwargs)

    def use_pk_only_optimization(self) -> bool:
        return False

    def to_representation(self, value):
        # One brief serializer per field, its fields built once: building them for every row
        # cost a list or export more than all the rest of its serialization.
        brief = getattr(self, "_brief", None)
        if brief is None:
            brief = self._brief = self.brief_serializer(context=self.context)
        return brief.to_representation(value)

    def to_internal_value(self, data):
        # Accept what we serve, {"id": 3, ...}, so a GET body can be PUT back unchanged.
        if isinstance(data, dict):
            if "id" not in data:
                self.fail("incorrect_type", data_type="object without id")
            data = data["id"]
        return super().to_internal_value(data)

    def get_choices(self, cutoff=None):
        # The browsable API's <select>: keyed by id, since the representation is a dict.
        queryset = self.get_queryset()
        if queryset is None:
            return {}
        if cutoff is not None:
            queryset = queryset[:cutoff]
        return {item.pk: self.display_value(item) for item in queryset}


class BriefRelatedFieldSchema(OpenApiSerializerFieldExtension):
    """OpenAPI: an integer id in requests, the brief object in responses."""

    target_class = BriefRelatedField

    def map_serializer_field(self, auto_schema, direction):
        if direction == "request":
            return build_basic_type(OpenApiTypes.INT)
        return auto_schema.resolve_serializer(self.target.brief_serializer, direction).ref


class OffsetDateTimeField(serializers.DateTimeField):
    """An ISO 8601 datetime that must carry a UTC offset (or Z): a naive time is ambiguous in a
    conflict spanning several zones, so it is refused rather than guessed. Output is UTC."""

    default_error_messages = {
        "naive": "Include a UTC offset, e.g. 2020-01-12T00:01:00+03:00 or 2020-01-11T21:01:00Z.",
        "out_of_range": instants.OUT_OF_RANGE.replace("%(value)s", "{value}"),
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = datetime.fromisoformat(value.strip())
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
            # Before DRF converts it to UTC, which overflows near the calendar's edges.
            if parsed is not None and not instants.in_range(parsed):
                self.fail("out_of_range", value=value.strip()[:40])
        return super().to_internal_value(value)
