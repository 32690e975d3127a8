"""Admin for places and parties."""

from django.contrib import admin

from tracker.admin.base import LabelledTabularInline, ServiceAdmin, TransliterationSearchMixin
from tracker.admin.maps import MapFormMixin
from tracker.models import Party, PartyAlias, Place, PlaceName
from tracker.services import gazetteer


class PlaceNameInline(LabelledTabularInline):
    model = PlaceName
    extra = 1
    fields = ("name", "language")


@admin.register(Place)
class PlaceAdmin(MapFormMixin, TransliterationSearchMixin, ServiceAdmin):
    list_display = ("name", "kind", "parent", "country_code", "latitude", "longitude", "has_geometry")
    list_filter = ("kind", "country_code")
    search_fields = ("name", "name_key", "alternate_names__name", "alternate_names__name_key", "parent__name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    inlines = [PlaceNameInline]
    fieldsets = (
        (None, {"fields": ("name", "kind", "parent", "country_code", "timezone", "description")}),
        ("Location", {"fields": ("latitude", "longitude", "geometry")}),
        ("Audit", {"classes": ("collapse",), "fields": ("version", "created_at", "created_by", "updated_at", "updated_by")}),
    )
    writes = gazetteer.PLACES

    @admin.display(boolean=True, description="geometry")
    def has_geometry(self, obj) -> bool:
        return obj.geometry is not None


class PartyAliasInline(LabelledTabularInline):
    model = PartyAlias
    extra = 1
    fields = ("name",)


@admin.register(Party)
class PartyAdmin(ServiceAdmin):
    list_display = ("name", "short_name", "kind", "parent", "country_code")
    list_filter = ("kind", "country_code")
    search_fields = ("name", "short_name", "aliases__name", "parent__name")
    list_select_related = ("parent",)
    autocomplete_fields = ("parent",)
    inlines = [PartyAliasInline]
    writes = gazetteer.PARTIES
