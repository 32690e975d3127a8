"""Admin for ceasefires, with their parties' roles and declarations inline."""

from django import forms
from django.contrib import admin, messages
from django.urls import reverse

from tracker.admin.base import LabelledTabularInline, ServiceAdmin
from tracker.admin.charts import compliance_svg, declared_starts_svg
from tracker.choices import IncidentKind
from tracker.models import Ceasefire, CeasefireParty, CeasefireStatus, Declaration
from tracker.selectors.compliance import Basis, compliance
from tracker.services import ceasefires

# The window the ceasefire page charts around the start.
COMPLIANCE_DAYS = 14


class CeasefirePartyForm(forms.ModelForm):
    barred_kinds = forms.MultipleChoiceField(
        choices=IncidentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The kinds of act its undertaking bars; none ticked: every hostile act.",
    )

    class Meta:
        model = CeasefireParty
        fields = ("party", "role", "committed_by", "starts_at", "ends_at", "undertaking", "barred_kinds", "area")


class CeasefirePartyInline(admin.StackedInline):
    model = CeasefireParty
    form = CeasefirePartyForm
    extra = 1
    autocomplete_fields = ("party", "committed_by", "area")
    fields = (("party", "role", "committed_by"), ("starts_at", "ends_at"), "undertaking", "barred_kinds", "area")


class CeasefireStatusInline(LabelledTabularInline):
    model = CeasefireStatus
    extra = 0
    autocomplete_fields = ("report",)
    fields = ("status", "effective_at", "report", "notes")


class DeclarationInline(admin.StackedInline):
    model = Declaration
    extra = 0
    autocomplete_fields = ("party", "report")
    fields = (("party", "report"), ("claimed_start", "claimed_end"), "stated_as", "notes")


@admin.register(Ceasefire)
class CeasefireAdmin(ServiceAdmin):
    list_display = ("name", "starts_at", "ends_at", "ceasefire_type", "purpose", "scope", "zone")
    list_filter = ("ceasefire_type", "purpose")
    search_fields = ("name", "terms", "scope__name", "zone__name", "parties__name")
    list_select_related = ("scope", "zone")
    autocomplete_fields = ("scope", "zone", "supersedes")
    date_hierarchy = "starts_at"
    inlines = [CeasefirePartyInline, CeasefireStatusInline, DeclarationInline]
    writes = ceasefires.CEASEFIRES

    def change_view(self, request, object_id, form_url="", extra_context=None):
        ceasefire = (
            Ceasefire.objects.select_related("verdict_recompute").filter(pk=object_id).first()
            if str(object_id).isdigit()
            else None
        )
        if ceasefire is not None:
            extra_context = {**(extra_context or {}), **self._compliance_context(ceasefire)}
            pending = extra_context["compliance"]["verdicts_pending_since"]
            if pending is not None and request.method == "GET":
                self.message_user(
                    request,
                    f"Its verdicts are being recomputed after a change (since {pending:%Y-%m-%d %H:%M:%S} UTC): "
                    "the verdicts and the chart below are those from before it.",
                    messages.WARNING,
                )
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _compliance_context(ceasefire) -> dict:
        summary = compliance(ceasefire, days=COMPLIANCE_DAYS, basis=Basis(starts_at=ceasefire.starts_at))
        declared = []
        for declaration in ceasefire.declarations.select_related("party", "report").exclude(claimed_start=None):
            totals = compliance(
                ceasefire, days=COMPLIANCE_DAYS, basis=Basis(starts_at=declaration.claimed_start, declaration=declaration)
            )["totals"]
            declared.append(
                {
                    "party": declaration.party,
                    "starts_at": declaration.claimed_start,
                    "report": declaration.report,
                    **totals["by_verdict"],
                }
            )
        return {
            "compliance": summary,
            "compliance_svg": compliance_svg(summary["series"]),
            "declared_svg": declared_starts_svg(ceasefire.starts_at, declared, zone=summary["timezone"]) if declared else "",
            "declared": declared,
            "violations_admin_url": f"{reverse('admin:tracker_incident_changelist')}?assessments__ceasefire__id__exact={ceasefire.pk}&assessments__verdict=violation",
            "violations_api_url": reverse("tracker-api:ceasefire-violations", args=[ceasefire.pk]),
            "compliance_api_url": f"{reverse('tracker-api:ceasefire-compliance', args=[ceasefire.pk])}?days={COMPLIANCE_DAYS}",
        }


@admin.register(Declaration)
class DeclarationAdmin(ServiceAdmin):
    list_display = ("party", "ceasefire", "claimed_start", "claimed_end", "report")
    list_filter = ("ceasefire",)
    search_fields = ("party__name", "ceasefire__name", "stated_as", "report__title")
    list_select_related = ("party", "ceasefire", "report")
    autocomplete_fields = ("party", "ceasefire", "report")
    writes = ceasefires.DECLARATIONS
