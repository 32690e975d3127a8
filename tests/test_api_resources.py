"""Create, read, update and delete through the API: what a client sends and gets back."""

import json

import pytest

from tests.factories import (
    CeasefireFactory,
    CitationFactory,
    IncidentFactory,
    PartyFactory,
    PlaceFactory,
    PlaceNameFactory,
    ReportFactory,
    SourceFactory,
)
from tests.helpers import if_match
from tracker.models import Ceasefire, Incident, Party, Place

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(client_for):
    return client_for("reviewer")


def test_incident_round_trip_with_offsets_and_brief_nesting(reviewer):
    place = PlaceFactory(name="Saraqib", latitude=35.86, longitude=36.8)
    russia = PartyFactory(name="Russian Aerospace Forces")
    payload = {
        "title": "Airstrike on Saraqib market",
        "kind": "airstrike",
        "occurred_at": "2020-01-15T10:30:00+02:00",
        "time_precision": "minute",
        "place": place.pk,
        "perpetrator": russia.pk,
        "attribution": "alleged",
        "killed_low": 3,
        "killed_high": 5,
        "status": "in_review",
    }
    created = reviewer.post("/api/v1/incidents/", payload, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["occurred_at"] == "2020-01-15T08:30:00Z"  # stored and served in UTC
    assert body["place"] == {"id": place.pk, "name": "Saraqib", "latitude": 35.86, "longitude": 36.8}
    assert body["perpetrator"] == {"id": russia.pk, "name": "Russian Aerospace Forces"}
    assert (body["version"], body["citation_ids"], body["report_ids"]) == (1, [], [])
    incident = Incident.objects.get(pk=body["id"])
    assert incident.created_by == reviewer.user and incident.updated_by == reviewer.user

    updated = reviewer.patch(f"/api/v1/incidents/{incident.pk}/", {"killed_high": 6}, format="json", HTTP_IF_MATCH='"1"')
    assert (updated.status_code, updated.json()["killed_high"], updated.json()["version"]) == (200, 6, 2)

    fetched = reviewer.get(f"/api/v1/incidents/{incident.pk}/").json()
    assert fetched == updated.json()


def test_incident_lists_its_citations_and_reports(api):
    incident = IncidentFactory()
    first, second = CitationFactory(incident=incident), CitationFactory(incident=incident)
    third = CitationFactory(incident=incident, report=first.report, claimant=SourceFactory())
    body = api.get(f"/api/v1/incidents/{incident.pk}/").json()
    assert body["citation_ids"] == [first.pk, second.pk, third.pk]
    assert body["report_ids"] == sorted([first.report_id, second.report_id])


def test_place_alternate_names_are_replaced_as_a_list(reviewer):
    place = PlaceFactory(name="Maaret al-Numan")
    PlaceNameFactory(place=place, name="Maarat al-Numan")
    PlaceNameFactory(place=place, name="Typo")
    response = reviewer.patch(
        f"/api/v1/places/{place.pk}/",
        {
            "alternate_names": [
                {"name": "Maarat al-Numan", "language": "en"},
                {"name": "Ma'arrat al-Nu'man", "language": "ar-Latn"},
            ]
        },
        format="json",
        **if_match(place),
    )
    assert response.status_code == 200, response.content
    assert response.json()["alternate_names"] == [
        {"name": "Ma'arrat al-Nu'man", "language": "ar-Latn"},
        {"name": "Maarat al-Numan", "language": "en"},
    ]
    assert sorted(place.alternate_names.values_list("name", flat=True)) == ["Ma'arrat al-Nu'man", "Maarat al-Numan"]


def test_party_aliases_and_parent(reviewer):
    russia = PartyFactory(name="Russia", kind="state")
    response = reviewer.post(
        "/api/v1/parties/",
        {"name": "Russian Aerospace Forces", "kind": "armed_forces", "parent": russia.pk, "aliases": ["VKS", "Russian jets"]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["parent"] == {"id": russia.pk, "name": "Russia"}
    assert response.json()["aliases"] == ["Russian jets", "VKS"]


def test_ceasefire_with_parties_and_declarations(reviewer):
    scope = PlaceFactory(kind="governorate", name="Idlib Governorate")
    russia, turkey = PartyFactory(name="Russia"), PartyFactory(name="Turkey")
    syria = PartyFactory(name="Syrian government")
    response = reviewer.post(
        "/api/v1/ceasefires/",
        {
            "name": "Idlib truce",
            "scope": scope.pk,
            "starts_at": "2020-01-12T00:01:00+03:00",
            "type": "bilateral",
            "purpose": "humanitarian",
            "parties": [
                {"party": russia.pk, "role": "signatory", "starts_at": "2020-01-09T14:00:00+03:00"},
                {"party": syria.pk, "role": "bound", "committed_by": russia.pk},
                {"party": turkey.pk, "role": "guarantor"},
            ],
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["starts_at"] == "2020-01-11T21:01:00Z"
    assert body["parties"] == [
        {
            "party": {"id": russia.pk, "name": "Russia"},
            "role": "signatory",
            "committed_by": None,
            "starts_at": "2020-01-09T11:00:00Z",
            "ends_at": None,
            **NO_UNDERTAKING,
        },
        {
            "party": {"id": syria.pk, "name": "Syrian government"},
            "role": "bound",
            "committed_by": {"id": russia.pk, "name": "Russia"},
            "starts_at": None,
            "ends_at": None,
            **NO_UNDERTAKING,
        },
        {
            "party": {"id": turkey.pk, "name": "Turkey"},
            "role": "guarantor",
            "committed_by": None,
            "starts_at": None,
            "ends_at": None,
            **NO_UNDERTAKING,
        },
    ]
    assert body["declarations"] == [] and body["lifecycle"] == []
    corridor = PlaceFactory(kind="corridor", name="M4 corridor")
    changed = reviewer.patch(
        f"/api/v1/ceasefires/{body['id']}/",
        {
            "parties": [
                {
                    "party": turkey.pk,
                    "role": "signatory",
                    "undertaking": "No shelling in the corridor",
                    "barred_kinds": ["artillery_shelling", "rocket_attack"],
                    "area": corridor.pk,
                }
            ],
            "lifecycle": [
                {"status": "in_force", "effective_at": "2020-01-12T00:01:00+03:00"},
                {"status": "collapsed", "effective_at": "2020-01-16T00:00:00+03:00", "notes": "Offensive resumed"},
            ],
        },
        format="json",
        HTTP_IF_MATCH=f'"{body["version"]}"',
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["parties"] == [
        {
            "party": {"id": turkey.pk, "name": "Turkey"},
            "role": "signatory",
            "committed_by": None,
            "starts_at": None,
            "ends_at": None,
            "undertaking": "No shelling in the corridor",
            "barred_kinds": ["artillery_shelling", "rocket_attack"],
            "area": {"id": corridor.pk, "name": "M4 corridor", "latitude": corridor.latitude, "longitude": corridor.longitude},
        }
    ]
    assert changed.json()["lifecycle"] == [
        {"status": "in_force", "effective_at": "2020-01-11T21:01:00Z", "report": None, "notes": ""},
        {"status": "collapsed", "effective_at": "2020-01-15T21:00:00Z", "report": None, "notes": "Offensive resumed"},
    ]


NO_UNDERTAKING = {"undertaking": "", "barred_kinds": [], "area": None}


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"parties": [{"party": 0, "role": "bound", "barred_kinds": ["picnic"]}]}, "barred_kinds"),
        ({"parties": [{"party": 0, "role": "bound", "barred_kinds": ["airstrike", "airstrike"]}]}, "barred_kinds"),
        ({"parties": [{"party": 0, "role": "bound", "barred_kinds": "airstrike"}]}, "barred_kinds"),
        ({"lifecycle": [{"status": "melted", "effective_at": "2020-01-12T00:00:00Z"}]}, "status"),
        ({"lifecycle": [{"status": "collapsed", "effective_at": "on Sunday"}]}, "effective_at"),
        ({"lifecycle": [{"status": "collapsed", "effective_at": "99999-01-12T00:00:00Z"}]}, "effective_at"),
    ],
)
def test_ceasefire_undertakings_and_lifecycle_refuse_bad_input(reviewer, body, error):
    ceasefire = CeasefireFactory()
    party = PartyFactory()
    for row in body.get("parties", []):
        row["party"] = party.pk
    response = reviewer.patch(f"/api/v1/ceasefires/{ceasefire.pk}/", body, format="json", **if_match(ceasefire))
    assert response.status_code == 400, response.content
    assert error in json.dumps(response.json())


def test_ceasefire_lifecycle_refuses_two_steps_at_one_instant(reviewer):
    ceasefire = CeasefireFactory()
    step = {"status": "collapsed", "effective_at": "2020-01-12T00:00:00Z"}
    response = reviewer.patch(
        f"/api/v1/ceasefires/{ceasefire.pk}/",
        {"lifecycle": [step, {**step, "status": "expired"}]},
        format="json",
        **if_match(ceasefire),
    )
    assert response.status_code == 400
    assert response.json() == {"lifecycle": ["Two steps from 2020-01-12T00:00:00+00:00: one step per instant."]}


def test_ceasefire_zone_must_have_geometry(reviewer):
    ceasefire = CeasefireFactory()
    response = reviewer.patch(
        f"/api/v1/ceasefires/{ceasefire.pk}/", {"zone": PlaceFactory(geometry=None).pk}, format="json", **if_match(ceasefire)
    )
    assert response.status_code == 400
    assert response.json() == {"zone": ["The zone place has no geometry; draw one or leave the zone empty."]}


def test_delete_of_a_referenced_record_is_409_and_keeps_it(reviewer):
    place = PlaceFactory()
    IncidentFactory(place=place)
    response = reviewer.delete(f"/api/v1/places/{place.pk}/", **if_match(place))
    assert response.status_code == 409
    assert response.json()["detail"] == "Cannot delete: other records refer to this one."
    assert Place.objects.filter(pk=place.pk).exists()


def test_delete_incident_trashes_its_citations(reviewer):
    citation = CitationFactory()
    assert reviewer.delete(f"/api/v1/incidents/{citation.incident_id}/", **if_match(citation.incident)).status_code == 204
    assert not Incident.objects.exists()
    assert reviewer.get(f"/api/v1/citations/{citation.pk}/").status_code == 404


def test_duplicate_names_are_400_naming_the_field(reviewer):
    PartyFactory(name="Russia")
    response = reviewer.post("/api/v1/parties/", {"name": "Russia", "kind": "state"}, format="json")
    assert (response.status_code, response.json()) == (400, {"name": ["A party with this name already exists."]})
    assert Party.objects.count() == 1


def test_duplicate_report_url_is_400(reviewer):
    report = ReportFactory()
    response = reviewer.post("/api/v1/reports/", {"source": report.source_id, "title": "Copy", "url": report.url}, format="json")
    assert (response.status_code, response.json()) == (400, {"url": ["A report with this URL already exists."]})


def test_integrity_error_from_a_race_is_a_400_with_the_field():
    """If two writers pass validation at once, the database constraint still answers, and the
    handler reports it against the field instead of a 500."""
    from django.db import IntegrityError, transaction

    from tracker.api.exceptions import constraint_error

    ReportFactory(url="https://example.org/x")
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        ReportFactory(url="https://example.org/x")
    assert constraint_error(exc.value) == {"url": ["A report with this URL already exists."]}


def test_pagination_envelope_and_page_size(api):
    for _ in range(3):
        PartyFactory()
    body = api.get("/api/v1/parties/?page_size=2").json()
    # No total unless asked for: `next` says whether there is more.
    assert body["count"] is None and len(body["results"]) == 2
    assert body["next"].endswith("/api/v1/parties/?page=2&page_size=2") and body["previous"] is None
    last = api.get(body["next"]).json()
    assert (last["count"], len(last["results"]), last["next"]) == (None, 1, None)
    assert last["previous"].endswith("/api/v1/parties/?page_size=2")
    counted = api.get("/api/v1/parties/?page_size=2&count=true").json()
    assert counted["count"] == 3 and counted["next"].endswith("/api/v1/parties/?count=true&page=2&page_size=2")
    assert api.get("/api/v1/parties/?page_size=3").json()["next"] is None  # exactly one page
    assert api.get("/api/v1/parties/?page_size=1000").status_code == 200
    assert api.get("/api/v1/parties/?page=9").status_code == 404
    assert api.get("/api/v1/parties/?page=9&count=true").status_code == 404
    assert api.get("/api/v1/parties/?page=1&page_size=5").json()["results"]  # page 1 always answers


def test_ceasefire_list_reads_declarations(idlib, api):
    body = api.get("/api/v1/ceasefires/").json()
    assert [c["name"] for c in body["results"]] == ["Moscow agreement on Idlib (March 2020)", "Idlib ceasefire (January 2020)"]
    january = body["results"][1]
    assert sorted({d["claimed_start"] for d in january["declarations"]}) == [
        "2020-01-09T11:00:00Z",
        "2020-01-09T23:00:00Z",
        "2020-01-11T21:01:00Z",
    ]
    assert Ceasefire.objects.count() == 2


@pytest.mark.parametrize("route", ["parties", "places", "ceasefires", "sources", "reports", "incidents", "citations"])
def test_browsable_api_renders_with_forms(idlib, client_for, route):
    client = client_for("reviewer")
    assert client.get(f"/api/v1/{route}/", HTTP_ACCEPT="text/html").status_code == 200
    assert client.get(f"/api/v1/{route}/1/", HTTP_ACCEPT="text/html").status_code == 200


def test_a_served_body_can_be_put_back(reviewer):
    incident = IncidentFactory(perpetrator=PartyFactory(), attribution="alleged")
    body = reviewer.get(f"/api/v1/incidents/{incident.pk}/").json()
    body["title"] = "Renamed"
    response = reviewer.put(f"/api/v1/incidents/{incident.pk}/", body, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 200, response.content
    assert (response.json()["title"], response.json()["place"]["id"], response.json()["version"]) == (
        "Renamed",
        incident.place_id,
        2,
    )
    bad = reviewer.patch(
        f"/api/v1/incidents/{incident.pk}/", {"place": {"name": "Somewhere"}}, format="json", HTTP_IF_MATCH='"2"'
    )
    assert (bad.status_code, bad.json()) == (400, {"place": ["Incorrect type. Expected pk value, received object without id."]})
