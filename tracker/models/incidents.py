"""Incidents (what happened, when, where, by whom, to whom) and the citations that report them."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from tracker.choices import (
    Attribution,
    Confidence,
    GeoPrecision,
    IncidentKind,
    IncidentStatus,
    Initiator,
    Stance,
    TimePrecision,
)
from tracker.history import TrackerHistory
from tracker.instants import validate_instant
from tracker.models.base import (
    SoftDeletable,
    TrackedModel,
    check,
    coordinate_checks,
    loose_link,
    not_itself,
    optional_link,
    range_checks,
    text_needs,
    unique,
)
from tracker.models.visibility import VisibleTrashable

CASUALTY_FIELDS = ("killed", "civilians_killed", "children_killed", "injured")


class CasualtyFigures(models.Model):
    """Casualty figures as ranges: `low` is the lowest figure given, `high` the highest; an
    open-ended figure ("at least 17") has a low and no high. Shared by incidents (the curated
    range) and citations (what one report claims)."""

    killed_low = models.IntegerField(null=True, blank=True)
    killed_high = models.IntegerField(null=True, blank=True)
    civilians_killed_low = models.IntegerField(null=True, blank=True)
    civilians_killed_high = models.IntegerField(null=True, blank=True)
    children_killed_low = models.IntegerField(null=True, blank=True)
    children_killed_high = models.IntegerField(null=True, blank=True)
    injured_low = models.IntegerField(null=True, blank=True)
    injured_high = models.IntegerField(null=True, blank=True)

    class Meta:
        abstract = True


def _casualty_checks(prefix: str) -> list[models.CheckConstraint]:
    return [c for name in CASUALTY_FIELDS for c in range_checks(prefix, f"{name}_low", f"{name}_high")]


class Incident(CasualtyFigures, VisibleTrashable, SoftDeletable, TrackedModel):
    """An alleged hostile act.

    When: `occurred_at` (UTC) with `time_precision`; a day is the local day of the place, so
    "Friday" in Idlib is stored as that Friday's 00:00 Asia/Damascus. With precision `interval`,
    [occurred_at, occurred_until) is an explicit window ("on the eve of the ceasefire").
    Where: a `place`, optionally an exact point, and how precise the location is.
    Who: the alleged perpetrator and how firmly it is attributed; to whom: the target party,
    when it is one, and who opened fire (`initiator`). An act in answer to another incident
    links it (`responds_to`).
    From where: for fire across a line (rockets, artillery), the origin — a place and/or a point
    with its precision; the verdicts test the zone on the origin as well as the impact.
    """

    # Its prose: words for readers that no rule, filter (but free text) or order (but
    # `updated_at`) reads. An edit of these alone derives nothing (tracker.services.derived),
    # is saved as an UPDATE of these columns only, and leaves cached incident lists in place
    # (tracker.generation, tracker.api.caching). Listed, not inferred: a field left out is one
    # whose edit reassesses and refreshes every list, the safe default for a field added later.
    PROSE_FIELDS = frozenset({"title", "description", "target_description"})

    title = models.CharField(max_length=300)
    kind = models.CharField(max_length=32, choices=IncidentKind.choices, db_index=True)
    description = models.TextField(blank=True)
    occurred_at = models.DateTimeField(validators=[validate_instant], help_text="Instant (UTC) or start of the window.")
    occurred_until = models.DateTimeField(
        validators=[validate_instant], null=True, blank=True, help_text="End of an explicit window (precision 'interval')."
    )
    time_precision = models.CharField(max_length=16, choices=TimePrecision.choices, default=TimePrecision.DAY)
    place = models.ForeignKey("tracker.Place", on_delete=models.PROTECT, related_name="incidents")
    latitude = models.FloatField(null=True, blank=True, help_text="Exact point, when known.")
    longitude = models.FloatField(null=True, blank=True, help_text="Exact point, when known.")
    geo_precision = models.CharField(max_length=16, choices=GeoPrecision.choices, default=GeoPrecision.TOWN)
    perpetrator = optional_link("tracker.Party", related_name="incidents")
    attribution = models.CharField(max_length=16, choices=Attribution.choices, default=Attribution.UNKNOWN)
    target_description = models.CharField(max_length=500, blank=True)
    target_party = optional_link(
        "tracker.Party",
        related_name="incidents_targeting",
        help_text="The party attacked, when it is one (ACLED actor2, UCDP side_b); civilians are described, not a party.",
    )
    initiator = models.CharField(
        max_length=16,
        choices=Initiator.choices,
        default=Initiator.PERPETRATOR,
        help_text="Who opened fire: the perpetrator, the target party (a response) or unknown (a clash).",
    )
    responds_to = loose_link(
        "self",
        related_name="responses",
        help_text="The incident this act answered, when the sources say so.",
    )
    origin_place = optional_link(
        "tracker.Place",
        related_name="incidents_fired_from",
        help_text="Where the fire came from (rockets, artillery), when it is not where it landed.",
    )
    origin_latitude = models.FloatField(null=True, blank=True, help_text="Origin point, when known.")
    origin_longitude = models.FloatField(null=True, blank=True, help_text="Origin point, when known.")
    origin_geo_precision = models.CharField(
        max_length=16,
        choices=GeoPrecision.choices,
        default=GeoPrecision.TOWN,
        help_text="How precisely the origin is known.",
    )
    status = models.CharField(max_length=16, choices=IncidentStatus.choices, default=IncidentStatus.DRAFT, db_index=True)
    confidence = models.CharField(max_length=16, choices=Confidence.choices, default=Confidence.UNASSESSED)
    external_source = models.CharField(
        max_length=64, blank=True, help_text="System this incident was imported from (acled, ucdp, ...)."
    )
    external_id = models.CharField(max_length=128, blank=True, help_text="Its id in that system; unique per external source.")
    merged_into = loose_link(
        "self",
        related_name="merged_incidents",
        editable=False,
        help_text="The incident this duplicate was merged into (its citations moved there; it is in the trash).",
    )
    import_flags = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text="What an import could not take as the dataset gave it, for a curator to check: figures_reordered "
        "(the source's low was above its high), placed_coarser (no place named at the stated precision).",
    )
    withdrawn_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        db_index=True,
        help_text="When a reviewer last took it out of public view (verified or disputed to another status); "
        "public mirrors learn it from the removals feed.",
    )

    history = TrackerHistory()

    class Meta(SoftDeletable.Meta):
        ordering = ["-occurred_at", "-id"]
        permissions = [("review_incident", "Can verify, dispute or reject incidents")]
        indexes = [
            models.Index(fields=["-occurred_at", "-id"], name="incident_occurred_idx"),
            # The lists' commonest filter (a kind in a date window, newest first): in page order,
            # so a page reads its rows and stops, and covering the public status filter, so a
            # count reads the index alone (133 ms → 15 ms over 1,000,000 incidents; bench/README).
            models.Index(
                fields=["kind", "-occurred_at", "-id"],
                include=["status"],
                condition=Q(deleted_at__isnull=True),
                name="incident_kind_occurred_idx",
            ),
            models.Index(fields=["place", "-occurred_at"], name="incident_place_occurred_idx"),
            models.Index(fields=["perpetrator", "-occurred_at"], name="incident_perp_occurred_idx"),
        ]
        constraints = [
            *coordinate_checks("incident"),
            *coordinate_checks("incident", "origin_latitude", "origin_longitude"),
            check(
                "incident_origin_exact_needs_point",
                "origin_geo_precision",
                ~models.Q(origin_geo_precision=GeoPrecision.EXACT) | models.Q(origin_latitude__isnull=False),
                "An exact origin needs its latitude and longitude.",
            ),
            check(
                "incident_target_initiator_needs_target",
                "initiator",
                ~models.Q(initiator=Initiator.TARGET) | models.Q(target_party__isnull=False),
                "The target party can open fire only when one is named: name it, or set the initiator to 'unknown'.",
            ),
            not_itself("incident_not_responding_to_itself", "responds_to", "id", "An incident cannot respond to itself."),
            *_casualty_checks("incident"),
            check(
                "incident_interval_has_end",
                "occurred_until",
                models.Q(time_precision=TimePrecision.INTERVAL, occurred_until__gt=models.F("occurred_at"))
                | (~models.Q(time_precision=TimePrecision.INTERVAL) & models.Q(occurred_until__isnull=True)),
                "An interval needs an end after its start; other precisions take no end.",
            ),
            check(
                "incident_exact_needs_point",
                "geo_precision",
                ~models.Q(geo_precision=GeoPrecision.EXACT) | models.Q(latitude__isnull=False),
                "An exact location needs latitude and longitude.",
            ),
            check(
                "incident_attribution_needs_party",
                "attribution",
                models.Q(perpetrator__isnull=True, attribution=Attribution.UNKNOWN)
                | (models.Q(perpetrator__isnull=False) & ~models.Q(attribution=Attribution.UNKNOWN)),
                "Attribution is 'unknown' exactly when no perpetrator is named.",
            ),
            unique(
                "incident_external_id_unique",
                ["external_source", "external_id"],
                "An incident with this external id already exists for this external source.",
                condition=~models.Q(external_id=""),
            ),
            text_needs(
                "incident_external_id_has_source", "external_id", "external_source", "An external id needs its external source."
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        errors = {}
        if self.time_precision == TimePrecision.INTERVAL:
            if self.occurred_until is None:
                errors["occurred_until"] = "An interval needs an end."
            elif self.occurred_at and self.occurred_until <= self.occurred_at:
                errors["occurred_until"] = "The end must be after the start."
        elif self.occurred_until is not None:
            errors["occurred_until"] = "Only precision 'interval' takes an end; set precision to 'interval' or clear it."
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = "Latitude and longitude must be given together."
        if self.geo_precision == GeoPrecision.EXACT and self.latitude is None:
            errors["geo_precision"] = "An exact location needs latitude and longitude."
        if self.perpetrator_id is None and self.attribution != Attribution.UNKNOWN:
            errors["attribution"] = "Name a perpetrator, or set attribution to 'unknown'."
        if self.perpetrator_id is not None and self.attribution == Attribution.UNKNOWN:
            errors["attribution"] = "A named perpetrator needs an attribution level (alleged, claimed, confirmed)."
        if (self.origin_latitude is None) != (self.origin_longitude is None):
            errors["origin_longitude"] = "Latitude and longitude must be given together."
        if self.responds_to_id is not None and self.pk is not None and self.responds_to_id == self.pk:
            errors["responds_to"] = "An incident cannot respond to itself."
        if errors:
            raise ValidationError(errors)

    @property
    def origin_point(self) -> tuple[float, float] | None:
        """(lat, lon) of the origin: its own point, else its place's point, else None."""
        if self.origin_latitude is not None:
            return (self.origin_latitude, self.origin_longitude)
        place = self.origin_place if self.origin_place_id else None
        if place is not None and place.latitude is not None:
            return (place.latitude, place.longitude)
        return None

    @property
    def point(self) -> tuple[float, float] | None:
        """(lat, lon) of the exact point, else the place's representative point."""
        if self.latitude is not None:
            return (self.latitude, self.longitude)
        if self.place.latitude is not None:
            return (self.place.latitude, self.place.longitude)
        return None


