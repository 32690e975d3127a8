"""Admin for incidents (with their citations inline), citations, and the review workflow."""

from django.contrib import admin

from tracker.admin.assessments import AssessmentInline, save_override
from tracker.admin.base import ServiceAdmin
from tracker.choices import IncidentStatus
from tracker.models import Assessment, Citation, Incident
from tracker.services import incidents
from tracker.services.incidents import REVIEW_PERMISSION


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
class IncidentAdmin(ServiceAdmin):
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
    )
    list_filter = (
        "status",
        "kind",
        "assessments__verdict",
        "assessments__ceasefire",
        "confidence",
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
    list_select_related = ("place", "perpetrator")
    autocomplete_fields = ("place", "perpetrator")
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
        ("Import", {"classes": ("collapse",), "fields": ("external_source", "external_id")}),
        ("Audit", {"classes": ("collapse",), "fields": ("version", "created_at", "created_by", "updated_at", "updated_by")}),
    )
    create_service = staticmethod(incidents.incident_create)
    update_service = staticmethod(incidents.incident_update)
    delete_service = staticmethod(incidents.incident_delete)
    instance_kwarg = "incident"

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
