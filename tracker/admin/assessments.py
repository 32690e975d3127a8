"""Admin for verdicts: read the computed part, and (reviewers) override it with a reason."""

from django import forms
from django.contrib import admin

from tracker.models import Assessment
from tracker.services import assessments
from tracker.services.assessments import REVIEW_PERMISSION

COMPUTED = (
    "ceasefire",
    "verdict",
    "reasons",
    "time_overlap",
    "place_overlap",
    "computed_at",
    "override_by",
    "override_at",
    "override_stale",
)


class OverrideForm(forms.ModelForm):
    class Meta:
        model = Assessment
        fields = ("override_verdict", "override_reason")

    def clean(self):
        data = super().clean()
        if data.get("override_verdict") and not (data.get("override_reason") or "").strip():
            self.add_error("override_reason", "An override needs a reason.")
        return data


def save_override(assessment: Assessment, user) -> None:
    """Route an edited override through the service (author, time, staleness reset)."""
    current = Assessment.objects.get(pk=assessment.pk)
    if assessment.override_verdict:
        if (assessment.override_verdict, assessment.override_reason) != (current.override_verdict, current.override_reason):
            assessments.assessment_override(
                assessment=current, verdict=assessment.override_verdict, reason=assessment.override_reason, user=user
            )
    elif current.override_verdict:
        assessments.assessment_override_clear(assessment=current, user=user)


class AssessmentInline(admin.TabularInline):
    model = Assessment
    form = OverrideForm
    extra = 0
    can_delete = False
    fields = (*COMPUTED[:6], "override_verdict", "override_reason", "override_by", "override_stale")
    readonly_fields = COMPUTED

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    form = OverrideForm
    list_display = (
        "incident",
        "ceasefire",
        "verdict",
        "override_verdict",
        "override_stale",
        "time_overlap",
        "place_overlap",
        "computed_at",
    )
    list_filter = ("verdict", "override_verdict", "override_stale", "ceasefire")
    search_fields = ("incident__title", "ceasefire__name", "override_reason")
    list_select_related = ("incident", "ceasefire")
    readonly_fields = ("incident", *COMPUTED)
    fields = ("incident", *COMPUTED[:6], "override_verdict", "override_reason", "override_by", "override_at", "override_stale")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

    def save_model(self, request, obj, form, change):
        save_override(obj, request.user)
