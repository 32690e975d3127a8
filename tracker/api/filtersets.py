"""FilterSets: every query parameter each list endpoint accepts, validated strictly.

Conventions: an id filter must name an existing row; hierarchical filters (`place`,
`perpetrator`, `party`) include everything below the given row; instants are ISO 8601 dates
(midnight UTC) or datetimes with an offset; `q` is case-insensitive free text.
"""

import django_filters
from django import forms
from django.db.models import Q
from django.db.models.functions import Coalesce

from tracker.api.filter_fields import (
    BBoxFilter,
    BoundedNumberFilter,
    ChoicesFilter,
    CountryFilter,
    InstantFilter,
    IntegerFilter,
    PointFilter,
    StableOrderingFilter,
    StrictBooleanFilter,
    existing,
    free_text,
    one_of,
    ordering_by,
)
from tracker.api.filterset_base import TrackerFilterSet, declared_only
from tracker.choices import (
    Attribution,
    Confidence,
    DeliveryState,
    IncidentKind,
    IncidentStatus,
    Initiator,
    PartyKind,
    PlaceKind,
    SourceKind,
    Verdict,
)
from tracker.domain.geo import bbox_around
from tracker.domain.names import normalize_name
from tracker.domain.webhooks import EVENT_TYPES
from tracker.models import (
    Assessment,
    Ceasefire,
    Citation,
    Delivery,
    Incident,
    Party,
    Place,
    PlaceName,
    Report,
    Source,
    Subscription,
)
from tracker.models.assessments import effective_verdict_in
from tracker.models.hierarchy import subtree_id_list, subtree_ids, subtree_of
from tracker.selectors.distances import haversine_expression
from tracker.selectors.places import MIN_SKELETON
from tracker.selectors.places import keys as place_keys
from tracker.selectors.provenance import graded_by_curator


def suggested_confidence_in(grades, prefix: str = "") -> Q:
    """Incidents (through `prefix`) whose suggested grade is in `grades`; one not graded yet
    (bulk-loaded, no provenance row) counts as unassessed."""
    graded = Q(**{f"{prefix}provenance__suggested_confidence__in": grades})
    if Confidence.UNASSESSED in grades:
        return graded | Q(**{f"{prefix}provenance__isnull": True})
    return graded


def _names_matching(q: str) -> Q:
    """Places whose name or an alternate name contains `q` (case, accents and marks ignored)."""
    key = normalize_name(q)
    return (
        Q(name__icontains=q)
        | Q(name_key__contains=key)
        | Q(pk__in=PlaceName.objects.filter(Q(name__icontains=q) | Q(name_key__contains=key)).values("place_id"))
    )


def _place_name_roots(value: str):
    """Subquery: places with this name or alternate name, under any transliteration (the
    resolver's key matches, tracker.selectors.places), and the places below them."""
    key, skeleton = place_keys(value)
    table, names = Place._meta.db_table, PlaceName._meta.db_table
    if len(skeleton) < MIN_SKELETON:
        match, params = "name_key = %s", [key]
    else:
        match, params = "(name_key = %s OR name_skeleton = %s)", [key, skeleton]
    return subtree_ids(
        Place,
        f"SELECT id FROM {table} WHERE {match} OR id IN (SELECT place_id FROM {names} WHERE {match})",  # nosec B608
        params * 2,
    )


class IncidentFilterForm(forms.Form):
    """Cross-parameter rules: `near` and `radius_km` come together."""

    def clean(self):
        data = super().clean()
        near, radius = data.get("near"), data.get("radius_km")
        if near is not None and radius is None and "radius_km" not in self.errors:
            self.add_error("radius_km", "radius_km is required with near.")
        if radius is not None and near is None and "near" not in self.errors:
            self.add_error("near", "near=lat,lon is required with radius_km.")
        return data


def certainty_filters(path: str) -> type[TrackerFilterSet]:
    """The filters by how certain an incident is — how firmly its perpetrator is attributed, the
    curator's grade, the grade its claims suggest — for the incident list (`path=""`) and for
    lists of what hangs off an incident (`path="incident__"`)."""

    class CertaintyFilterSet(TrackerFilterSet):
        attribution = one_of(Attribution, f"{path}attribution", "How firmly the incident's perpetrator is attributed.")
        confidence = one_of(Confidence, f"{path}confidence", "The curator's grade of the incident.")
        suggested_confidence = one_of(
            Confidence,
            f"{path}provenance__suggested_confidence",
            "The grade the tracker suggests from the incident's claims.",
            method="filter_suggested_confidence",
        )

        def filter_suggested_confidence(self, qs, name, value):
            return qs.filter(suggested_confidence_in(value, path)) if value else qs

    return CertaintyFilterSet


