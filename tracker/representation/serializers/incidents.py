"""Incidents, their citations, verdicts (assessments) and possible duplicates."""

from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from tracker.choices import Attribution, ClaimantBasis, CommitmentBasis, Confidence, Stance, Verdict
from tracker.domain.provenance import consensus
from tracker.models import (
    Assessment,
    Ceasefire,
    Citation,
    Incident,
    IncidentProvenance,
    VerdictRules,
)
from tracker.representation.fields import OffsetDateTimeField
from tracker.representation.links import hide_unseen_links
from tracker.representation.serializers.base import (
    AUDIT_FIELDS,
    PartyBriefSerializer,
    RejectUnknownFieldsMixin,
    TrackerModelSerializer,
    party_field,
    place_field,
    source_field,
)
from tracker.services.provenance import claim_of

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


def reader_of(context: dict):
    """Whom a representation is for: the request's user, or `reader` (a subscription's owner);
    None — the public — when neither is given."""
    request = context.get("request")
    return request.user if request is not None else context.get("reader")


class IncidentLinkField(serializers.PrimaryKeyRelatedField):
    """Another incident's id, as the reader may see it: a writer may link only an incident they
    may see (another is "does not exist", as it is to them), and a reader is shown null for
    one they may not (tracker/representation/links.py; the serializer checks, in one query
    for a list of incidents)."""

    def get_queryset(self):
        return Incident.objects.visible_to(reader_of(self.context))


class IncidentListSerializer(serializers.ListSerializer):
    """Incidents serialized together: their links checked against the reader in one query."""

    def to_representation(self, data):
        return hide_unseen_links(super().to_representation(data), reader_of(self.context))


class IncidentSerializer(TrackerModelSerializer):
    place = place_field()
    perpetrator = party_field(required=False, allow_null=True)
    target_party = party_field(
        required=False, allow_null=True, help_text="The party attacked, when it is one (civilians are described, not a party)."
    )
    responds_to = IncidentLinkField(
        queryset=Incident.objects.all(),  # the schema's; a request's is the reader's (get_queryset)
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
        list_serializer_class = IncidentListSerializer

    _provenance = staticmethod(_provenance)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not isinstance(self.parent, IncidentListSerializer):  # a list checks its links together
            hide_unseen_links([data], reader_of(self.context))
        return data

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


class ClaimantSerializer(serializers.Serializer):
    """The source a claim is attributed to, and the side it speaks for, if any."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    party_affiliated = serializers.BooleanField()
    affiliated_party = serializers.IntegerField(source="affiliated_party_id", allow_null=True)


class ClaimSerializer(serializers.Serializer):
    """One citation, side by side with the others: who claims what."""

    citation = serializers.IntegerField(source="citation_id")
    report = serializers.IntegerField(source="report_id")
    original_report = serializers.IntegerField(
        source="original_report_id", allow_null=True, help_text="The original its report is a syndicated copy of."
    )
    claimant = ClaimantSerializer()
    basis = serializers.ChoiceField(choices=ClaimantBasis.choices, help_text="Why this source is the claimant.")
    named_perpetrator = serializers.IntegerField(source="named_perpetrator_id", allow_null=True)
    stance = serializers.ChoiceField(choices=Stance.choices)
    figures = serializers.SerializerMethodField(help_text="The figures this claim gives (figures it gives none of are left out).")

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
