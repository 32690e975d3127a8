"""Admin for incidents (with their citations inline), citations, and the review workflow."""

from django.contrib import admin
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils.html import format_html, format_html_join

from tracker.admin.assessments import AssessmentInline, save_override
from tracker.admin.base import ServiceAdmin, TransliterationSearchMixin
from tracker.choices import Confidence, IncidentStatus
from tracker.models import Assessment, Citation, Incident, IncidentProvenance
from tracker.provenance import consensus
from tracker.services import incidents
from tracker.services.incidents import REVIEW_PERMISSION
from tracker.services.provenance import CLAIM_RELATED, claim_of


def provenance_of(incident: Incident) -> IncidentProvenance:
    try:
        return incident.provenance
    except IncidentProvenance.DoesNotExist:
        return IncidentProvenance(incident=incident)


def disagrees(incident: Incident) -> bool:
    """The curator graded it, and not as the claims suggest."""
    suggested = provenance_of(incident).suggested_confidence
    return incident.confidence != Confidence.UNASSESSED and incident.confidence != suggested


class GradesDisagreeFilter(admin.SimpleListFilter):
    title = "curator's grade vs suggested"
    parameter_name = "grades"

    def lookups(self, request, model_admin):
        return [("disagree", "Disagree"), ("agree", "Agree"), ("ungraded", "Not graded by a curator")]

    def queryset(self, request, queryset):
        if self.value() == "ungraded":
            return queryset.filter(confidence=Confidence.UNASSESSED)
        if self.value() in ("agree", "disagree"):
            graded = queryset.exclude(confidence=Confidence.UNASSESSED).alias(
                suggested=Coalesce("provenance__suggested_confidence", Value(Confidence.UNASSESSED))
            )
            same = F("suggested")
            return graded.filter(confidence=same) if self.value() == "agree" else graded.exclude(confidence=same)
        return queryset


class CitationInline(admin.StackedInline):
    model = Citation
    extra = 0
    autocomplete_fields = ("report", "claimant", "named_perpetrator")
    fields = (
        ("report", "claimant", "stance"),
        "named_perpetrator",
        ("killed_low", "killed_high", "civilians_killed_low", "civilians_killed_high"),
        ("children_killed_low", "children_killed_high", "injured_low", "injured_high"),
        "quote",
        "notes",
    )


