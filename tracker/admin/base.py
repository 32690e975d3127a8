"""Admin plumbing: saves and deletes from the admin go through the service layer; change forms
carry the version they were opened at (a stale save is refused with a link to the newer
version); every page has a history with diffs and revert (django-simple-history)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import ProtectedError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from tracker import history
from tracker.models.base import TrackedModel
from tracker.services import common
from tracker.services.common import VersionConflict, Writes
from tracker.validators import check_json_depth, json_depth_error

AUDIT_READONLY = ("version", "created_at", "created_by", "updated_at", "updated_by")
VERSION_FIELDS = ("change_reason", "based_on_version")


def form_data(form, obj) -> dict:
    """The model fields a form edited, as service input."""
    names = {f.name for f in obj._meta.concrete_fields}
    return {name: value for name, value in form.cleaned_data.items() if name in names}


def history_url(obj) -> str:
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_history", args=[obj.pk])


def conflict_message(obj, current_version, opened_version):
    """What a curator sees when someone saved the record after they opened it."""
    model = type(obj)
    latest = model.history.filter(id=obj.pk).select_related("history_user").first()
    who = f" by {latest.history_user}" if latest is not None and latest.history_user else ""
    change_url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    return format_html(
        "This {} was changed{} after you opened it (it is now at version {}; your form was opened at version {}). "
        'Nothing was saved. <a href="{}" target="_blank">Open the newer version</a> in a new tab '
        '(<a href="{}" target="_blank">see what changed</a>) and apply your edits to it.',
        obj._meta.verbose_name,
        who,
        current_version,
        opened_version,
        change_url,
        history_url(obj),
    )


class VersionFields(forms.Form):
    """Mixed into every change form: the version it was opened at, and an optional reason."""

    change_reason = forms.CharField(
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Why you make this change (kept in the history).",
    )
    based_on_version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk and isinstance(instance, TrackedModel):
            # From the database, not the instance: a revert form's instance is a past version.
            self.fields["based_on_version"].initial = self._current_version()

    def _current_version(self):
        model = type(self.instance)
        return model._base_manager.filter(pk=self.instance.pk).values_list("version", flat=True).first()

    def clean(self):
        data = super().clean()
        if self.instance.pk and isinstance(self.instance, TrackedModel):
            opened, current = data.get("based_on_version"), self._current_version()
            if opened != current:
                raise ValidationError(conflict_message(self.instance, current, opened), code="version_conflict")
        return data


class DepthLimitedJSONFormField(forms.JSONField):
    """The admin's JSON boxes (a place's geometry): JSON nested too deep is a form error, never
    a RecursionError (tracker.validators.MAX_JSON_DEPTH)."""

    def to_python(self, value):
        try:
            parsed = super().to_python(value)
        except RecursionError:
            raise json_depth_error() from None
        check_json_depth(parsed)
        return parsed

    def bound_data(self, data, initial):
        # Re-displaying the submitted text parses it too.
        try:
            return super().bound_data(data, initial)
        except RecursionError:
            return forms.fields.InvalidJSONInput(data)


class VersionedModelForm(VersionFields, forms.ModelForm):
    """The base form of every ServiceAdmin (custom admin forms subclass it)."""


class RunServiceMixin:
    """Admin actions that call a service per selected object and report each refusal."""

    def run_service(self, request, func, objects, success: str) -> None:
        """Apply `func(obj, user=request.user)` to each object; report successes and each
        refusal to the user."""
        done = 0
        for obj in objects:
            try:
                func(obj, user=request.user)
                done += 1
            except (ValidationError, PermissionDenied, ProtectedError, VersionConflict) as exc:
                text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{obj}: {text}", messages.ERROR)
        if done:
            self.message_user(request, success.format(count=done), messages.SUCCESS)


class TransliterationSearchMixin:
    """The search box also finds places under any transliteration of the term (Ma'arrat
    an-Nu'man finds Maaret al-Numan): the resolver's key match (tracker.selectors.places).
    `place_path` leads from the admin's model to the place ("" for places)."""

    place_path = ""

    def get_search_results(self, request, queryset, search_term):
        from tracker.selectors.places import key_match_q

        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            results = results | queryset.filter(key_match_q(search_term, self.place_path))
            may_have_duplicates = True  # alternate names join several rows per place
        return results, may_have_duplicates


class ServiceAdmin(RunServiceMixin, SimpleHistoryAdmin):
    """ModelAdmin whose saves call the model's service functions (`writes`, declared by its
    service module). Inline rows are validated and saved by the shared service mechanics, so
    they are audited the same way."""

    writes: Writes
    list_per_page = 50
    formfield_overrides = {models.JSONField: {"form_class": DepthLimitedJSONFormField}}

    class Media:
        # Names for the autocomplete fields (select2); underlined breadcrumb links.
        js = ["tracker/admin/a11y.js"]
        css = {"all": ["tracker/admin/a11y.css"]}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        # The date and time boxes of a split date-time field have no label of their own.
        for widget, part in zip(getattr(field and field.widget, "widgets", ()), ("date", "time (UTC)"), strict=False):
            widget.attrs.setdefault("aria-label", f"{capfirst(str(field.label))}: {part}")
        return field

    history_list_display = ["channel", "version"]
    form = VersionedModelForm

    def channel(self, record) -> str:
        """History column: admin, api, import, command or system."""
        return record.get_history_channel_display()

    def get_readonly_fields(self, request, obj=None):
        fields = [f for f in AUDIT_READONLY if hasattr(self.model, f)]
        return (*super().get_readonly_fields(request, obj), *fields)

    def get_fieldsets(self, request, obj=None):
        fieldsets = [
            (name, {**options, "fields": [f for f in options["fields"] if f not in VERSION_FIELDS]})
            for name, options in super().get_fieldsets(request, obj)
        ]
        extra = ["change_reason", "based_on_version"] if obj is not None else ["change_reason"]
        return [*fieldsets, ("Change", {"fields": extra})]

    def save_model(self, request, obj, form, change):
        history.bind(reason=form.cleaned_data.get("change_reason", ""))
        data = form_data(form, obj)
        if change:
            current = type(obj)._default_manager.get(pk=obj.pk)
            # A revert submits a past version whole; a normal save sends what was edited.
            if not getattr(request, "_tracker_revert", False):
                data = {k: v for k, v in data.items() if k in form.changed_data}
            expected = [form.cleaned_data["based_on_version"]] if isinstance(obj, TrackedModel) else None
            saved = self.writes.update_instance(current, data=data, user=request.user, expected_version=expected)
        else:
            saved = self.writes.create(data=data, user=request.user)
        obj.pk, obj._state.adding = saved.pk, False
        obj.version = getattr(saved, "version", None)

    def save_formset(self, request, form, formset, change):
        for child in formset.save(commit=False):
            common.save_validated(child, user=request.user)
        for child in formset.deleted_objects:
            common.delete(child, user=request.user)
        formset.save_m2m()

    def _refuse_conflict(self, request, exc: VersionConflict):
        """Someone saved between the form's check and the write: nothing was written (the
        admin's transaction rolled back); say so and show the current record."""
        self.message_user(request, conflict_message(exc.instance, exc.current_version, exc.expected[0]), messages.ERROR)
        return HttpResponseRedirect(request.path)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # The record and its inlines are one service operation: what derives from them (a
        # ceasefire's verdicts, an incident's provenance) is computed once, from the whole form.
        try:
            with common.operation():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except VersionConflict as exc:
            return self._refuse_conflict(request, exc)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        request._tracker_revert = True
        try:
            with common.operation():
                return super().history_form_view(request, object_id, version_id, extra_context)
        except VersionConflict as exc:
            return self._refuse_conflict(request, exc)

    def delete_model(self, request, obj):
        self.writes.delete_instance(obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.writes.delete_instance(obj, user=request.user)


class LabelledTabularInline(admin.TabularInline):
    """A tabular inline whose inputs are labelled with their column's name (aria-label): Django
    labels them only by the table's header, which screen readers do not tie to a form field."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            field.widget.attrs.setdefault("aria-label", capfirst(str(field.label or db_field.verbose_name)))
        return field
