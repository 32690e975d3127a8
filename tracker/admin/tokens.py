"""Admin for API tokens: see and revoke them. Issue with `manage.py issue_token` (the key is
shown once there and never stored)."""

from django.contrib import admin

from tracker.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("prefix", "user", "name", "read_only", "created_at", "expires_at", "last_used_at")
    list_filter = ("read_only",)
    search_fields = ("prefix", "user__username", "name")
    list_select_related = ("user",)
    readonly_fields = ("user", "prefix", "created_at", "last_used_at")
    fields = ("user", "prefix", "name", "read_only", "expires_at", "created_at", "last_used_at")

    def has_add_permission(self, request) -> bool:
        return False
