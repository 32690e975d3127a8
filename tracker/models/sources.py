"""Sources (outlets and organisations) and the reports they publish."""

from django.db import models

from tracker.choices import Reliability, SourceKind, SyndicationDecision
from tracker.history import TrackerHistory
from tracker.instants import validate_instant
from tracker.models.base import SoftDeletable, TrackedModel, loose_link, optional_link, unique
from tracker.validators import validate_country_code


class Source(TrackedModel):
    """An outlet or organisation that reports or claims things: a wire agency, a newspaper, a
    monitoring group, rescuers, a ministry. `affiliated_party` marks a party's own voice;
    `aligned_party` a partial alignment (it works with that side), which also costs it its
    independence from that side."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=SourceKind.choices)
    reliability = models.CharField(max_length=1, choices=Reliability.choices, default=Reliability.F)
    country_code = models.CharField(max_length=2, blank=True, validators=[validate_country_code])
    affiliated_party = optional_link("tracker.Party", related_name="voices")
    aligned_party = optional_link(
        "tracker.Party",
        related_name="aligned_sources",
        help_text="A side it works with without speaking for it (an activist network, embedded media): "
        "it is not independent of that side.",
    )
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)

    history = TrackerHistory()

    class Meta:
        ordering = ["name"]
        constraints = [unique("source_name_unique", ["name"], "A source with this name already exists.")]

    def __str__(self) -> str:
        return self.name


class Report(SoftDeletable, TrackedModel):
    """One document from a source: an article, statement or post. `wire_source` is the agency
    whose copy it carries (a Reuters story run by an outlet); `summary` is the curator's own
    account of what it says."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="reports")
    wire_source = optional_link(
        Source, related_name="wire_copies", help_text="The agency whose story this report carries, if any."
    )
    url = models.URLField(max_length=500, blank=True)
    title = models.CharField(max_length=500)
    author = models.CharField(max_length=200, blank=True)
    published_at = models.DateTimeField(validators=[validate_instant], null=True, blank=True)
    language = models.CharField(max_length=16, default="en", help_text="BCP 47 tag.")
    summary = models.TextField(blank=True)
    body = models.TextField(blank=True, help_text="Full text, where licensing allows keeping it.")
    syndicated_from = loose_link(
        "self",
        related_name="syndicated_copies",
        help_text="The earliest report of this one's cluster of near-copies (a wire story), if any.",
    )
    syndication_score = models.FloatField(
        null=True, blank=True, help_text="Share of the shorter text's word shingles found in the other (0–1)."
    )
    syndication_shared_sentences = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text="Sentences this report shares, nearly word for word, with the one it is linked to "
        "(a wire story re-using its own background paragraphs).",
    )
    syndication_decision = models.CharField(
        max_length=16,
        choices=SyndicationDecision.choices,
        default=SyndicationDecision.AUTOMATIC,
        blank=True,
        help_text="A curator's confirmation or detachment of the link; detection leaves decided reports alone.",
    )

    history = TrackerHistory()

    class Meta(SoftDeletable.Meta):
        ordering = ["-published_at", "id"]
        indexes = [models.Index(fields=["source", "published_at"], name="report_source_published_idx")]
        constraints = [
            unique("report_url_unique", ["url"], "A report with this URL already exists.", condition=~models.Q(url=""))
        ]

    def __str__(self) -> str:
        return self.title


class ReportBand(models.Model):
    """LSH band keys of a report's text (tracker.domain.syndication): derived data, rebuilt whenever
    the text changes, so that near-copies are found with one indexed lookup."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="bands")
    key = models.BigIntegerField(db_index=True)

    class Meta:
        verbose_name = "report band key"
        constraints = [models.UniqueConstraint(fields=["report", "key"], name="reportband_unique")]

    def __str__(self) -> str:
        return f"{self.report_id}:{self.key}"
