"""Serializers: the API's field contract. They validate input; writes happen in services."""

from django.db import models
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers
from rest_framework.validators import UniqueValidator

from tracker.api.fields import BriefRelatedField, OffsetDateTimeField
from tracker.choices import Attribution, ClaimantBasis, CommitmentBasis, Confidence, IncidentKind, Stance, Verdict
from tracker.countries import ISO_3166_ALPHA2
from tracker.domain.provenance import consensus
from tracker.history import Channel
from tracker.models import (
    Assessment,
    Ceasefire,
    CeasefireParty,
    CeasefireStatus,
    Citation,
    Declaration,
    Incident,
    IncidentProvenance,
    Party,
    Place,
    PlaceName,
    Report,
    Source,
    VerdictRules,
)
from tracker.selectors.history import HISTORY_TYPES
from tracker.services.provenance import claim_of

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
            "monitoring", "timezone", "supersedes", "parties", "lifecycle", "declarations", *AUDIT_FIELDS,
        ]  # fmt: skip

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


# Incidents and citations.

CASUALTY_FIELDS = [
    "killed_low", "killed_high", "civilians_killed_low", "civilians_killed_high",
    "children_killed_low", "children_killed_high", "injured_low", "injured_high",
]  # fmt: skip


class CeasefireBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Ceasefire
        fields = ["id", "name"]


class OverrideSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=Verdict.choices, source="override_verdict")
    reason = serializers.CharField(source="override_reason")
    by = serializers.CharField(source="override_by.username", allow_null=True, default=None)
    at = serializers.DateTimeField(source="override_at")
    stale = serializers.BooleanField(
        source="override_stale", help_text="The computed verdict changed after the override was set."
    )


class CommitmentSerializer(serializers.Serializer):
    """The commitment an incident was measured against (tracker.domain.commitments)."""

    party = PartyBriefSerializer(
        source="bound_as",
        allow_null=True,
        help_text="The bound party whose commitment the perpetrator was held to (itself or a unit above it); "
        "null when the perpetrator is unknown or not bound (the agreed interval applies).",
    )
    starts_at = serializers.DateTimeField(source="commitment_start", allow_null=True)
    basis = serializers.ChoiceField(
        source="commitment_basis",
        choices=CommitmentBasis.choices,
        help_text="role: curated on the party's role; declaration: the committing party's declared start; "
        "agreed: the ceasefire's agreed start.",
    )


class VerdictRulesSerializer(serializers.ModelSerializer):
    """The rules' version and parameters a verdict was computed under (docs/VERDICTS.md)."""

    class Meta:
        model = VerdictRules
        fields = ["version", "parameters"]


class AssessmentBriefSerializer(serializers.ModelSerializer):
    """An incident's verdict against one ceasefire, nested in the incident."""

    ceasefire = CeasefireBriefSerializer(read_only=True)
    commitment = CommitmentSerializer(source="*", read_only=True)
    rules = VerdictRulesSerializer(read_only=True, allow_null=True)
    override = serializers.SerializerMethodField()
    effective_verdict = serializers.ChoiceField(
        choices=Verdict.choices, read_only=True, help_text="The override's verdict if any, else the computed one."
    )

    class Meta:
        model = Assessment
        fields = [
            "id",
            "ceasefire",
            "verdict",
            "reasons",
            "time_overlap",
            "place_overlap",
            "commitment",
            "rules",
            "override",
            "effective_verdict",
            "computed_at",
        ]

    @extend_schema_field(OverrideSerializer(allow_null=True))
    def get_override(self, obj):
        return OverrideSerializer(obj).data if obj.override_verdict else None


def _provenance(incident: Incident) -> IncidentProvenance:
    # Selected with the incident; an incident loaded in bulk before its first grading has none yet.
    try:
        return incident.provenance
    except IncidentProvenance.DoesNotExist:
        return IncidentProvenance(incident=incident)


