"""The compliance ledger: what each counted incident adds to a ceasefire's compliance series,
stored per local day (`ComplianceShare`), and those shares summed per day and per everything the
series groups or filters by (`ComplianceTally`), so the series reads a few rows per day asked
for instead of evaluating the zone's incidents on every request. Derived data
(tracker/services/compliance_ledger.py keeps it), so no history of its own."""

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
    # Not cascaded: a purged incident's shares are removed by the ledger's own refresh in the
    # same transaction (the constraint is checked at the commit), which reads which days they
    # touched to re-sum those days' tallies — a cascade would delete them unseen.
    incident = models.ForeignKey("tracker.Incident", on_delete=models.DO_NOTHING, related_name="+")
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


class ComplianceTally(models.Model):
    """The shares of one local day of a ceasefire's series on one basis, summed per status,
    verdict, kind and perpetrator: what the series reads (the public's answer keeps the public
    statuses' rows). Each side's killed figures are summed weighted by the share, with the share
    of the incidents that have figures, so the deaths of a span are sums of its days'."""

    ceasefire = models.ForeignKey("tracker.Ceasefire", on_delete=models.CASCADE, related_name="+")
    declaration = models.ForeignKey("tracker.Declaration", null=True, on_delete=models.CASCADE, related_name="+")
    day = models.DateField(help_text="In the ceasefire's time zone.")
    status = models.CharField(max_length=16, choices=IncidentStatus.choices)
    verdict = models.CharField(max_length=16, choices=Verdict.choices)
    kind = models.CharField(max_length=32, choices=IncidentKind.choices)
    perpetrator = models.ForeignKey("tracker.Party", null=True, on_delete=models.CASCADE, related_name="+")
    before = models.FloatField()
    after = models.FloatField()
    before_low = models.FloatField()
    before_high = models.FloatField()
    before_figures = models.FloatField(help_text="The before shares of incidents with killed figures.")
    after_low = models.FloatField()
    after_high = models.FloatField()
    after_figures = models.FloatField(help_text="The after shares of incidents with killed figures.")

    class Meta:
        indexes = [models.Index(fields=["ceasefire", "declaration", "day"], name="compliancetally_series_idx")]

    def __str__(self) -> str:
        return f"{self.day} of ceasefire {self.ceasefire_id}: {self.before + self.after:g} {self.verdict} {self.kind}"
