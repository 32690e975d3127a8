"""The compliance ledger: what each counted incident adds to a ceasefire's compliance series,
stored per local day, so the series reads the days it covers instead of evaluating the zone's
incidents on every request. Derived data (tracker/services/compliance_ledger.py keeps it), so
no history of its own."""

from django.db import models

from tracker.choices import IncidentKind, IncidentStatus, Verdict


class ComplianceLedger(models.Model):
    """That a ceasefire's ledger is built and kept current; without it the series is evaluated
    afresh (tracker/selectors/compliance.py)."""

    ceasefire = models.OneToOneField("tracker.Ceasefire", on_delete=models.CASCADE, related_name="compliance_ledger")
    built_at = models.DateTimeField()
    days = models.PositiveIntegerField(help_text="Local days kept either side of each basis's start.")

    def __str__(self) -> str:
        return f"compliance ledger of ceasefire {self.ceasefire_id}"


class ComplianceShare(models.Model):
    """One incident's share of one local day of a ceasefire's series on one basis (the curated
    start when `declaration` is empty, else that declaration's claimed start): the share of its
    time window before the start and from it (only the start's own day has both), with what the
    series groups by copied from the incident and its verdict on that basis."""

    ceasefire = models.ForeignKey("tracker.Ceasefire", on_delete=models.CASCADE, related_name="+")
    declaration = models.ForeignKey("tracker.Declaration", null=True, on_delete=models.CASCADE, related_name="+")
    incident = models.ForeignKey("tracker.Incident", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(help_text="In the ceasefire's time zone.")
    before = models.FloatField()
    after = models.FloatField()
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    kind = models.CharField(max_length=32, choices=IncidentKind.choices)
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)
    perpetrator = models.ForeignKey("tracker.Party", null=True, on_delete=models.CASCADE, related_name="+")
    killed_low = models.IntegerField(null=True)
    killed_high = models.IntegerField(null=True)

    class Meta:
        indexes = [
            # The series: one ceasefire, one basis, a run of days.
            models.Index(fields=["ceasefire", "declaration", "day"], name="complianceshare_series_idx"),
            # Refreshing one incident's shares after a write.
            models.Index(fields=["incident"], name="complianceshare_incident_idx"),
        ]

    def __str__(self) -> str:
        return f"incident {self.incident_id} on {self.day} for ceasefire {self.ceasefire_id}"
