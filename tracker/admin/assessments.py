"""Admin for verdicts: read the computed part, and (reviewers) override it with a reason."""

from django import forms
from django.contrib import admin

from tracker import history
from tracker.admin.base import LabelledTabularInline, ServiceAdmin, VersionedModelForm
from tracker.models import Assessment
from tracker.services import assessments
from tracker.services.assessments import REVIEW_PERMISSION

COMPUTED = (
    "ceasefire",
    "verdict",
    "reasons",
    "time_overlap",
    "place_overlap",
    "commitment_summary",
    "computed_at",
    "override_by",
    "override_at",
    "override_stale",
)


class InlineOverrideForm(forms.ModelForm):
    """An override row under an incident (the incident form carries the version check)."""

    class Meta:
        model = Assessment
        fields = ("override_verdict", "override_reason")

    def clean(self):
        data = super().clean()
        if data.get("override_verdict") and not (data.get("override_reason") or "").strip():
            self.add_error("override_reason", "An override needs a reason.")
        return data


class OverrideForm(VersionedModelForm, InlineOverrideForm):
    """The assessment's own page: the override plus the version it was opened at."""


def save_override(assessment: Assessment, user, expected_version=None) -> None:
    """Route an edited override through the service (author, time, staleness reset)."""
    current = Assessment.objects.get(pk=assessment.pk)
    if assessment.override_verdict:
        if (assessment.override_verdict, assessment.override_reason) != (current.override_verdict, current.override_reason):
            assessments.assessment_override(
                assessment=current,
                verdict=assessment.override_verdict,
                reason=assessment.override_reason,
                user=user,
                expected_version=expected_version,
            )
    elif current.override_verdict:
        assessments.assessment_override_clear(assessment=current, user=user, expected_version=expected_version)


class AssessmentInline(LabelledTabularInline):
    model = Assessment
    form = InlineOverrideForm
    extra = 0
    can_delete = False
    fields = (*COMPUTED[:7], "override_verdict", "override_reason", "override_by", "override_stale")
    readonly_fields = COMPUTED

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("ceasefire", "bound_as", "override_by")

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)


@admin.register(Assessment)
class AssessmentAdmin(ServiceAdmin):
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
    fields = ("incident", *COMPUTED[:7], "override_verdict", "override_reason", "override_by", "override_at", "override_stale")

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(REVIEW_PERMISSION)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        history.bind(reason=form.cleaned_data.get("change_reason", ""))
        save_override(obj, request.user, expected_version=[form.cleaned_data["based_on_version"]])
