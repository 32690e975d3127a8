"""Ceasefires, the parties they concern, and each party's own claims about them."""

from django.core.exceptions import ValidationError
from django.db import models

from tracker.choices import CeasefirePurpose, CeasefireStatusKind, CeasefireType, IncidentKind, PartyRole
from tracker.history import TrackerHistory
from tracker.instants import validate_instant
from tracker.models.base import FieldNamedConstraintsMixin, TrackedModel, check, loose_link, not_itself, optional_link, unique
from tracker.validators import validate_timezone


class Ceasefire(TrackedModel):
    """A ceasefire in force over [starts_at, ends_at) (ends_at null = still open).

    `scope` is the place it covers (and everything below it in the hierarchy); `zone` is an
    optional place whose geometry draws the area more precisely (a de-escalation zone).
    `starts_at` is the curated start; parties' conflicting claims are `Declaration`s.
    """

    name = models.CharField(max_length=200)
    scope = models.ForeignKey("tracker.Place", on_delete=models.PROTECT, related_name="ceasefires_in_scope")
    zone = optional_link(
        "tracker.Place",
        related_name="ceasefires_as_zone",
        help_text="A place with a geometry drawing the ceasefire's area. Empty: the whole scope.",
    )
    announced_at = models.DateTimeField(validators=[validate_instant], null=True, blank=True)
    starts_at = models.DateTimeField(
        validators=[validate_instant], help_text="Curated start (UTC). Parties' own claims are declarations."
    )
    ends_at = models.DateTimeField(
        validators=[validate_instant], null=True, blank=True, help_text="End (UTC); empty while in force."
    )
    ceasefire_type = models.CharField("type", max_length=16, choices=CeasefireType.choices)
    purpose = models.CharField(max_length=32, choices=CeasefirePurpose.choices)
    terms = models.TextField(blank=True)
    monitoring = models.TextField(blank=True, help_text="Who monitors compliance, and how.")
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[validate_timezone],
        help_text="Local zone in which people read this ceasefire's times, e.g. Asia/Damascus.",
    )
    supersedes = loose_link("self", related_name="superseded_by")
    parties = models.ManyToManyField(
        "tracker.Party", through="CeasefireParty", through_fields=("ceasefire", "party"), related_name="ceasefires"
    )

    history = TrackerHistory()

    class Meta:
        ordering = ["-starts_at", "id"]
        indexes = [models.Index(fields=["starts_at", "ends_at"], name="ceasefire_interval_idx")]
        constraints = [
            check(
                "ceasefire_ends_after_start",
                "ends_at",
                models.Q(ends_at__isnull=True) | models.Q(ends_at__gt=models.F("starts_at")),
                "The end must be after the start.",
            ),
            not_itself("ceasefire_not_superseding_itself", "supersedes", "id", "A ceasefire cannot supersede itself."),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.zone_id and self.zone.geometry is None:
            raise ValidationError({"zone": "The zone place has no geometry; draw one or leave the zone empty."})
        if self.supersedes_id and self.pk and self.supersedes_id == self.pk:
            raise ValidationError({"supersedes": "A ceasefire cannot supersede itself."})


class CeasefireParty(FieldNamedConstraintsMixin, models.Model):
    """A party's role in a ceasefire (signatory, bound, guarantor, mediator, observer) and, for
    a role that binds, the party's own commitment: when it starts and ends, and who made it.

    A party is held to a ceasefire from its own commitment, not only from the agreed start:
    Russia declared its side's ceasefire in Idlib from 9 January 2020, 11:00 UTC, days before
    the agreed start. Without a curated start, the commitment starts at the committing party's
    declared start (`tracker.domain.commitments`), else at the agreed one."""

    ceasefire = models.ForeignKey(Ceasefire, on_delete=models.CASCADE, related_name="party_roles")
    party = models.ForeignKey("tracker.Party", on_delete=models.PROTECT, related_name="ceasefire_roles")
    role = models.CharField(max_length=16, choices=PartyRole.choices)
    committed_by = optional_link(
        "tracker.Party",
        related_name="commitments_made",
        help_text="The party that committed this one (a patron declaring for its ally), if not itself.",
    )
    starts_at = models.DateTimeField(
        validators=[validate_instant],
        null=True,
        blank=True,
        help_text="When this party's commitment starts (UTC). Empty: the committing party's declared start, else the agreed one.",
    )
    ends_at = models.DateTimeField(
        validators=[validate_instant],
        null=True,
        blank=True,
        help_text="When this party's commitment ends (UTC), if before the ceasefire's end.",
    )
    undertaking = models.TextField(blank=True, help_text="What the party undertook, in the agreement's terms.")
    barred_kinds = models.JSONField(
        default=list,
        blank=True,
        help_text="The kinds of act it undertook to stop (incident kinds); empty: every hostile act.",
    )
    area = optional_link(
        "tracker.Place",
        related_name="undertakings_in",
        help_text="Where its undertaking applies (a corridor, a front), if narrower than the ceasefire's zone.",
    )

    history = TrackerHistory()

    class Meta:
        ordering = ["ceasefire", "party__name"]
        verbose_name_plural = "ceasefire parties"
        constraints = [
            unique("ceasefireparty_unique", ["ceasefire", "party"], "This party already has a role in this ceasefire."),
            check(
                "ceasefireparty_ends_after_start",
                "ends_at",
                models.Q(ends_at__isnull=True) | models.Q(starts_at__isnull=True) | models.Q(ends_at__gt=models.F("starts_at")),
                "The commitment's end must be after its start.",
            ),
            not_itself(
                "ceasefireparty_not_committed_by_itself",
                "committed_by",
                "party",
                "A party committed by itself needs no committing party: leave it empty.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party} ({self.get_role_display()})"

    def clean(self) -> None:
        kinds = self.barred_kinds
        if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
            raise ValidationError({"barred_kinds": "A list of incident kinds."})
        unknown = sorted(set(kinds) - set(IncidentKind.values))
        if unknown:
            raise ValidationError({"barred_kinds": f"Not incident kinds: {', '.join(unknown)}."})
        if len(set(kinds)) != len(kinds):
            raise ValidationError({"barred_kinds": "A kind is listed twice."})


class Declaration(TrackedModel):
    """One party's claim about a ceasefire, as a report carries it: when it says the ceasefire
    starts (and ends). Conflicting claims are data, not errors."""

    ceasefire = models.ForeignKey(Ceasefire, on_delete=models.CASCADE, related_name="declarations")
    party = models.ForeignKey("tracker.Party", on_delete=models.PROTECT, related_name="declarations")
    claimed_start = models.DateTimeField(validators=[validate_instant], null=True, blank=True)
    claimed_end = models.DateTimeField(validators=[validate_instant], null=True, blank=True)
    stated_as = models.CharField(
        max_length=200, blank=True, help_text="The time as the report states it, e.g. '14:00 Moscow time, 9 January'."
    )
    report = loose_link("tracker.Report", related_name="declarations")
    notes = models.TextField(blank=True)

    history = TrackerHistory()

    class Meta:
        ordering = ["ceasefire", "claimed_start", "id"]
        constraints = [
            check(
                "declaration_end_after_start",
                "claimed_end",
                models.Q(claimed_end__isnull=True)
                | models.Q(claimed_start__isnull=True)
                | models.Q(claimed_end__gt=models.F("claimed_start")),
                "The claimed end must be after the claimed start.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.party}: {self.claimed_start:%Y-%m-%d %H:%M}Z" if self.claimed_start else str(self.party)


class CeasefireStatus(TrackedModel):
    """One dated step of a ceasefire's life as the sources tell it: in force, breaking down,
    collapsed, replaced, expired. The first ending step (collapsed, replaced, expired) ends the
    ceasefire for the verdicts and the compliance series, whatever `Ceasefire.ends_at` says."""

    ceasefire = models.ForeignKey(Ceasefire, on_delete=models.CASCADE, related_name="lifecycle")
    status = models.CharField(max_length=16, choices=CeasefireStatusKind.choices)
    effective_at = models.DateTimeField(validators=[validate_instant], help_text="From when (UTC).")
    report = loose_link("tracker.Report", related_name="statuses")
    notes = models.TextField(blank=True)

    history = TrackerHistory()

    class Meta:
        ordering = ["ceasefire", "effective_at", "id"]
        verbose_name_plural = "ceasefire statuses"
        constraints = [
            unique(
                "ceasefirestatus_unique",
                ["ceasefire", "effective_at"],
                "This ceasefire already has a step from this instant.",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} from {self.effective_at:%Y-%m-%d %H:%M}Z"
