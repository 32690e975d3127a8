"""What the tracker derives from an incident's citations (tracker.domain.provenance)."""

from django.db import models

from tracker.choices import Confidence
from tracker.history import TrackerHistory


class IncidentProvenance(models.Model):
    """An incident's independent claimants, whether its claims conflict, and the confidence
    they suggest. Derived data: recomputed with every write of the incident, its citations,
    or the reports, sources and parties they point to (a rule of tracker.services.derived), and by
    `manage.py recompute_provenance`. Its history (one row per grade that changed) is what lets
    an `as_of` read show the grade an incident had then (tracker.history_tables): derived data,
    but not derivable after the fact from the history of the records it came from without
    re-running the rules over every one of them."""

    incident = models.OneToOneField("tracker.Incident", primary_key=True, on_delete=models.CASCADE, related_name="provenance")
    suggested_confidence = models.CharField(max_length=16, choices=Confidence.choices, default=Confidence.UNASSESSED)
    reason = models.TextField(blank=True, help_text="Why the tracker suggests this confidence.")
    independent_claimants = models.PositiveSmallIntegerField(default=0)
    contested = models.BooleanField(default=False)
    computed_at = models.DateTimeField(auto_now=True)

    history = TrackerHistory()

    class Meta:
        verbose_name_plural = "incident provenance"
        indexes = [
            models.Index(fields=["suggested_confidence"], name="provenance_suggested_idx"),
            models.Index(fields=["independent_claimants"], name="provenance_claimants_idx"),
            models.Index(fields=["contested"], name="provenance_contested_idx", condition=models.Q(contested=True)),
        ]

    def __str__(self) -> str:
        return f"{self.incident_id}: {self.suggested_confidence}"
