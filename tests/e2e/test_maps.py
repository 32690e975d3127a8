"""The maps' editing tools in a real browser: a zone drawn corner by corner, a zone uploaded as
GeoJSON, the point following typed coordinates, and the keyboard path through the fields."""

import json
import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import save
from tests.factories import PlaceFactory
from tracker.models import Place

pytestmark = pytest.mark.e2e


@pytest.fixture
def place(data):
    return PlaceFactory(name="Saraqib", latitude=None, longitude=None, geometry=None)


def open_place(people, place):
    curator = people("curator")
    page = curator.login("curator")
    page.goto(f"{curator.base_url}/admin/tracker/place/{place.pk}/change/")
    page.locator("#tracker-point-map").scroll_into_view_if_needed()
    return curator, page


def test_a_zone_drawn_corner_by_corner_is_saved_as_a_polygon(people, place):
    curator, page = open_place(people, place)
    page.get_by_role("button", name="Draw a zone").click()
    box = page.locator("#tracker-point-map").bounding_box()
    corners = [(0.3, 0.3), (0.7, 0.3), (0.7, 0.7), (0.3, 0.7)]
    for fx, fy in corners:
        page.mouse.click(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
    assert page.locator(".tracker-map-status").first.inner_text() == "4 corner(s)."
    page.get_by_role("button", name="Finish the zone").click()
    geometry = json.loads(page.input_value("#id_geometry"))
    assert geometry["type"] == "Polygon" and len(geometry["coordinates"][0]) == 5
    # Drawing does not move the point.
    assert page.input_value("#id_latitude") == ""
    assert "does not hold GeoJSON" not in page.content()
    curator.shot(page, "zone-drawn")
    save(page)
    saved = Place.objects.get(pk=place.pk).geometry
    assert saved == geometry
    ring = saved["coordinates"][0]
    assert ring[0] == ring[-1]
    # Corners clockwise on screen from the top left: west/north first, then east.
    (west, north), (east, _), _, (_, south), _ = ring
    assert west < east and south < north


def test_a_zone_uploaded_as_geojson_fills_the_geometry(people, place, tmp_path):
    zone = {"type": "Polygon", "coordinates": [[[36.7, 35.8], [36.8, 35.8], [36.8, 35.9], [36.7, 35.8]]]}
    upload = tmp_path / "saraqib.geojson"
    upload.write_text(
        json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": zone}]})
    )
    curator, page = open_place(people, place)
    page.set_input_files("#tracker-geojson-upload", str(upload))
    # Locator waits, not wait_for_function: that polls with eval, which the CSP refuses.
    expect(page.locator("#id_geometry")).to_have_value(re.compile(r"\S"))
    assert json.loads(page.input_value("#id_geometry")) == zone
    assert "Zone read from saraqib.geojson." in page.locator(".tracker-map-status").first.inner_text()
    page.locator("#tracker-point-map path.leaflet-interactive").first.wait_for()
    curator.shot(page, "zone-uploaded")
    save(page)
    assert Place.objects.get(pk=place.pk).geometry == zone


def test_a_file_without_geometry_is_refused_with_a_message(people, place, tmp_path):
    upload = tmp_path / "notes.json"
    upload.write_text(json.dumps({"hello": "world"}))
    _, page = open_place(people, place)
    before = page.input_value("#id_geometry")
    page.set_input_files("#tracker-geojson-upload", str(upload))
    expect(page.locator(".tracker-map-status").first).to_contain_text("notes.json")
    assert page.locator(".tracker-map-status").first.inner_text() == "notes.json holds no GeoJSON geometry."
    assert page.input_value("#id_geometry") == before


def test_typed_coordinates_move_the_marker_and_the_keyboard_goes_field_to_field(people, place):
    curator, page = open_place(people, place)
    page.focus("#id_latitude")
    page.keyboard.type("35.82")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_longitude"
    page.keyboard.type("36.72")
    marker = page.locator("#tracker-point-map .leaflet-marker-icon")
    marker.wait_for()
    # The marker sits where the numbers say: Leaflet's own projection of the typed point.
    where = page.evaluate(
        """() => { const r = document.querySelector('#tracker-point-map .leaflet-marker-icon').getBoundingClientRect();
                   return [r.left + r.width / 2, r.bottom]; }"""
    )
    box = page.locator("#tracker-point-map").bounding_box()
    assert box["x"] < where[0] < box["x"] + box["width"] and box["y"] < where[1] < box["y"] + box["height"]
    curator.shot(page, "typed-point")
    curator.check_accessibility(page)
    save(page)
    saved = Place.objects.get(pk=place.pk)
    assert (saved.latitude, saved.longitude) == (35.82, 36.72)


def test_a_hostile_title_is_shown_as_text_in_the_list_map(people, data):
    """The hostile review's stored XSS: a title from an ingest token or an imported file, in
    the incident list map's tooltip, ran as HTML in a reviewer's session."""
    from tests.factories import IncidentFactory

    title = 'Zzyzx shelling <img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    IncidentFactory(title=title, status="in_review", place=PlaceFactory(name="Kafr Nabl", latitude=35.61, longitude=36.56))
    curator = people("curator")
    page = curator.login("curator")
    page.goto(f"{curator.base_url}/admin/tracker/incident/?q=Zzyzx")
    page.wait_for_selector("#tracker-incident-map[data-markers='1']")
    page.locator("#tracker-incident-map path.tracker-marker").first.hover()
    tooltip = page.locator(".leaflet-tooltip")
    tooltip.wait_for()
    assert tooltip.inner_text() == f"{title} (no verdict)"
    assert tooltip.locator("img, script").count() == 0
    assert page.evaluate("window.__pwned") is None
    curator.shot(page, "hostile-title")
    assert page.js_errors == []


def assert_borders_drawn(page, box: str):
    page.wait_for_selector(f"{box}[data-borders='drawn']")
    # Country borders (Natural Earth via world-atlas), served by the tracker itself: one long path
    # under the markers, which a curator sees in the viewport around Idlib (the Turkish border).
    path = page.locator(f"{box} .leaflet-tracker-borders-pane path")
    assert path.count() == 1
    # Leaflet draws only what is in view ("M0 0" when nothing is): here, lines of many segments.
    assert path.get_attribute("d").count("L") > 20
    drawn = path.bounding_box()
    view = page.locator(box).bounding_box()
    assert drawn["x"] < view["x"] + view["width"] and drawn["y"] < view["y"] + view["height"]
    assert page.evaluate(f"getComputedStyle(document.querySelector('{box} .leaflet-tracker-borders-pane')).zIndex") == "250"
    # And Syria's governorates (Natural Earth admin-1, ISO 3166 numeric 760), dashed, under them.
    page.wait_for_selector(f"{box}[data-admin1~='760']")
    units = page.locator(f"{box} .leaflet-tracker-admin1-pane path")
    assert units.count() >= 1
    assert sum(units.nth(i).get_attribute("d").count("L") for i in range(units.count())) > 20
    assert page.evaluate(f"getComputedStyle(document.querySelector('{box} .leaflet-tracker-admin1-pane')).zIndex") == "240"


def test_borders_are_drawn_when_the_tiles_fail(people, place):
    """The data fixture names a tile server that never answers (tiles.invalid)."""
    curator, page = open_place(people, place)
    page.wait_for_selector("#tracker-point-map[data-tiles='unavailable']")
    assert_borders_drawn(page, "#tracker-point-map")
    assert "country borders and markers are shown" in page.locator(".tracker-map-status").first.inner_text()
    curator.shot(page, "borders-without-tiles")
    assert page.js_errors == []


def test_borders_are_drawn_with_no_tile_server_configured(people, data, settings):
    settings.TRACKER_MAP_TILES_URL = ""  # the default: no tile server at all
    from tests.factories import IncidentFactory

    # Kafr Nabl and Gaziantep: the map fits both, the Syrian-Turkish border between them.
    IncidentFactory(title="Zzyzx border check", status="in_review", place=PlaceFactory(latitude=35.61, longitude=36.56))
    IncidentFactory(title="Zzyzx over the border", status="in_review", place=PlaceFactory(latitude=37.06, longitude=37.38))
    curator = people("curator")
    page = curator.login("curator")
    page.goto(f"{curator.base_url}/admin/tracker/incident/?q=Zzyzx")
    page.wait_for_selector("#tracker-incident-map[data-tiles='off']")
    assert_borders_drawn(page, "#tracker-incident-map")
    # Markers stay above the borders: the marker is still what the pointer reaches.
    page.locator("#tracker-incident-map path.tracker-marker").first.hover()
    page.locator(".leaflet-tooltip").wait_for()
    assert page.js_errors == []