class CertaintySerializer(serializers.Serializer):
    """How certain the incident behind a verdict is (filter the assessments by the same names)."""

    attribution = serializers.ChoiceField(source="incident.attribution", choices=Attribution.choices)
    confidence = serializers.ChoiceField(
        source="incident.confidence", choices=Confidence.choices, help_text="The curator's grade of the incident."
    )
    suggested_confidence = serializers.SerializerMethodField(help_text="The grade the incident's claims suggest.")
    independent_claimants = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=Confidence.choices))
    def get_suggested_confidence(self, obj) -> str:
        return _provenance(obj.incident).suggested_confidence

    def get_independent_claimants(self, obj) -> int:
        return _provenance(obj.incident).independent_claimants


class AssessmentSerializer(RejectUnknownFieldsMixin, AssessmentBriefSerializer):
    """An assessment with its incident; reviewers write `override_verdict` + `override_reason`
    (an empty verdict clears the override)."""

    incident = serializers.PrimaryKeyRelatedField(read_only=True)
    certainty = CertaintySerializer(
        source="*", read_only=True, help_text="A violation resting on one alleged claim is not a confirmed one."
    )
    override_verdict = serializers.ChoiceField(choices=[("", "(none)"), *Verdict.choices], write_only=True, allow_blank=True)
    override_reason = serializers.CharField(write_only=True, allow_blank=True, required=False, max_length=2000)

    class Meta(AssessmentBriefSerializer.Meta):
        fields = [
            "id",
            "incident",
            *AssessmentBriefSerializer.Meta.fields[1:],
            "certainty",
            "override_verdict",
            "override_reason",
            "version",
        ]
        read_only_fields = ["verdict", "reasons", "time_overlap", "place_overlap", "computed_at", "version"]


class IncidentSerializer(TrackerModelSerializer):
    place = place_field()
    perpetrator = party_field(required=False, allow_null=True)
    target_party = party_field(
        required=False, allow_null=True, help_text="The party attacked, when it is one (civilians are described, not a party)."
    )
    responds_to = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.all(),
        required=False,
        allow_null=True,
        help_text="Id of the incident this act answered, when the sources say so.",
    )
    origin_place = place_field(
        required=False, allow_null=True, help_text="Where the fire came from, when not where it landed (rockets, artillery)."
    )
    confidence = serializers.ChoiceField(
        choices=Confidence.choices,
        required=False,
        help_text="The curator's grade (see `suggested_confidence` for the tracker's).",
    )
    suggested_confidence = serializers.SerializerMethodField(
        help_text="The grade the claims suggest: confirmed (the responsible party concedes it), fair (two or more "
        "independent non-party claimants), weak (one), contested (different perpetrators named, or denied); "
        "unassessed without citations."
    )
    suggested_confidence_reason = serializers.SerializerMethodField(help_text="Why the tracker suggests that grade.")
    independent_claimants = serializers.SerializerMethodField(
        help_text="Distinct original claimants behind the citations (syndicated copies collapsed to their original)."
    )
    contested = serializers.SerializerMethodField(help_text="Claimants name different perpetrators, or a claim denies it.")
    citation_ids = serializers.SerializerMethodField(help_text="Ids of the citations reporting this incident.")
    report_ids = serializers.SerializerMethodField(help_text="Ids of the reports that cite it.")
    assessments = AssessmentBriefSerializer(
        many=True, read_only=True, help_text="Verdicts against each ceasefire that could concern it."
    )

    class Meta:
        model = Incident
        fields = [
            "id", "title", "kind", "description", "occurred_at", "occurred_until", "time_precision", "place",
            "latitude", "longitude", "geo_precision", "origin_place", "origin_latitude", "origin_longitude",
            "origin_geo_precision", "perpetrator", "attribution", "target_description", "target_party", "initiator",
            "responds_to", *CASUALTY_FIELDS, "status", "confidence", "suggested_confidence", "suggested_confidence_reason",
            "independent_claimants", "contested", "external_source", "external_id", "import_flags", "citation_ids",
            "report_ids", "assessments", *AUDIT_FIELDS,
        ]  # fmt: skip

    _provenance = staticmethod(_provenance)

    @extend_schema_field(serializers.ChoiceField(choices=Confidence.choices))
    def get_suggested_confidence(self, obj) -> str:
        return self._provenance(obj).suggested_confidence

    def get_suggested_confidence_reason(self, obj) -> str:
        return self._provenance(obj).reason

    def get_independent_claimants(self, obj) -> int:
        return self._provenance(obj).independent_claimants

    def get_contested(self, obj) -> bool:
        return self._provenance(obj).contested

    # The viewset prefetches citations (id, report_id only), so these cost no query per row.
    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_citation_ids(self, obj) -> list[int]:
        return [c.id for c in obj.citations.all()]

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_report_ids(self, obj) -> list[int]:
        return sorted({c.report_id for c in obj.citations.all()})


