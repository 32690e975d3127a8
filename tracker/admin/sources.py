"""Admin for sources and reports."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from tracker.admin.base import ServiceAdmin
from tracker.choices import SyndicationDecision
from tracker.models import Report, Source
from tracker.services import sources


class OriginalFilter(admin.SimpleListFilter):
    title = "near-copy"
    parameter_name = "copy"

    def lookups(self, request, model_admin):
        return [("no", "Originals"), ("yes", "Near-copies")]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(syndicated_from__isnull=self.value() == "no")
        return queryset


@admin.register(Source)
class SourceAdmin(ServiceAdmin):
    list_display = ("name", "kind", "reliability", "country_code", "affiliated_party")
    list_filter = ("kind", "reliability", "country_code")
    search_fields = ("name", "description", "affiliated_party__name")
    list_select_related = ("affiliated_party",)
    autocomplete_fields = ("affiliated_party", "aligned_party")
    writes = sources.SOURCES


@admin.register(Report)
class ReportAdmin(ServiceAdmin):
    list_display = (
        "title",
        "source",
        "wire_source",
        "published_at",
        "syndicated_from",
        "syndication_score",
        "syndication_shared_sentences",
        "syndication_decision",
    )
    list_filter = ("syndication_decision", OriginalFilter, "language", "source__kind", "source")
    search_fields = ("title", "url", "summary", "source__name", "wire_source__name", "author")
    list_select_related = ("source", "wire_source", "syndicated_from")
    autocomplete_fields = ("source", "wire_source", "syndicated_from")
    readonly_fields = ("syndication_score", "syndication_shared_sentences", "cluster")
    date_hierarchy = "published_at"
    actions = ["confirm_syndication", "detach_syndication", "automatic_syndication"]
    writes = sources.REPORTS

    @admin.display(description="Cluster of near-copies")
    def cluster(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        root = obj.syndicated_from or obj
        members = [root, *root.syndicated_copies.order_by("published_at", "pk")]
        if len(members) == 1:
            return "No near-copies found."
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a> — {}{}</li>',
            (
                (
                    reverse("admin:tracker_report_change", args=[m.pk]),
                    m.title,
                    m.source,
                    "" if m.pk == root.pk else f" ({self._evidence(m)}, {m.get_syndication_decision_display().lower()})",
                )
                for m in members
            ),
        )
        return format_html("<ol>{}</ol>", items)

    @staticmethod
    def _evidence(report) -> str:
        parts = []
        if report.syndication_score is not None:
            parts.append(f"overlap {report.syndication_score:.0%}")
        if report.syndication_shared_sentences:
            parts.append(f"{report.syndication_shared_sentences} shared sentence(s)")
        return ", ".join(parts) or "linked by hand"

    def _decide(self, request, queryset, decision: str, verb: str):
        self.run_service(
            request,
            lambda report, user: sources.report_update(report=report, data={"syndication_decision": decision}, user=user),
            queryset,
            f"{{count}} report(s) {verb}.",
        )

    @admin.action(description="Confirm the selected reports' syndication links", permissions=["change"])
    def confirm_syndication(self, request, queryset):
        self._decide(request, queryset, SyndicationDecision.CONFIRMED, "confirmed as copies")

    @admin.action(description="Detach the selected reports from their cluster (not copies)", permissions=["change"])
    def detach_syndication(self, request, queryset):
        self._decide(request, queryset, SyndicationDecision.DETACHED, "detached")

    @admin.action(description="Let detection decide for the selected reports again", permissions=["change"])
    def automatic_syndication(self, request, queryset):
        self._decide(request, queryset, SyndicationDecision.AUTOMATIC, "returned to automatic detection")
