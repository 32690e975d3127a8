"""Sources and the reports they publish."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracker.models import (
    Report,
    Source,
)
from tracker.representation.serializers.base import AUDIT_FIELDS, TrackerModelSerializer, party_field, source_field

# Sources and reports.


class SourceSerializer(TrackerModelSerializer):
    affiliated_party = party_field(required=False, allow_null=True)
    aligned_party = party_field(
        required=False,
        allow_null=True,
        help_text="A side it works with without speaking for it; it is not independent of that side.",
    )

    class Meta:
        model = Source
        fields = [
            "id",
            "name",
            "kind",
            "reliability",
            "country_code",
            "affiliated_party",
            "aligned_party",
            "website",
            "description",
            *AUDIT_FIELDS,
        ]


class ReportSerializer(TrackerModelSerializer):
    source = source_field()
    wire_source = source_field(required=False, allow_null=True)
    cluster = serializers.SerializerMethodField(
        help_text="Ids of every report in this report's cluster of near-copies (the original first), or [] when it has none."
    )

    class Meta:
        model = Report
        fields = [
            "id", "source", "wire_source", "url", "title", "author", "published_at", "language", "summary", "body",
            "syndicated_from", "syndication_score", "syndication_shared_sentences", "syndication_decision", "cluster",
            *AUDIT_FIELDS,
        ]  # fmt: skip
        read_only_fields = ["syndicated_from", "syndication_score", "syndication_shared_sentences"]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_cluster(self, report) -> list[int]:
        # Prefetched by the viewset: the root's copies (root = the original, or this report).
        root = report.syndicated_from or report
        copies = sorted(c.pk for c in root.syndicated_copies.all())
        return [root.pk, *copies] if copies else []
