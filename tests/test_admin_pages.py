"""The admin's own pages: the dashboard on the admin home, the maps (point picker, zone editor,
the incident list's map by verdict) and the ceasefire page's time line of declared starts."""

import json
import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    AssessmentFactory,
    CeasefireFactory,
    IncidentFactory,
    PlaceFactory,
    UserFactory,
)
from tests.helpers import external_assets
from tracker.choices import IncidentStatus, Verdict
from tracker.models import Ceasefire, Incident, IncidentProvenance, Place
from tracker.selectors import dashboard

pytestmark = pytest.mark.django_db

INDEX = reverse("admin:index")


@pytest.fixture
def curator(client, roles):
    client.force_login(UserFactory(username="curator", roles=["curator"]))
    return client


def json_script(page: str, element_id: str):
    found = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', page, re.S)
    assert found, f"no #{element_id} in the page"
    return json.loads(found.group(1))


def section(page: str, element_id: str) -> str:
    found = re.search(rf'<section[^>]*id="{element_id}">(.*?)</section>', page, re.S)
    assert found, f"no section #{element_id}"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(1))).strip()


# --- the dashboard ----------------------------------------------------------------------------


def test_the_dashboard_shows_the_fixture_review_queue_oldest_first(curator, assessed):
    Incident.objects.filter(pk=8).update(updated_at=datetime(2020, 3, 1, tzinfo=UTC))  # waiting longest
    # The fixture's entry times are fixed: two entered yesterday, the rest a month ago.
    now = timezone.now()
    Incident.objects.update(created_at=now - timedelta(days=30))
    Incident.objects.filter(pk__in=[3, 9]).update(created_at=now - timedelta(days=1))
    page = curator.get(INDEX).content.decode()
    queue = section(page, "review-queue")
    assert queue.startswith("Review queue (3 waiting)")
    titles = [Incident.objects.get(pk=pk).title for pk in (8, 2, 5)]
    assert [queue.index(t) for t in titles] == sorted(queue.index(t) for t in titles)
    assert "2020-03-01 00:00 UTC" in queue
    recent = section(page, "recent-incidents")
    assert recent.startswith("Entered in the last 7 days (2)")
    assert Incident.objects.get(pk=3).title in recent and Incident.objects.get(pk=9).title in recent
    assert section(page, "stale-overrides") == "Overrides to revisit (0) No override has gone stale."


def test_the_queue_shows_claimants_and_suggested_confidence(curator):
    incident = IncidentFactory(title="Shelling of Sarmin", status=IncidentStatus.IN_REVIEW)
    IncidentProvenance.objects.update_or_create(
        incident=incident, defaults={"independent_claimants": 2, "suggested_confidence": "fair"}
    )
    queue = section(curator.get(INDEX).content.decode(), "review-queue")
    assert re.search(
        r"Shelling of Sarmin \d{4}-\d\d-\d\d \d\d:\d\d UTC 2 Fair \(two or more independent non-party claimants agree\)", queue
    ), queue


def test_violations_this_week_count_effective_verdicts_per_ceasefire_in_force():
    now = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    in_force = CeasefireFactory(name="In force", starts_at=now - timedelta(days=30), ends_at=None)
    ended = CeasefireFactory(name="Ended", starts_at=now - timedelta(days=60), ends_at=now - timedelta(days=1))
    CeasefireFactory(name="Not yet", starts_at=now + timedelta(days=1), ends_at=None)
    this_week = [IncidentFactory(occurred_at=now - timedelta(days=d)) for d in (1, 2, 3)]
    AssessmentFactory(incident=this_week[0], ceasefire=in_force, verdict=Verdict.VIOLATION)
    AssessmentFactory(incident=this_week[1], ceasefire=in_force, verdict=Verdict.VIOLATION,
                      override_verdict=Verdict.POSSIBLE, override_reason="One claimant.")  # fmt: skip
    AssessmentFactory(incident=this_week[2], ceasefire=in_force, verdict=Verdict.NOT_VIOLATION,
                      override_verdict=Verdict.VIOLATION, override_reason="Confirmed.")  # fmt: skip
    AssessmentFactory(incident=IncidentFactory(occurred_at=now - timedelta(days=8)), ceasefire=in_force)  # last week
    AssessmentFactory(incident=this_week[0], ceasefire=ended)
    rows = dashboard.violations_this_week(now=now)
    assert [(r["ceasefire"].name, r["violations"], r["possible"]) for r in rows] == [("In force", 2, 1)]


