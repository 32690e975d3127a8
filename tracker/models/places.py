"""The gazetteer: places in an administrative hierarchy, with coordinates, optional area
geometry and every spelling under which reports name them."""

from django.db import models

from tracker.choices import PlaceKind
from tracker.history import TrackerHistory
from tracker.models.base import (
    NameKeyMixin,
    OtherName,
    SoftDeletable,
    TrackedModel,
    coordinate_checks,
    optional_link,
    unique,
)
from tracker.models.hierarchy import HierarchyMixin
from tracker.validators import validate_country_code, validate_geojson_geometry, validate_timezone


class Place(NameKeyMixin, HierarchyMixin, SoftDeletable, TrackedModel):
    """A named place: a country, governorate, town, site, or a zone/corridor drawn for a
    ceasefire. `geometry` (GeoJSON, WGS 84 lon/lat) describes areas; `latitude`/`longitude`
    is its representative point."""

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=32, choices=PlaceKind.choices)
    parent = optional_link("self", related_name="children", help_text="The administrative unit containing this place.")
    country_code = models.CharField(max_length=2, blank=True, validators=[validate_country_code])
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    geometry = models.JSONField(
        null=True,
        blank=True,
        validators=[validate_geojson_geometry],
        help_text="GeoJSON geometry (lon/lat) for areas: zones, corridors, districts.",
    )
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_timezone],
        help_text="IANA zone of local time here, e.g. Asia/Damascus. Empty: inherit from the parent.",
    )
    description = models.TextField(blank=True)

    history = TrackerHistory()

    class Meta(SoftDeletable.Meta):
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["country_code", "kind"], name="place_country_kind_idx")]
        constraints = [
            *coordinate_checks("place"),
            # A district, a sub-district and a town often share one name under one parent (UCDP's
            # Damascus city in Damascus district; ACLED's Esenyurt in Istanbul > Esenyurt): only a
            # second place of the same kind and name under one parent is a duplicate.
            unique(
                "place_name_kind_parent_unique",
                ["parent", "kind", "name"],
                "A place of this kind with this name already exists under the same parent.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.clean_parent()
        if self.parent_id and not self.country_code:
            # A town inherits its country from the hierarchy so that country filters find it.
            self.country_code = self.parent.country_code

    def local_timezone(self) -> str:
        """This place's IANA zone, or the nearest ancestor's; UTC when none is known."""
        if self.timezone:
            return self.timezone
        for ancestor in self.ancestors():
            if ancestor.timezone:
                return ancestor.timezone
        return "UTC"


class PlaceName(OtherName):
    """An alternate name or spelling of a place (Maarat al-Numan, Ma'arrat al-Nu'man)."""

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="alternate_names")
    language = models.CharField(max_length=16, blank=True, help_text="BCP 47 tag, e.g. en, ar, ar-Latn.")

    history = TrackerHistory()

    class Meta(OtherName.Meta):
        verbose_name = "alternate name"
        constraints = [unique("placename_unique", ["place", "name"], "This place already has that name.")]
