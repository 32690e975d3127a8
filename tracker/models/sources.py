"""Sources (outlets and organisations) and the reports they publish."""

from django.db import models

from tracker.choices import Reliability, SourceKind
from tracker.history import TrackerHistory
from tracker.models.base import SoftDeletable, TrackedModel, unique
from tracker.validators import validate_country_code


class Source(TrackedModel):
    """An outlet or organisation that reports or claims things: a wire agency, a newspaper, a
    monitoring group, rescuers, a ministry. `affiliated_party` marks a party's own voice."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=SourceKind.choices)
    reliability = models.CharField(max_length=1, choices=Reliability.choices, default=Reliability.F)
    country_code = models.CharField(max_length=2, blank=True, validators=[validate_country_code])
    affiliated_party = models.ForeignKey("tracker.Party", null=True, blank=True, on_delete=models.PROTECT, related_name="voices")
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)

    history = TrackerHistory()

    class Meta:
        ordering = ["name"]
        verbose_name = "source"
        verbose_name_plural = "sources"
        constraints = [unique("source_name_unique", ["name"], "A source with this name already exists.")]

    def __str__(self) -> str:
        return self.name


class Report(SoftDeletable, TrackedModel):
    """One document from a source: an article, statement or post. `wire_source` is the agency
    whose copy it carries (a Reuters story run by an outlet); `summary` is the curator's own
    account of what it says."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="reports")
    wire_source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="wire_copies",
        help_text="The agency whose story this report carries, if any.",
    )
    url = models.URLField(max_length=500, blank=True)
    title = models.CharField(max_length=500)
    author = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    language = models.CharField(max_length=16, default="en", help_text="BCP 47 tag.")
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True, help_text="Full text, where licensing allows keeping it.")
    syndicated_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="syndicated_copies"
    )

    history = TrackerHistory()

    class Meta:
        ordering = ["-published_at", "id"]
        verbose_name = "report"
        verbose_name_plural = "reports"
        permissions = [("purge_report", "Can purge deleted reports")]
        indexes = [models.Index(fields=["source", "published_at"], name="report_source_published_idx")]
        constraints = [
            unique("report_url_unique", ["url"], "A report with this URL already exists.", condition=~models.Q(url=""))
        ]

    def __str__(self) -> str:
        return self.title
