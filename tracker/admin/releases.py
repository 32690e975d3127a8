"""Admin for releases: see what each froze and how to cite it. Made by `manage.py release NAME`
(a copy of the whole public record, not a form's work); never edited or deleted here."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from tracker.models import Release


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "instant", "incidents", "rules_version", "served_at")
    search_fields = ("name", "title")
    fields = ("name", "title", "instant", "rules_version", "rules_parameters", "counts", "checksum", "created_by", "served_at")
    readonly_fields = fields

    @admin.display(description="incidents")
    def incidents(self, release: Release) -> int:
        return release.counts.get("incidents", 0)

    @admin.display(description="served at")
    def served_at(self, release: Release) -> str:
        url = reverse("tracker-api:release-detail", kwargs={"name": release.name})
        return format_html('<a href="{}">{}</a>', url, url)  # escaped: a name is text, never markup

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