class FigureRangeSerializer(serializers.Serializer):
    low = serializers.IntegerField(allow_null=True)
    high = serializers.IntegerField(allow_null=True)


class ClaimSerializer(serializers.Serializer):
    """One citation, side by side with the others: who claims what."""

    citation = serializers.IntegerField(source="citation_id")
    report = serializers.IntegerField(source="report_id")
    original_report = serializers.IntegerField(
        source="original_report_id", allow_null=True, help_text="The original its report is a syndicated copy of."
    )
    claimant = serializers.SerializerMethodField()
    basis = serializers.ChoiceField(choices=ClaimantBasis.choices, help_text="Why this source is the claimant.")
    named_perpetrator = serializers.IntegerField(source="named_perpetrator_id", allow_null=True)
    stance = serializers.ChoiceField(choices=Stance.choices)
    figures = serializers.SerializerMethodField(help_text="The figures this claim gives (figures it gives none of are left out).")

    @extend_schema_field(
        inline_serializer(
            "Claimant",
            {
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "party_affiliated": serializers.BooleanField(),
                "affiliated_party": serializers.IntegerField(allow_null=True),
            },
        )
    )
    def get_claimant(self, claim) -> dict:
        c = claim.claimant
        return {"id": c.id, "name": c.name, "party_affiliated": c.party_affiliated, "affiliated_party": c.affiliated_party_id}

    @extend_schema_field(serializers.DictField(child=FigureRangeSerializer()))
    def get_figures(self, claim) -> dict:
        return {f: {"low": lo, "high": hi} for f, (lo, hi) in claim.figures.items() if (lo, hi) != (None, None)}


class ConsensusRangeSerializer(serializers.Serializer):
    low = serializers.IntegerField(allow_null=True, help_text="The lowest low any claim gives.")
    low_claims = serializers.ListField(child=serializers.IntegerField(), help_text="Citations giving the lowest low.")
    high = serializers.IntegerField(help_text="The highest figure any claim gives.")
    high_claims = serializers.ListField(child=serializers.IntegerField(), help_text="Citations giving the highest.")
    open_ended = serializers.BooleanField(help_text="The highest figure is an 'at least'.")


class IncidentDetailSerializer(IncidentSerializer):
    """An incident with its claims side by side and the consensus range of each figure."""

    claims = serializers.SerializerMethodField(help_text="Each citation's claimant, named perpetrator, figures and stance.")
    consensus = serializers.SerializerMethodField(
        help_text="Per figure (killed, civilians_killed, children_killed, injured): the lowest low and highest high "
        "the claims give, and which claims give them."
    )

    class Meta(IncidentSerializer.Meta):
        fields = [*IncidentSerializer.Meta.fields[: -len(AUDIT_FIELDS)], "claims", "consensus", *AUDIT_FIELDS]

    def _claims(self, obj) -> list:
        # The viewset prefetches citations with what claimant_of needs.
        if not hasattr(obj, "_claims"):
            obj._claims = [claim_of(c) for c in obj.citations.all()]
        return obj._claims

    @extend_schema_field(ClaimSerializer(many=True))
    def get_claims(self, obj) -> list:
        return ClaimSerializer(self._claims(obj), many=True).data

    @extend_schema_field(serializers.DictField(child=ConsensusRangeSerializer()))
    def get_consensus(self, obj) -> dict:
        return {figure: ConsensusRangeSerializer(r).data for figure, r in consensus(self._claims(obj)).items()}


