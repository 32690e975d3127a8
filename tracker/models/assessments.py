"""Assessments: the tracker's verdict on one incident against one ceasefire, and a reviewer's
override of it."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Coalesce, NullIf

from tracker.choices import CommitmentBasis, Verdict
from tracker.history import TrackerHistory
from tracker.models.base import TrackedModel, check, loose_link, optional_link, text_needs, unique
from tracker.models.visibility import VisibleQuerySet


def effective_verdict_in(verdicts, prefix: str = "") -> models.Q:
    """Assessments (through `prefix`, e.g. "assessments__") whose effective verdict — the
    override, else the computed one — is in `verdicts`."""
    return models.Q(**{f"{prefix}override_verdict__in": verdicts}) | models.Q(
        **{f"{prefix}override_verdict": "", f"{prefix}verdict__in": verdicts}
    )


class AssessmentQuerySet(VisibleQuerySet):
    def with_effective_verdict(self) -> "AssessmentQuerySet":
        """Annotate `effective` — `Assessment.effective_verdict`'s rule (the override, else the
        computed verdict) in SQL, so value rows and filters need not repeat it."""
        return self.annotate(
            effective=Coalesce(NullIf("override_verdict", models.Value("")), "verdict", output_field=models.CharField())
        )


class VerdictRules(models.Model):
    """The rules a verdict was computed under: their version (docs/VERDICTS.md keeps the list)
    and every parameter's value (overlap threshold, location radii). One row per distinct
    combination, shared by the assessments computed under it, so two deployments — or one
    before and after a settings change — can tell why their verdicts differ."""

    key = models.CharField(max_length=64, unique=True, editable=False, help_text="SHA-256 of version and parameters.")
    version = models.CharField(max_length=32)
    parameters = models.JSONField()
    first_used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["first_used_at", "id"]
        verbose_name_plural = "verdict rules"

    def __str__(self) -> str:
        return f"rules {self.version}"


class Assessment(TrackedModel):
    """Incident × ceasefire → verdict, with the machine-readable reasons and the two overlaps
    (time and place, 0..1) that produced it, so a reader sees how uncertain it is.

    A reviewer may override the verdict with a reason; recomputation keeps the override and
    marks it `override_stale` when the computed verdict changes underneath it.
    """

    incident = models.ForeignKey("tracker.Incident", on_delete=models.CASCADE, related_name="assessments")
    ceasefire = models.ForeignKey("tracker.Ceasefire", on_delete=models.CASCADE, related_name="assessments")
    verdict = models.CharField(max_length=16, choices=Verdict.choices, db_index=True, help_text="Computed verdict.")
    reasons = models.JSONField(default=list, blank=True, help_text="Failed or uncertain conditions, e.g. ['time_uncertain'].")
    time_overlap = models.FloatField(help_text="Fraction of the incident's time window inside the ceasefire's interval.")
    place_overlap = models.FloatField(help_text="Fraction of the incident's location uncertainty inside the zone.")
    computed_at = models.DateTimeField()
    bound_as = loose_link(
        "tracker.Party",
        related_name="+",
        help_text="The party whose commitment the perpetrator was held to (itself or a unit above it); empty if none.",
    )
    commitment_start = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The start the incident was measured against: that party's commitment, else the agreed start.",
    )
    rules = optional_link(
        VerdictRules, related_name="+", help_text="The rules' version and parameters the verdict was computed under."
    )
    commitment_basis = models.CharField(
        max_length=16, choices=CommitmentBasis.choices, blank=True, help_text="Where that start comes from."
    )
    override_verdict = models.CharField(max_length=16, choices=Verdict.choices, blank=True)
    override_reason = models.TextField(blank=True)
    override_by = loose_link(settings.AUTH_USER_MODEL, related_name="+")
    override_at = models.DateTimeField(null=True, blank=True)
    override_stale = models.BooleanField(default=False, help_text="The computed verdict changed after the override was set.")

    history = TrackerHistory()

    visibility_path = "incident__"

    def commitment_summary(self) -> str:
        """What the verdict was measured against, in words (admin pages)."""
        if self.commitment_start is None:
            return ""
        start = f"{self.commitment_start:%Y-%m-%d %H:%M} UTC ({self.get_commitment_basis_display().lower()})"
        who = f"{self.bound_as}'s commitment" if self.bound_as_id else "the agreed interval"
        return f"{who}, from {start}"

    commitment_summary.short_description = "measured against"
    objects = models.Manager.from_queryset(AssessmentQuerySet)()

    class Meta:
        ordering = ["ceasefire", "incident"]
        indexes = [models.Index(fields=["ceasefire", "verdict"], name="assessment_ceasefire_verdict")]
        constraints = [
            unique("assessment_unique", ["incident", "ceasefire"], "This incident already has an assessment for this ceasefire."),
            check(
                "assessment_time_overlap_range",
                "time_overlap",
                models.Q(time_overlap__gte=0, time_overlap__lte=1),
                "Must be between 0 and 1.",
            ),
            check(
                "assessment_place_overlap_range",
                "place_overlap",
                models.Q(place_overlap__gte=0, place_overlap__lte=1),
                "Must be between 0 and 1.",
            ),
            text_needs("assessment_override_has_reason", "override_verdict", "override_reason", "An override needs a reason."),
        ]

    def __str__(self) -> str:
        return f"{self.incident} × {self.ceasefire}: {self.effective_verdict}"

    @property
    def effective_verdict(self) -> str:
        """The override when there is one, else the computed verdict."""
        return self.override_verdict or self.verdict


class VerdictRecompute(models.Model):
    """Whether a ceasefire's verdicts are current: the recompute a change to it asked for
    (queued on the task queue, or run in the request), and how the last one went. Derived
    state, written by the task queue's bookkeeping only, so it has no history of its own."""

    ceasefire = models.OneToOneField("tracker.Ceasefire", on_delete=models.CASCADE, related_name="verdict_recompute")
    pending_since = models.DateTimeField(null=True, blank=True, help_text="The earliest change not yet reflected.")
    requested_at = models.DateTimeField(null=True, blank=True, help_text="The latest change that asked for a recompute.")
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    failed = models.TextField(blank=True, help_text="The last run's error, if it failed.")

    def __str__(self) -> str:
        return (
            f"{self.ceasefire_id}: pending since {self.pending_since}" if self.pending_since else f"{self.ceasefire_id}: current"
        )