class Citation(CasualtyFigures, VisibleTrashable, SoftDeletable, TrackedModel):
    """What one report says about one incident: the party it names, the figures it gives, who
    it attributes the claim to (SOHR quoted by Reuters) and whether it reports, disputes or
    denies it."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="citations")
    report = models.ForeignKey("tracker.Report", on_delete=models.PROTECT, related_name="citations")
    claimant = optional_link(
        "tracker.Source",
        related_name="claims",
        help_text="Who the report attributes the claim to; empty: the report's own source.",
    )
    named_perpetrator = optional_link("tracker.Party", related_name="citations_naming")
    quote = models.TextField(blank=True, help_text="The passage that makes the claim, verbatim.")
    stance = models.CharField(max_length=16, choices=Stance.choices, default=Stance.REPORTS)
    notes = models.TextField(blank=True)

    history = TrackerHistory()

    visibility_path = "incident__"

    class Meta(SoftDeletable.Meta):
        ordering = ["incident", "id"]
        constraints = [
            *_casualty_checks("citation"),
            unique(
                "citation_unique_claimant",
                ["incident", "report", "claimant"],
                "This report already has a citation for this incident and claimant.",
                condition=models.Q(claimant__isnull=False),
            ),
            unique(
                "citation_unique_own_claim",
                ["incident", "report"],
                "This report already has a citation for this incident in its own voice.",
                condition=models.Q(claimant__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report} → {self.incident}"