class IncidentFilterSet(certainty_filters("")):
    kind = one_of(IncidentKind, "kind", "For example kind=airstrike&kind=artillery_shelling.")
    status = one_of(IncidentStatus, "status")
    occurred_after = InstantFilter(
        field_name="occurred_at", lookup_expr="gte", help_text="Occurred at or after this instant (date = 00:00 UTC)."
    )
    occurred_before = InstantFilter(
        field_name="occurred_at", lookup_expr="lt", help_text="Occurred before this instant (date = 00:00 UTC)."
    )
    place = existing(Place, method="filter_place", help_text="Place id; includes places below it in the hierarchy.")
    place_name = django_filters.CharFilter(
        field_name="place",
        method="filter_place_name",
        max_length=200,
        help_text="Any name or alternate name of a place, in any transliteration (Maaret al-Numan, Ma'arrat an-Nu'man); "
        "includes places below it.",
    )
    country = CountryFilter(
        field_name="place__country_code", lookup_expr="exact", help_text="ISO 3166-1 alpha-2 code of the place's country."
    )
    perpetrator = existing(Party, method="filter_perpetrator", help_text="Party id; includes its sub-units.")
    target_party = existing(Party, method="filter_target_party", help_text="Party id of the target; includes its sub-units.")
    initiator = one_of(
        Initiator, "initiator", "Who opened fire: perpetrator, target (the act is a response) or unknown (an exchange)."
    )
    source = existing(
        Source, method="filter_source", help_text="Source id: incidents cited by its reports or attributed to it as claimant."
    )
    report = existing(Report, method="filter_report", help_text="Report id: incidents it cites.")
    fatalities_min = django_filters.NumberFilter(
        field_name="killed_low", lookup_expr="gte", min_value=0, help_text="At least this many killed (lowest reported figure)."
    )
    bbox = BBoxFilter(
        field_name="latitude",
        method="filter_bbox",
        help_text="min_lon,min_lat,max_lon,max_lat; the exact point, or the place's point.",
    )
    near = PointFilter(field_name="latitude", method="filter_near", help_text="lat,lon; with radius_km.")
    radius_km = BoundedNumberFilter(
        field_name="latitude", method="filter_noop", min_value=0, max_value=20000, help_text="Radius in km around `near`."
    )
    q = free_text("title", "Free text in title, description and place names.")
    ceasefire = existing(
        Ceasefire,
        method="filter_ceasefire",
        help_text="Ceasefire id: incidents assessed against it (with `verdict`: with that verdict against it).",
    )
    verdict = one_of(
        Verdict,
        "assessments__verdict",
        "Effective verdict (override, else computed); against `ceasefire` if given, else any.",
        method="filter_verdict",
    )
    confidence_disagrees = StrictBooleanFilter(
        method="filter_confidence_disagrees",
        help_text="true: the curator's grade differs from the suggested one (ungraded incidents excluded); false: they agree.",
    )
    independent_sources_min = IntegerFilter(
        field_name="provenance__independent_claimants",
        lookup_expr="gte",
        min_value=0,
        max_value=32767,
        help_text="At least this many independent claimants (syndicated copies count once).",
    )
    contested = StrictBooleanFilter(
        method="filter_contested",
        help_text="true: claimants name different perpetrators or a claim denies it; false: not contested.",
    )
    ordering = StableOrderingFilter(
        fields=(
            ("occurred_at", "occurred_at"),
            ("killed_low", "fatalities"),
            ("updated_at", "updated_at"),
            ("created_at", "created_at"),
            ("id", "id"),
        ),
        help_text="Sort key; prefix with - for descending. Default: -occurred_at.",
    )

    Meta = declared_only(Incident, form=IncidentFilterForm)

    def filter_place(self, qs, name, value):
        return qs.filter(place_id__in=subtree_id_list(Place, value.pk))

    def filter_confidence_disagrees(self, qs, name, value):
        if value is None:
            return qs
        return graded_by_curator(qs, agreeing=not value)

    def filter_contested(self, qs, name, value):
        if value is None:
            return qs
        return qs.filter(provenance__contested=True) if value else qs.exclude(provenance__contested=True)

    def filter_place_name(self, qs, name, value):
        return qs.filter(place_id__in=_place_name_roots(value)) if value else qs

    def filter_perpetrator(self, qs, name, value):
        return qs.filter(perpetrator_id__in=subtree_of(Party, value.pk))

    def filter_target_party(self, qs, name, value):
        return qs.filter(target_party_id__in=subtree_of(Party, value.pk))

    def filter_source(self, qs, name, value):
        cited = Citation.objects.filter(Q(report__source=value) | Q(claimant=value)).values("incident_id")
        return qs.filter(pk__in=cited)

    def filter_report(self, qs, name, value):
        return qs.filter(pk__in=Citation.objects.filter(report=value).values("incident_id"))

    @staticmethod
    def _with_point(qs):
        return qs.alias(point_lat=Coalesce("latitude", "place__latitude"), point_lon=Coalesce("longitude", "place__longitude"))

    def filter_bbox(self, qs, name, value):
        min_lon, min_lat, max_lon, max_lat = value
        return self._with_point(qs).filter(
            point_lat__gte=min_lat, point_lat__lte=max_lat, point_lon__gte=min_lon, point_lon__lte=max_lon
        )

    def filter_near(self, qs, name, value):
        lat, lon = value
        radius = float(self.form.cleaned_data["radius_km"])
        min_lon, min_lat, max_lon, max_lat = bbox_around(lat, lon, radius)
        qs = self._with_point(qs).filter(
            point_lat__gte=min_lat, point_lat__lte=max_lat, point_lon__gte=min_lon, point_lon__lte=max_lon
        )
        return qs.alias(distance_km=haversine_expression("point_lat", "point_lon", lat, lon)).filter(distance_km__lte=radius)

    def filter_noop(self, qs, name, value):
        return qs  # applied by filter_near

    def filter_ceasefire(self, qs, name, value):
        if self.form.cleaned_data.get("verdict"):
            return qs  # applied together with the verdict
        return qs.filter(pk__in=Assessment.objects.filter(ceasefire=value).values("incident_id"))

    def filter_verdict(self, qs, name, value):
        if not value:
            return qs
        matching = Assessment.objects.filter(effective_verdict_in(value))
        if self.form.cleaned_data.get("ceasefire") is not None:
            matching = matching.filter(ceasefire=self.form.cleaned_data["ceasefire"])
        return qs.filter(pk__in=matching.values("incident_id"))

    def filter_q(self, qs, name, value):
        if not value:
            return qs
        return qs.filter(
            Q(title__icontains=value)
            | Q(description__icontains=value)
            | Q(place__in=Place.objects.filter(_names_matching(value)))
        )


