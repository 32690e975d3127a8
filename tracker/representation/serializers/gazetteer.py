"""Parties, places and their names; the place resolver's query and answer."""

from rest_framework import serializers

from tracker.countries import ISO_3166_ALPHA2
from tracker.models import (
    Party,
    Place,
    PlaceName,
)
from tracker.representation.serializers.base import AUDIT_FIELDS, NameListField, TrackerModelSerializer, party_field, place_field

# Gazetteer.


class PartySerializer(TrackerModelSerializer):
    parent = party_field(required=False, allow_null=True)
    aliases = NameListField(required=False, help_text="Other names the party goes by in reports.")

    class Meta:
        model = Party
        fields = ["id", "name", "short_name", "kind", "parent", "country_code", "description", "aliases", *AUDIT_FIELDS]


class PlaceNameSerializer(serializers.ModelSerializer):
    class Meta:
        model = PlaceName
        fields = ["name", "language"]


class PlaceSerializer(TrackerModelSerializer):
    parent = place_field(required=False, allow_null=True)
    alternate_names = PlaceNameSerializer(many=True, required=False, help_text="Other names and spellings.")

    class Meta:
        model = Place
        fields = [
            "id", "name", "kind", "parent", "country_code", "latitude", "longitude", "geometry", "timezone",
            "description", "alternate_names", *AUDIT_FIELDS,
        ]  # fmt: skip


class ResolveQuerySerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200, help_text="The name as a report spells it, e.g. Maaret al-Numan.")
    country = serializers.CharField(
        required=False, max_length=2, min_length=2, help_text="ISO 3166-1 alpha-2 code: only places in this country."
    )
    limit = serializers.IntegerField(default=10, min_value=1, max_value=50, help_text="Candidates to return (1-50).")
    similar = serializers.BooleanField(
        default=True, help_text="Also suggest places whose names are only similar (scored below 0.9)."
    )

    def validate_country(self, value: str) -> str:
        code = value.upper()
        if code not in ISO_3166_ALPHA2:
            raise serializers.ValidationError(f"'{value}' is not an ISO 3166-1 alpha-2 country code (e.g. SY).")
        return code


class ResolvedPlaceSerializer(serializers.Serializer):
    """The place a name resolved to, as a candidate lists it."""

    id = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    kind = serializers.CharField()
    country_code = serializers.CharField()
    parent = serializers.IntegerField(source="parent_id", allow_null=True)


class PlaceCandidateSerializer(serializers.Serializer):
    place = ResolvedPlaceSerializer()
    score = serializers.FloatField(help_text="1: the same name; 0.9-0.99: another transliteration of it; below 0.9: similar.")
    matched_name = serializers.CharField(help_text="The place's name or alternate name that matched.")
    match = serializers.ChoiceField(choices=["exact", "transliteration", "similar"])


class ResolveSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The name asked for.")
    key = serializers.CharField(help_text="Its transliteration key (see README: places whatever their spelling).")
    results = PlaceCandidateSerializer(many=True, help_text="Best first; one per place.")