def test_stale_overrides_are_listed_for_review(curator):
    incident = IncidentFactory(title="Strike on Ariha")
    AssessmentFactory(incident=incident, ceasefire=CeasefireFactory(name="Truce"), verdict=Verdict.NOT_VIOLATION,
                      override_verdict=Verdict.VIOLATION, override_reason="Seen.", override_stale=True)  # fmt: skip
    stale = section(curator.get(INDEX).content.decode(), "stale-overrides")
    assert stale == (
        "Overrides to revisit (1) Strike on Ariha against Truce: overridden to Violation by —; now computed Not a violation"
    )


def test_staff_without_the_incident_view_permission_see_no_dashboard(client, roles):
    client.force_login(UserFactory(username="clerk", is_staff=True))
    page = client.get(INDEX).content.decode()
    assert 'id="tracker-dashboard"' not in page


def test_the_dashboard_costs_the_same_queries_for_a_long_queue(curator):
    # Past the sections' lengths (20 in the queue, 10 recent), each adds one count.
    IncidentFactory.create_batch(21, status=IncidentStatus.IN_REVIEW)
    curator.get(INDEX)  # sessions and permissions cached as in a warm process
    with CaptureQueriesContext(connection) as few:
        curator.get(INDEX)
    IncidentFactory.create_batch(30, status=IncidentStatus.IN_REVIEW)
    with CaptureQueriesContext(connection) as many:
        page = curator.get(INDEX).content.decode()
    assert len(many) == len(few)
    assert section(page, "review-queue").startswith("Review queue (51 waiting)")


# --- maps -------------------------------------------------------------------------------------


def test_place_and_incident_forms_load_leaflet_from_our_static_files(curator, settings):
    settings.TRACKER_MAP_TILES_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    place = PlaceFactory()
    for page_url in (reverse("admin:tracker_place_change", args=[place.pk]), reverse("admin:tracker_incident_add")):
        page = curator.get(page_url).content.decode()
        assert "/static/tracker/vendor/leaflet/leaflet.js" in page
        assert "/static/tracker/admin/maps.js" in page
        assert external_assets(page) == []
        config = json_script(page, "tracker-map-config")
        assert config["tiles_url"] == "https://tiles.example.org/{z}/{x}/{y}.png"
        assert config["center"] == [35.9, 36.6]


def test_without_a_tile_server_the_map_config_says_so(curator, settings):
    settings.TRACKER_MAP_TILES_URL = ""
    page = curator.get(reverse("admin:tracker_place_add")).content.decode()
    assert json_script(page, "tracker-map-config")["tiles_url"] == ""


def test_the_incident_list_map_colours_the_page_by_verdict(curator, assessed):
    january = Ceasefire.objects.get(name="Idlib ceasefire (January 2020)")
    page = curator.get(reverse("admin:tracker_incident_changelist"), {"assessments__ceasefire__id__exact": january.pk})
    points = json_script(page.content.decode(), "tracker-incident-points")
    by_title = {p["title"][:30]: p["verdict"] for p in points}
    expected = {}
    for incident in Incident.objects.filter(assessments__ceasefire=january).select_related("place"):
        assessment = incident.assessments.get(ceasefire=january)
        if incident.place.latitude is not None:
            expected[incident.title[:30]] = assessment.effective_verdict
    assert by_title == expected
    assert sorted(set(by_title.values())) == ["possible", "violation"]
    for point in points:
        place = Incident.objects.get(pk=point["id"]).place
        assert (point["lat"], point["lon"]) == (place.latitude, place.longitude)
        assert point["url"] == reverse("admin:tracker_incident_change", args=[point["id"]])