class CeasefireFilterSet(TrackerFilterSet):
    party = existing(Party, method="filter_party", help_text="Party id: ceasefires it or one of its sub-units has a role in.")
    place = existing(
        Place, method="filter_place", help_text="Place id: ceasefires whose scope or zone is this place, above it or below it."
    )
    active_at = InstantFilter(
        field_name="starts_at", method="filter_active_at", help_text="In force at this instant: starts_at ≤ t < ends_at."
    )
    q = free_text("name", "Free text in name, terms and monitoring.")
    ordering = ordering_by("starts_at", "name")

    Meta = declared_only(Ceasefire)

    def filter_party(self, qs, name, value):
        return qs.filter(
            pk__in=Ceasefire.parties.through.objects.filter(party_id__in=subtree_of(Party, value.pk)).values("ceasefire_id")
        )

    def filter_place(self, qs, name, value):
        related = [value.pk, *(a.pk for a in value.ancestors())]
        below = subtree_of(Place, value.pk)
        return qs.filter(Q(scope_id__in=related) | Q(zone_id__in=related) | Q(scope_id__in=below) | Q(zone_id__in=below))

    def filter_active_at(self, qs, name, value):
        return qs.filter(Q(starts_at__lte=value) & (Q(ends_at__isnull=True) | Q(ends_at__gt=value)))

    def filter_q(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(terms__icontains=value) | Q(monitoring__icontains=value)) if value else qs


class ReportFilterSet(TrackerFilterSet):
    source = existing(Source, field_name="source", help_text="Source id.")
    published_after = InstantFilter(field_name="published_at", lookup_expr="gte", help_text="Published at or after this instant.")
    published_before = InstantFilter(field_name="published_at", lookup_expr="lt", help_text="Published before this instant.")
    q = free_text("title", "Free text in title, summary and body.")
    original_only = StrictBooleanFilter(
        method="filter_original_only",
        help_text="true: only reports that are not near-copies of another (one per cluster); false: only copies.",
    )
    ordering = ordering_by("published_at", "title")

    Meta = declared_only(Report)

    def filter_q(self, qs, name, value):
        return qs.filter(Q(title__icontains=value) | Q(summary__icontains=value) | Q(body__icontains=value)) if value else qs

    def filter_original_only(self, qs, name, value):
        return qs if value is None else qs.filter(syndicated_from__isnull=value)


