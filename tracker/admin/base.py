"""Admin plumbing: saves and deletes from the admin go through the service layer."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import ProtectedError

from tracker.services import common

AUDIT_READONLY = ("version", "created_at", "created_by", "updated_at", "updated_by")


def form_data(form, obj) -> dict:
    """The model fields a form edited, as service input."""
    names = {f.name for f in obj._meta.concrete_fields}
    return {name: value for name, value in form.cleaned_data.items() if name in names}


class ServiceAdmin(admin.ModelAdmin):
    """ModelAdmin whose saves call `create_service`/`update_service`/`delete_service`
    (keyword `instance_kwarg` names the instance). Inline rows are validated and saved by the
    shared service mechanics, so they are audited the same way."""

    create_service = update_service = delete_service = None
    instance_kwarg = "instance"
    list_per_page = 50

    def get_readonly_fields(self, request, obj=None):
        fields = [f for f in AUDIT_READONLY if hasattr(self.model, f)]
        return (*super().get_readonly_fields(request, obj), *fields)

    def save_model(self, request, obj, form, change):
        data = form_data(form, obj)
        if change:
            current = type(obj)._default_manager.get(pk=obj.pk)
            changed = {k: v for k, v in data.items() if k in form.changed_data}
            saved = self.update_service(**{self.instance_kwarg: current}, data=changed, user=request.user)
        else:
            saved = self.create_service(data=data, user=request.user)
        obj.pk, obj._state.adding = saved.pk, False
        obj.version = getattr(saved, "version", None)

    def save_formset(self, request, form, formset, change):
        for child in formset.save(commit=False):
            common.save_validated(child, user=request.user)
        for child in formset.deleted_objects:
            common.delete(child, user=request.user)
        formset.save_m2m()

    def delete_model(self, request, obj):
        self.delete_service(**{self.instance_kwarg: obj}, user=request.user)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_service(**{self.instance_kwarg: obj}, user=request.user)

    def run_service(self, request, func, objects, success: str) -> None:
        """Apply `func(obj)` to each object; report successes and each refusal to the user."""
        done = 0
        for obj in objects:
            try:
                func(obj)
                done += 1
            except (ValidationError, PermissionDenied, ProtectedError) as exc:
                text = "; ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                self.message_user(request, f"{obj}: {text}", messages.ERROR)
        if done:
            self.message_user(request, success.format(count=done), messages.SUCCESS)
