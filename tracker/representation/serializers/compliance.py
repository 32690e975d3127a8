"""The compliance summary (documentation of the response; the selector builds the data)."""

from rest_framework import serializers

from tracker.representation.serializers.base import PartyBriefSerializer
from tracker.representation.serializers.incidents import CeasefireBriefSerializer

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
    verdicts_pending_since = serializers.DateTimeField(
        allow_null=True,
        help_text="While the ceasefire's verdicts are being recomputed after a change: since when (the figures "
        "rest on the verdicts before it); null when they are current.",
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
