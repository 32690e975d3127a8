"""The incident aggregates' query parameters and answer (the selector, tracker.selectors.aggregates,
computes them)."""

from rest_framework import serializers

from tracker.selectors.aggregates import GROUPS, METRICS, PLACE_ZONE, SUMS


class CommaListField(serializers.CharField):
    """Names separated by commas (`group_by=month,admin1`); each must be one of `choices`."""

    def __init__(self, *, choices, **kwargs):
        self.names = tuple(choices)
        super().__init__(max_length=500, **kwargs)

    def to_internal_value(self, data):
        text = super().to_internal_value(data)
        names = [name.strip() for name in text.split(",")]
        unknown = [name for name in names if name not in self.names]
        if unknown:
            raise serializers.ValidationError(f"Unknown: {', '.join(unknown)}. Known: {', '.join(self.names)}.")
        if len(set(names)) != len(names):
            raise serializers.ValidationError("Each name may be given once.")
        return tuple(names)


class AggregateQuerySerializer(serializers.Serializer):
    group_by = CommaListField(
        choices=GROUPS,
        help_text="Comma-separated: day, week, month (local dates; see time_zone), country, admin1, admin2 (the "
        "gazetteer's governorate and district), perpetrator, perpetrator_top (the perpetrator's top-level party), "
        "dyad (perpetrator and target party), kind, status, verdict (against `ceasefire`, required with it), h3 "
        "(with h3_resolution).",
    )
    metric = CommaListField(
        choices=METRICS,
        required=False,
        default=("count",),
        help_text="Comma-separated sums besides the count: " + ", ".join(SUMS) + ". Unreported figures are left "
        "out of a sum, not counted as zero.",
    )
    time_zone = serializers.CharField(
        required=False,
        default=PLACE_ZONE,
        max_length=64,
        help_text="For day, week and month: an IANA zone for every incident, or `place` (default): each incident's "
        "local date where it happened.",
    )
    h3_resolution = serializers.IntegerField(
        required=False, min_value=0, max_value=15, help_text="With group_by=h3: the H3 resolution, 0 (coarsest) to 15."
    )


class AggregateSerializer(serializers.Serializer):
    """Documentation of the answer."""

    group_by = serializers.ListField(child=serializers.CharField())
    metrics = serializers.ListField(child=serializers.CharField())
    time_zone = serializers.CharField(allow_null=True, help_text="null when no time grouping was asked for.")
    ceasefire = serializers.IntegerField(allow_null=True, help_text="The ceasefire verdicts are grouped against.")
    h3_resolution = serializers.IntegerField(allow_null=True)
    columns = serializers.ListField(child=serializers.CharField(), help_text="The result rows' keys, in order.")
    count = serializers.IntegerField(help_text="How many groups.")
    totals = serializers.DictField(
        child=serializers.IntegerField(allow_null=True),
        help_text="Each metric over all the filtered incidents (the count equals the list's count).",
    )
    results = serializers.ListField(
        child=serializers.DictField(),
        help_text="One row per group, in the groups' order (null groups last): each group's key (an id, code or ISO "
        "date), its name beside it (`<group>_name`), then the metrics.",
    )
