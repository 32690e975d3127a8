"""The trash in the admin: deleted incidents, citations, reports and places, with restore
(whoever may delete) and purge (reviewers) actions. Writes go through the services on the
concrete model, so history is recorded as for any other change."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from tracker.admin.base import RunServiceMixin
from tracker.models import TrashedCitation, TrashedIncident, TrashedPlace, TrashedReport
from tracker.services import common, incidents


class TrashAdmin(RunServiceMixin, admin.ModelAdmin):
    """A read-only list of one model's trash with restore and purge actions."""

    #: The model's service functions; only `restore_instance` is used here (common.restore by default).
    writes = common.Writes(common.create, common.update, common.delete, instance_kwarg="instance")
    list_display = ("__str__", "deleted_at", "deleted_by", "version", "history_link")
    list_select_related = ("deleted_by",)
    ordering = ("-deleted_at", "-pk")
    date_hierarchy = "deleted_at"
    actions = ["restore", "purge"]

    @property
    def concrete(self):
        return self.model._meta.concrete_model

    def _perm(self, action: str) -> str:
        return f"{self.concrete._meta.app_label}.{action}_{self.concrete._meta.model_name}"

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(self._perm("delete"))

    def has_module_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # the default delete action would bypass the trash rules; purge instead

    def has_restore_permission(self, request) -> bool:
        return self.has_view_permission(request)

    def has_purge_permission(self, request) -> bool:
        return request.user.has_perm(common.purge_permission(self.concrete))

    @admin.display(description="History")
    def history_link(self, obj):
        url = reverse(f"admin:{self.concrete._meta.app_label}_{self.concrete._meta.model_name}_history", args=[obj.pk])
        return format_html('<a href="{}">history</a>', url)

    def _concrete(self, queryset):
        # Services work on the concrete model: history signals are registered for it.
        return self.concrete.trashed.filter(pk__in=queryset.values("pk"))

    @admin.action(description="Restore selected records (with what was deleted along with them)", permissions=["restore"])
    def restore(self, request, queryset):
        self.run_service(request, self.writes.restore_instance, self._concrete(queryset), "{count} record(s) restored.")

    @admin.action(description="Purge selected records for good (their history stays)", permissions=["purge"])
    def purge(self, request, queryset):
        self.run_service(request, common.purge, self._concrete(queryset), "{count} record(s) purged.")


@admin.register(TrashedIncident)
class TrashedIncidentAdmin(TrashAdmin):
    writes = incidents.INCIDENTS
    list_display = ("title", "occurred_at", "place", "status", "deleted_at", "deleted_by", "version", "history_link")
    list_select_related = ("place", "deleted_by")
    search_fields = ("title", "description", "place__name")


@admin.register(TrashedCitation)
class TrashedCitationAdmin(TrashAdmin):
    list_display = ("incident", "report", "claimant", "deleted_at", "deleted_by", "version", "history_link")
    list_select_related = ("incident", "report", "claimant", "deleted_by")
    search_fields = ("incident__title", "report__title")


@admin.register(TrashedReport)
class TrashedReportAdmin(TrashAdmin):
    list_display = ("title", "source", "published_at", "deleted_at", "deleted_by", "version", "history_link")
    list_select_related = ("source", "deleted_by")
    search_fields = ("title", "url", "source__name")


@admin.register(TrashedPlace)
class TrashedPlaceAdmin(TrashAdmin):
    list_display = ("name", "kind", "parent", "deleted_at", "deleted_by", "version", "history_link")
    list_select_related = ("parent", "deleted_by")
    search_fields = ("name", "alternate_names__name")