def test_incidents_with_their_own_point_are_mapped_there_and_without_any_left_off(curator):
    nowhere = PlaceFactory(latitude=None, longitude=None)
    IncidentFactory(title="Exact", latitude=35.61, longitude=36.71, place=PlaceFactory(latitude=35.0, longitude=36.0))
    IncidentFactory(title="Unplaced", place=nowhere)
    page = curator.get(reverse("admin:tracker_incident_changelist")).content.decode()
    points = json_script(page, "tracker-incident-points")
    assert [(p["title"], p["lat"], p["lon"], p["verdict"]) for p in points] == [("Exact", 35.61, 36.71, "none")]
    assert "Map of this page's incidents (1 with coordinates)" in page


def test_the_zone_a_curator_sets_on_a_place_is_saved_as_geojson(curator):
    place = PlaceFactory(name="Zone test", latitude=None, longitude=None)
    zone = {"type": "Polygon", "coordinates": [[[36.5, 35.8], [36.8, 35.8], [36.8, 36.0], [36.5, 35.8]]]}
    form = curator.get(reverse("admin:tracker_place_change", args=[place.pk])).context["adminform"].form
    data = {name: form[name].value() or "" for name in ("name", "kind", "country_code", "timezone", "description")}
    data.update(
        {
            "geometry": json.dumps(zone), "latitude": "35.9", "longitude": "36.65", "based_on_version": place.version,
            "alternate_names-TOTAL_FORMS": "0", "alternate_names-INITIAL_FORMS": "0",
        }
    )  # fmt: skip
    response = curator.post(reverse("admin:tracker_place_change", args=[place.pk]), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    place = Place.objects.get(pk=place.pk)
    assert (place.geometry, place.latitude, place.longitude) == (zone, 35.9, 36.65)


# --- the ceasefire page -----------------------------------------------------------------------


def test_the_ceasefire_page_puts_declared_starts_on_one_time_line(curator, assessed):
    january = Ceasefire.objects.get(name="Idlib ceasefire (January 2020)")
    page = curator.get(reverse("admin:tracker_ceasefire_change", args=[january.pk])).content.decode()
    assert "Declared starts against the curated start" in page
    timeline = page[page.index('aria-labelledby="ds-title ds-desc"') :]
    timeline = timeline[: timeline.index("</svg>")]
    # Labels in the ceasefire's local time (Asia/Damascus, UTC+2 in January 2020), one per
    # party and claimed instant, with its distance from the curated start and its reports.
    labels = re.findall(r">([^<>]+)</text>", timeline)
    assert [label for label in labels if ": 2020" in label] == [
        "Curated start: 2020-01-11 23:01",
        "Russia: 2020-01-09 13:00 (-58.0 h; 2 reports)",
        "Russia: 2020-01-10 01:00 (-46.0 h; 1 report)",
        "Turkey: 2020-01-11 23:01 (+0.0 h; 3 reports)",
    ]
    local_start = january.starts_at.astimezone(ZoneInfo(january.timezone))
    assert f"{local_start:%Y-%m-%d %H:%M}" == "2020-01-11 23:01"  # 21:01 UTC


def test_date_and_time_boxes_and_inline_inputs_have_accessible_names(curator):
    page = curator.get(reverse("admin:tracker_incident_add")).content.decode()
    assert 'aria-label="Occurred at: date"' in page and 'aria-label="Occurred at: time (UTC)"' in page
    place_form = curator.get(reverse("admin:tracker_place_add")).content.decode()
    assert re.search(r'<input[^>]*aria-label="Name"[^>]*id="id_alternate_names-0-name"', place_form)
    assert "/static/tracker/admin/a11y.js" in page and "/static/tracker/admin/a11y.css" in page
