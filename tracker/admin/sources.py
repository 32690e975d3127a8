"""Admin for sources and reports."""

from django.contrib import admin

from tracker.admin.base import ServiceAdmin
from tracker.models import Report, Source
from tracker.services import sources


@admin.register(Source)
class SourceAdmin(ServiceAdmin):
    list_display = ("name", "kind", "reliability", "country_code", "affiliated_party")
    list_filter = ("kind", "reliability", "country_code")
    search_fields = ("name", "description", "affiliated_party__name")
    list_select_related = ("affiliated_party",)
    autocomplete_fields = ("affiliated_party",)
    create_service = staticmethod(sources.source_create)
    update_service = staticmethod(sources.source_update)
    delete_service = staticmethod(sources.source_delete)
    instance_kwarg = "source"


@admin.register(Report)
class ReportAdmin(ServiceAdmin):
    list_display = ("title", "source", "wire_source", "published_at", "language")
    list_filter = ("language", "source__kind", "source")
    search_fields = ("title", "url", "summary", "source__name", "wire_source__name", "author")
    list_select_related = ("source", "wire_source")
    autocomplete_fields = ("source", "wire_source", "syndicated_from")
    date_hierarchy = "published_at"
    create_service = staticmethod(sources.report_create)
    update_service = staticmethod(sources.report_update)
    delete_service = staticmethod(sources.report_delete)
    instance_kwarg = "report"
