"""Admin for ceasefires, with their parties' roles and declarations inline."""

from django.contrib import admin

from tracker.admin.base import ServiceAdmin
from tracker.models import Ceasefire, CeasefireParty, Declaration
from tracker.services import ceasefires


class CeasefirePartyInline(admin.TabularInline):
    model = CeasefireParty
    extra = 1
    autocomplete_fields = ("party",)


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
    inlines = [CeasefirePartyInline, DeclarationInline]
    create_service = staticmethod(ceasefires.ceasefire_create)
    update_service = staticmethod(ceasefires.ceasefire_update)
    delete_service = staticmethod(ceasefires.ceasefire_delete)
    instance_kwarg = "ceasefire"


@admin.register(Declaration)
class DeclarationAdmin(ServiceAdmin):
    list_display = ("party", "ceasefire", "claimed_start", "claimed_end", "report")
    list_filter = ("ceasefire",)
    search_fields = ("party__name", "ceasefire__name", "stated_as", "report__title")
    list_select_related = ("party", "ceasefire", "report")
    autocomplete_fields = ("party", "ceasefire", "report")
    create_service = staticmethod(ceasefires.declaration_create)
    update_service = staticmethod(ceasefires.declaration_update)
    delete_service = staticmethod(ceasefires.declaration_delete)
    instance_kwarg = "declaration"