class SourceFilterSet(TrackerFilterSet):
    kind = one_of(SourceKind, "kind")
    q = free_text("name", "Free text in name and description.")
    ordering = ordering_by("name")

    Meta = declared_only(Source)

    def filter_q(self, qs, name, value):
        return qs.filter(Q(name__icontains=value) | Q(description__icontains=value)) if value else qs


class PlaceFilterSet(TrackerFilterSet):
    kind = one_of(PlaceKind, "kind")
    parent = existing(Place, field_name="parent", help_text="Id of the direct parent place.")
    country = CountryFilter(field_name="country_code", lookup_expr="exact", help_text="ISO 3166-1 alpha-2 code.")
    q = free_text("name", "Any name or alternate name, contained (case, accents and apostrophes ignored).")
    ordering = ordering_by("name")

    Meta = declared_only(Place)

    def filter_q(self, qs, name, value):
        return qs.filter(_names_matching(value)) if value else qs


class PartyFilterSet(TrackerFilterSet):
    kind = one_of(PartyKind, "kind")
    parent = existing(Party, field_name="parent", help_text="Id of the direct parent party.")
    q = free_text("name", "Free text in name, short name and aliases.")
    ordering = ordering_by("name")

    Meta = declared_only(Party)

    def filter_q(self, qs, name, value):
        key = normalize_name(value)
        aliases = Party.aliases.rel.related_model.objects.filter(Q(name__icontains=value) | Q(name_key__contains=key)).values(
            "party_id"
        )
        return (
            qs.filter(Q(name__icontains=value) | Q(short_name__icontains=value) | Q(name_key__contains=key) | Q(pk__in=aliases))
            if value
            else qs
        )


class CitationFilterSet(TrackerFilterSet):
    incident = existing(Incident, field_name="incident", help_text="Incident id.")
    report = existing(Report, field_name="report", help_text="Report id.")
    claimant = existing(Source, field_name="claimant", help_text="Id of the source the claim is attributed to.")
    ordering = ordering_by("id")

    Meta = declared_only(Citation)


# How certain the incident behind a verdict is: a violation resting on one alleged claim is not
# a confirmed one.
class AssessmentFilterSet(certainty_filters("incident__")):
    ceasefire = existing(Ceasefire, field_name="ceasefire", help_text="Ceasefire id.")
    incident = existing(Incident, field_name="incident", help_text="Incident id.")
    verdict = one_of(Verdict, "verdict", "Effective verdict (override, else computed).", method="filter_verdict")
    overridden = StrictBooleanFilter(
        field_name="override_verdict", method="filter_overridden", help_text="true: only overridden; false: only not overridden."
    )
    stale = StrictBooleanFilter(
        field_name="override_stale", lookup_expr="exact", help_text="true: overrides whose computed verdict has changed since."
    )
    ordering = StableOrderingFilter(fields=(("computed_at", "computed_at"), ("updated_at", "updated_at"), ("id", "id")))

    Meta = declared_only(Assessment)

    def filter_verdict(self, qs, name, value):
        return qs.filter(effective_verdict_in(value)) if value else qs

    def filter_overridden(self, qs, name, value):
        return qs.exclude(override_verdict="") if value else qs.filter(override_verdict="")


class SubscriptionFilterSet(TrackerFilterSet):
    active = StrictBooleanFilter(field_name="active", lookup_expr="exact", help_text="true: delivering; false: paused.")
    ordering = ordering_by("name", "created_at")

    Meta = declared_only(Subscription)


class DeliveryFilterSet(TrackerFilterSet):
    """A subscription's delivery log (`/subscriptions/{id}/deliveries/`)."""

    updated_since = None  # deliveries have no updated_at: `created_after` instead
    state = one_of(DeliveryState, "state")
    event = ChoicesFilter(field_name="event", choices=[(e, e) for e in EVENT_TYPES], help_text="Repeatable. Event type.")
    incident = IntegerFilter(field_name="incident_id", min_value=1, max_value=2**63 - 1, help_text="Incident id.")
    created_after = InstantFilter(field_name="created_at", lookup_expr="gte", help_text="Created at or after this instant.")

    Meta = declared_only(Delivery)
