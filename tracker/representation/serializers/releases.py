"""A release as its readers and citers see it."""

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracker.models import Release
from tracker.representation.releases import suggested_citation


def release_links(request, release: Release) -> dict[str, str]:
    """Where a release and its records are served: plain addresses, for citing (DRF's `reverse`
    would carry the request's `?format=` along)."""

    def url(name: str) -> str:
        return request.build_absolute_uri(reverse(f"tracker-api:{name}", kwargs={"release": release.name}))

    def own(name: str) -> str:
        return request.build_absolute_uri(reverse(f"tracker-api:{name}", kwargs={"name": release.name}))

    return {
        "self": own("release-detail"),
        "citation_cff": own("release-citation"),
        "incidents": url("release-incident-list"),
        "export": url("release-incident-export"),
        "aggregate": url("release-incident-aggregate"),
        "ceasefires": url("release-ceasefire-list"),
    }


class ReleaseRulesSerializer(serializers.Serializer):
    version = serializers.CharField(source="rules_version")
    parameters = serializers.DictField(source="rules_parameters")


class ReleaseSerializer(serializers.ModelSerializer):
    """A release: what it is, as of when, under which verdict rules, what it holds, the checksum of
    its incidents export, a suggested citation, and where its records are."""

    rules = ReleaseRulesSerializer(source="*", read_only=True)
    counts = serializers.DictField(
        read_only=True, help_text="Records per kind; per ceasefire, incidents per verdict; verdicts per rules version."
    )
    checksum = serializers.CharField(read_only=True, help_text="SHA-256 of the incidents export (links.export).")
    citation = serializers.SerializerMethodField(help_text="A suggested citation.")
    links = serializers.SerializerMethodField()

    class Meta:
        model = Release
        fields = ["name", "title", "instant", "rules", "counts", "checksum", "citation", "links"]
        read_only_fields = fields

    def get_citation(self, release: Release) -> str:
        return suggested_citation(release, release_links(self.context["request"], release)["self"])

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_links(self, release: Release) -> dict[str, str]:
        return release_links(self.context["request"], release)