@admin.register(Incident)
class IncidentAdmin(TransliterationSearchMixin, ServiceAdmin):
    place_path = "place__"
    list_display = (
        "title",
        "kind",
        "occurred_at",
        "time_precision",
        "place",
        "perpetrator",
        "killed_low",
        "status",
        "confidence",
        "suggested",
        "independent_claimants",
    )
    list_filter = (
        "status",
        "kind",
        "assessments__verdict",
        "assessments__ceasefire",
        "confidence",
        ("provenance__suggested_confidence", admin.ChoicesFieldListFilter),
        GradesDisagreeFilter,
        "provenance__contested",
        "time_precision",
        "attribution",
        "place__country_code",
    )
    # Found by any name of its place, by perpetrator (or alias), and by source of its reports.
    search_fields = (
        "title", "description", "target_description", "external_id",
        "place__name", "place__alternate_names__name", "place__name_key", "place__alternate_names__name_key",
        "perpetrator__name", "perpetrator__aliases__name",
        "citations__report__source__name", "citations__claimant__name", "citations__report__title",
    )  # fmt: skip
    list_select_related = ("place", "perpetrator", "provenance")
    autocomplete_fields = ("place", "perpetrator")
    readonly_fields = ("suggested_grade", "claims_side_by_side", "consensus_ranges")
    date_hierarchy = "occurred_at"
    inlines = [CitationInline, AssessmentInline]
    actions = ["submit_for_review", "verify", "dispute", "reject"]
    fieldsets = (
        (None, {"fields": ("title", "kind", "description", "status", "confidence")}),
        ("When (UTC)", {"fields": ("occurred_at", "time_precision", "occurred_until")}),
        ("Where", {"fields": ("place", "geo_precision", ("latitude", "longitude"))}),
        ("Who and whom", {"fields": ("perpetrator", "attribution", "target_description")}),
        (
            "Casualties (low – high)",
            {
                "fields": (
                    ("killed_low", "killed_high"),
                    ("civilians_killed_low", "civilians_killed_high"),
                    ("children_killed_low", "children_killed_high"),
                    ("injured_low", "injured_high"),
                )
            },
        ),
        ("Who says so", {"fields": ("suggested_grade", "claims_side_by_side", "consensus_ranges")}),
        ("Import", {"classes": ("collapse",), "fields": ("external_source", "external_id")}),
        ("Audit", {"classes": ("collapse",), "fields": ("version", "created_at", "created_by", "updated_at", "updated_by")}),
    )
    create_service = staticmethod(incidents.incident_create)
    update_service = staticmethod(incidents.incident_update)
    delete_service = staticmethod(incidents.incident_delete)
    instance_kwarg = "incident"

    @admin.display(description="Suggested", ordering="provenance__suggested_confidence")
    def suggested(self, obj):
        suggested = provenance_of(obj).get_suggested_confidence_display().split(" (")[0]
        if disagrees(obj):
            return format_html('<strong class="grade-disagrees" style="color:#ba2121">{} ≠ curator</strong>', suggested)
        return suggested

    @admin.display(description="Claimants", ordering="provenance__independent_claimants")
    def independent_claimants(self, obj):
        return provenance_of(obj).independent_claimants

    @admin.display(description="Suggested confidence")
    def suggested_grade(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        provenance = provenance_of(obj)
        warning = (
            format_html(
                '<p class="grade-disagrees" style="color:#ba2121"><strong>Differs from the curator\'s grade ({}).</strong></p>',
                obj.get_confidence_display(),
            )
            if disagrees(obj)
            else ""
        )
        return format_html(
            "<strong>{}</strong> — {} independent claimant(s){}.<br>{}{}",
            provenance.get_suggested_confidence_display(),
            provenance.independent_claimants,
            ", contested" if provenance.contested else "",
            provenance.reason,
            warning,
        )

    def _claims(self, obj):
        citations = Citation.objects.filter(incident=obj).select_related(*CLAIM_RELATED, "named_perpetrator")
        return [(c, claim_of(c)) for c in citations.order_by("id")]

    @admin.display(description="Claims side by side")
    def claims_side_by_side(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        rows = self._claims(obj)
        if not rows:
            return "No citations yet."

        def figures(claim):
            given = [(f, lo, hi) for f, (lo, hi) in claim.figures.items() if (lo, hi) != (None, None)]
            return (
                "; ".join(
                    f"{f.replace('_', ' ')} {lo if lo is not None else '?'}{'' if hi == lo else '–' + (str(hi) if hi is not None else '')}"
                    for f, lo, hi in given
                )
                or "—"
            )

        body = format_html_join(
            "",
            "<tr><td>{}</td><td>{}{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    citation.report,
                    claim.claimant.name,
                    " (party-affiliated)" if claim.claimant.party_affiliated else "",
                    citation.named_perpetrator or "—",
                    figures(claim),
                    citation.get_stance_display(),
                )
                for citation, claim in rows
            ),
        )
        return format_html(
            '<table class="claims"><thead><tr><th>Report</th><th>Claimant</th><th>Named perpetrator</th>'
            "<th>Figures</th><th>Stance</th></tr></thead><tbody>{}</tbody></table>",
            body,
        )

    @admin.display(description="Consensus ranges")
    def consensus_ranges(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        ranges = consensus([claim for _, claim in self._claims(obj)])
        if not ranges:
            return "No figures claimed."
        return format_html_join(
            "",
            "<div>{}: {} (citation {}) to {}{} (citation {})</div>",
            (
                (
                    figure.replace("_", " "),
                    r.low if r.low is not None else "?",
                    ", ".join(map(str, r.low_claims)) or "—",
                    "at least " if r.open_ended else "",
                    r.high,
                    ", ".join(map(str, r.high_claims)),
                )
                for figure, r in ranges.items()
            ),
        )

    def get_inline_instances(self, request, obj=None):
        # Verdicts exist only once the incident does.
        return [i for i in super().get_inline_instances(request, obj) if obj is not None or not isinstance(i, AssessmentInline)]

    def save_formset(self, request, form, formset, change):
        if formset.model is Assessment:
            for assessment in formset.save(commit=False):
                save_override(assessment, request.user)
            return
        super().save_formset(request, form, formset, change)

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

    def _set_status(self, request, queryset, status: str, verb: str) -> None:
        self.run_service(
            request,
            lambda obj: incidents.incident_set_status(incident=obj, status=status, user=request.user),
            queryset,
            f"{{count}} incident(s) {verb}.",
        )

    @admin.action(description="Submit selected incidents for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._set_status(request, queryset, IncidentStatus.IN_REVIEW, "submitted for review")

    @admin.action(description="Verify selected incidents", permissions=["review"])
    def verify(self, request, queryset):
        self._set_status(request, queryset, IncidentStatus.VERIFIED, "verified")

    @admin.action(description="Mark selected incidents disputed", permissions=["review"])
    def dispute(self, request, queryset):
        self._set_status(request, queryset, IncidentStatus.DISPUTED, "marked disputed")

    @admin.action(description="Reject selected incidents", permissions=["review"])
    def reject(self, request, queryset):
        self._set_status(request, queryset, IncidentStatus.REJECTED, "rejected")


@admin.register(Citation)
class CitationAdmin(ServiceAdmin):
    list_display = ("incident", "report", "claimant", "named_perpetrator", "killed_low", "killed_high", "stance")
    list_filter = ("stance", "report__source")
    search_fields = (
        "incident__title",
        "report__title",
        "report__source__name",
        "claimant__name",
        "named_perpetrator__name",
        "quote",
    )
    list_select_related = ("incident", "report", "claimant", "named_perpetrator")
    autocomplete_fields = ("incident", "report", "claimant", "named_perpetrator")
    create_service = staticmethod(incidents.citation_create)
    update_service = staticmethod(incidents.citation_update)
    delete_service = staticmethod(incidents.citation_delete)
    instance_kwarg = "citation"