class DuplicateSerializer(serializers.Serializer):
    """A possible duplicate of an incident."""

    incident = serializers.SerializerMethodField()
    distance_km = serializers.FloatField(allow_null=True, help_text="Between the two locations; null: the same place, no point.")
    overlap_start = OffsetDateTimeField(help_text="Where the two time windows overlap.")
    overlap_end = OffsetDateTimeField()

    @extend_schema_field(
        inline_serializer(
            "DuplicateIncident",
            {
                "id": serializers.IntegerField(),
                "title": serializers.CharField(),
                "kind": serializers.CharField(),
                "occurred_at": OffsetDateTimeField(),
                "place": serializers.IntegerField(),
                "status": serializers.CharField(),
            },
        )
    )
    def get_incident(self, duplicate) -> dict:
        i = duplicate.incident
        return {
            "id": i.pk,
            "title": i.title,
            "kind": i.kind,
            "occurred_at": OffsetDateTimeField().to_representation(i.occurred_at),
            "place": i.place_id,
            "status": i.status,
        }


class MergeSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    into = serializers.PrimaryKeyRelatedField(
        queryset=Incident.objects.all(), help_text="The incident to keep; this one's citations move there."
    )
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, help_text="Recorded in both histories.")


class CitationSerializer(TrackerModelSerializer):
    claimant = source_field(
        required=False, allow_null=True, help_text="Who the report attributes the claim to; null: the report's own source."
    )
    named_perpetrator = party_field(required=False, allow_null=True)

    class Meta:
        model = Citation
        fields = [
            "id", "incident", "report", "claimant", "named_perpetrator", *CASUALTY_FIELDS, "quote", "stance", "notes",
            *AUDIT_FIELDS,
        ]  # fmt: skip


# Compliance (documentation of the response; the selector builds the data).


WEIGHTED = "Weighted by the share of each incident's time window on the day or side (4 decimals)."


class VerdictCountsSerializer(serializers.Serializer):
    violation = serializers.FloatField()
    possible = serializers.FloatField()
    not_violation = serializers.FloatField()


class ComplianceDaySerializer(serializers.Serializer):
    date = serializers.DateField(help_text="Local date in the ceasefire's time zone.")
    day = serializers.IntegerField(help_text="Days from the start's local date (0 = the start's day).")
    total = serializers.FloatField(help_text=WEIGHTED)
    by_verdict = VerdictCountsSerializer()
    by_kind = serializers.DictField(
        child=serializers.FloatField(), help_text="Weighted counts by incident kind (kinds with none omitted)."
    )


class DeathsSerializer(serializers.Serializer):
    low = serializers.FloatField(help_text="Sum of the incidents' lowest killed figures, weighted.")
    high = serializers.FloatField(help_text="Sum of their highest figures (an open-ended figure at its low), weighted.")
    incidents_with_figures = serializers.FloatField(help_text="Weighted count of the incidents that give a figure.")


class DeathsBySideSerializer(serializers.Serializer):
    before = DeathsSerializer()
    after = DeathsSerializer()


class ComplianceTotalsSerializer(serializers.Serializer):
    before = serializers.FloatField(help_text=WEIGHTED)
    after = serializers.FloatField(help_text=WEIGHTED)
    by_verdict = VerdictCountsSerializer()
    deaths = DeathsBySideSerializer()


class ExposureSerializer(serializers.Serializer):
    before = serializers.FloatField(help_text="Days from the series' first local midnight to the start.")
    after = serializers.FloatField(help_text="Days from the start to the series' last local midnight.")


class CompliancePerpetratorSerializer(serializers.Serializer):
    party = PartyBriefSerializer(allow_null=True)
    before = serializers.FloatField(help_text=WEIGHTED)
    after = serializers.FloatField(help_text=WEIGHTED)
    by_verdict = VerdictCountsSerializer()


class ComplianceSerializer(serializers.Serializer):
    ceasefire = CeasefireBriefSerializer()
    basis = serializers.CharField(help_text="curated, or declaration:<id>.")
    basis_party = PartyBriefSerializer(allow_null=True)
    starts_at = serializers.DateTimeField()
    timezone = serializers.CharField()
    days = serializers.IntegerField()
    stops_at = serializers.DateTimeField(
        allow_null=True,
        help_text="Where the ceasefire's lifecycle ended it (collapsed, replaced, expired) inside the series: "
        "the series, the counts and the exposure stop there. Null: the whole series.",
    )
    series = ComplianceDaySerializer(many=True)
    totals = ComplianceTotalsSerializer()
    exposure_days = ExposureSerializer(help_text="The time each side of the start covers; the rates divide by it.")
    daily_rate_before = serializers.FloatField(help_text="Weighted incidents before the start per day of exposure.")
    daily_rate_after = serializers.FloatField(help_text="Weighted incidents after the start per day of exposure.")
    rate_ratio = serializers.FloatField(allow_null=True, help_text="after / before; null when nothing happened before.")
    by_perpetrator = CompliancePerpetratorSerializer(many=True)


class ComplianceQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365, default=14, help_text="Days before and after the start.")
    basis = serializers.CharField(
        default="curated", max_length=40, help_text="curated, or declaration:<id> to centre on a party's declared start."
    )


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


class PlaceCandidateSerializer(serializers.Serializer):
    place = serializers.SerializerMethodField()
    score = serializers.FloatField(help_text="1: the same name; 0.9-0.99: another transliteration of it; below 0.9: similar.")
    matched_name = serializers.CharField(help_text="The place's name or alternate name that matched.")
    match = serializers.ChoiceField(choices=["exact", "transliteration", "similar"])

    @extend_schema_field(
        inline_serializer(
            "ResolvedPlace",
            {
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "kind": serializers.CharField(),
                "country_code": serializers.CharField(),
                "parent": serializers.IntegerField(allow_null=True),
            },
        )
    )
    def get_place(self, candidate) -> dict:
        p = candidate.place
        return {"id": p.pk, "name": p.name, "kind": p.kind, "country_code": p.country_code, "parent": p.parent_id}


class ResolveSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The name asked for.")
    key = serializers.CharField(help_text="Its transliteration key (see README: places whatever their spelling).")
    results = PlaceCandidateSerializer(many=True, help_text="Best first; one per place.")


# History.


class ChangeSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field's name as the API writes it (related records by id).")
    old = serializers.JSONField(allow_null=True, help_text="Its value before (null when the record was created).")
    new = serializers.JSONField(allow_null=True, help_text="Its value after.")


class HistoryUserSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class HistoryEntrySerializer(serializers.Serializer):
    """One change of a record: who made it, when, through which channel, why, and what it changed."""

    id = serializers.IntegerField(source="history_id")
    at = serializers.DateTimeField(source="history_date")
    type = serializers.SerializerMethodField(help_text="created, changed or deleted (purged).")
    version = serializers.IntegerField(allow_null=True, help_text="The record's version after this change.")
    user = HistoryUserSerializer(source="history_user", allow_null=True)
    channel = serializers.ChoiceField(source="history_channel", choices=Channel.choices)
    reason = serializers.CharField(source="history_change_reason", allow_null=True)
    changes = ChangeSerializer(many=True)

    @extend_schema_field(serializers.ChoiceField(choices=["created", "changed", "deleted"]))
    def get_type(self, entry) -> str:
        return HISTORY_TYPES[entry.history_type]


class RemovedQuerySerializer(serializers.Serializer):
    since = OffsetDateTimeField(help_text="Removals at or after this instant (ISO 8601 with offset).")
    cursor = serializers.CharField(required=False, help_text="The `next` link's cursor.")
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=1000, default=100)


class RemovalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField(help_text="When it was deleted, merged, purged or withdrawn.")
    reason = serializers.ChoiceField(
        choices=["deleted", "merged", "purged", "withdrawn"],
        help_text="withdrawn: taken out of publication (unpublished or rejected); listed only for readers who "
        "cannot see unpublished incidents, for whom it is gone.",
    )
    merged_into = serializers.IntegerField(allow_null=True, help_text="The incident kept, for a merged duplicate.")


class RemovalPageSerializer(serializers.Serializer):
    next = serializers.URLField(allow_null=True)
    results = RemovalSerializer(many=True)


class BulkItemResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in the request (from 0).")
    status = serializers.ChoiceField(choices=["created", "updated", "unchanged", "error"])
    id = serializers.IntegerField(allow_null=True, help_text="The incident's id (null for an item that matched none).")
    errors = serializers.DictField(allow_null=True, help_text="Field errors of an item in error, else null.")


class BulkCountsSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    error = serializers.IntegerField()


class BulkResultSerializer(serializers.Serializer):
    results = BulkItemResultSerializer(many=True)
    counts = BulkCountsSerializer()
