"""Possible duplicate incidents and merging them: the matching rules, the API (list, merge,
the merged id's pointer) and the admin."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from tests.factories import CitationFactory, IncidentFactory, PlaceFactory, ReportFactory, SourceFactory, UserFactory
from tests.helpers import if_match
from tracker.models import Citation, Incident
from tracker.selectors.duplicates import duplicate_pairs, duplicates_of
from tracker.services import incidents, provenance

pytestmark = pytest.mark.django_db

# Maaret al-Numan and a point 3 km east of it; Saraqib is 25 km away.
NUMAN = (35.6447, 36.6717)
EAST = (35.6447, 36.7048)
SARAQIB = (35.8620, 36.8006)


def at(hour: int, day: int = 10) -> datetime:
    return datetime(2020, 1, day, hour, 0, tzinfo=UTC)


@pytest.fixture
def town():
    return PlaceFactory(name="Maaret al-Numan", latitude=NUMAN[0], longitude=NUMAN[1], timezone="Asia/Damascus")


def incident(town, **fields):
    defaults = {"kind": "airstrike", "occurred_at": at(8), "time_precision": "hour", "place": town}
    return IncidentFactory(**{**defaults, **fields})


def test_matching_rules(town):
    base = incident(town, title="base")
    same_day = incident(town, title="same day", time_precision="day", occurred_at=at(0))  # the local day holds 08:00 UTC
    drone = incident(
        town, title="drone, 3 km east", kind="drone_strike", latitude=EAST[0], longitude=EAST[1], geo_precision="exact"
    )
    other = incident(town, title="other kind, same hour", kind="other")
    incident(town, title="shelling: not an air attack", kind="artillery_shelling")
    incident(town, title="an hour later", occurred_at=at(9))
    incident(town, title="Saraqib", latitude=SARAQIB[0], longitude=SARAQIB[1], geo_precision="exact")
    incident(town, title="the next day", occurred_at=at(8, day=11))
    found = duplicates_of(base)
    assert [(d.incident.title, d.distance_km) for d in found] == [
        ("same day", 0.0),
        ("other kind, same hour", 0.0),
        ("drone, 3 km east", 2.99),
    ]
    assert {d.incident.pk for d in found} == {same_day.pk, drone.pk, other.pk}


def test_pairs_are_listed_once(town):
    a = incident(town, title="a")
    b = incident(town, title="b", time_precision="day", occurred_at=at(0))
    c = incident(town, title="c", occurred_at=at(20), time_precision="hour")  # same local day as b only
    pairs = {(first.title, dup.incident.title) for first, dup in duplicate_pairs()}
    assert pairs == {("b", "a"), ("b", "c")}
    assert {x.pk for x in (a, b, c)} == set(Incident.objects.values_list("pk", flat=True))


def test_no_point_matches_only_the_same_place():
    nowhere = PlaceFactory(latitude=None, longitude=None)
    elsewhere = PlaceFactory(latitude=None, longitude=None)
    first = IncidentFactory(place=nowhere, occurred_at=at(8), time_precision="hour")
    twin = IncidentFactory(place=nowhere, occurred_at=at(8), time_precision="hour")
    IncidentFactory(place=elsewhere, occurred_at=at(8), time_precision="hour")
    assert [(d.incident.pk, d.distance_km) for d in duplicates_of(first)] == [(twin.pk, None)]


@pytest.fixture
def pair(town, roles):
    """Two entries of one airstrike: the kept one cites SOHR, the duplicate SOHR again (the same
    report) and the White Helmets."""
    kept = incident(town, title="Airstrike on the market")
    duplicate = incident(town, title="Market bombed", time_precision="day", occurred_at=at(0))
    report = ReportFactory()
    sohr, helmets = SourceFactory(name="SOHR"), SourceFactory(name="White Helmets")
    CitationFactory(incident=kept, report=report, claimant=sohr)
    same_claim = CitationFactory(incident=duplicate, report=report, claimant=sohr)
    moved = CitationFactory(incident=duplicate, report=ReportFactory(), claimant=helmets, killed_low=4)
    provenance.refresh([kept.pk, duplicate.pk])
    return kept, duplicate, same_claim, moved


def test_api_lists_duplicates_and_merges(pair, client_for):
    kept, duplicate, same_claim, moved = pair
    curator = client_for("curator")
    original = kept.citations.get().pk
    listed = curator.get(f"/api/v1/incidents/{kept.pk}/duplicates/").json()
    assert [d["incident"]["id"] for d in listed] == [duplicate.pk]
    assert listed[0]["distance_km"] == 0.0 and listed[0]["overlap_start"] == "2020-01-10T08:00:00Z"

    response = curator.post(f"/api/v1/incidents/{duplicate.pk}/merge/", {"into": kept.pk, "reason": "Same strike"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == kept.pk and body["independent_claimants"] == 2 and body["suggested_confidence"] == "fair"
    assert sorted(c["citation"] for c in body["claims"]) == sorted([original, moved.pk])
    assert Citation.trashed.filter(pk=same_claim.pk).exists()
    gone = Incident.all_objects.get(pk=duplicate.pk)
    assert (gone.is_deleted, gone.merged_into_id) == (True, kept.pk)
    # Both histories keep the merge, with its reason.
    assert Incident.history.filter(id=duplicate.pk).latest("history_id").history_change_reason == "Same strike"
    assert Citation.history.filter(id=moved.pk).latest("history_id").history_change_reason == "Same strike"

    # The merged id points to the kept incident.
    redirect = curator.get(f"/api/v1/incidents/{duplicate.pk}/")
    assert redirect.status_code == 301
    assert redirect["Location"].endswith(f"/api/v1/incidents/{kept.pk}/")
    assert redirect.json() == {"detail": f"Incident {duplicate.pk} was merged into incident {kept.pk}.", "merged_into": kept.pk}
    write = curator.patch(f"/api/v1/incidents/{duplicate.pk}/", {"title": "x"}, format="json", HTTP_IF_MATCH='"1"')
    assert (write.status_code, write.json()["merged_into"]) == (404, kept.pk)
    # A merged duplicate is not restored on its own.
    restore = client_for("reviewer").post(f"/api/v1/incidents/{duplicate.pk}/restore/")
    assert restore.status_code == 400 and "merged into" in restore.json()["merged_into"][0]


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 401), ("no_permission", 403), ("ingest", 403), ("read_only_token", 403), ("curator", 200), ("reviewer", 200)],
)
def test_who_may_merge(pair, client_for, role, status):
    kept, duplicate, _, _ = pair
    response = client_for(role).post(f"/api/v1/incidents/{duplicate.pk}/merge/", {"into": kept.pk}, format="json")
    assert response.status_code == status, response.content


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({}, {"into": ["This field is required."]}),
        ({"into": 999999}, {"into": ['Invalid pk "999999" - object does not exist.']}),
        ({"into": "x"}, {"into": ["Incorrect type. Expected pk value, received str."]}),
        ({"into": "SELF"}, {"into": ["An incident cannot be merged into itself."]}),
        ({"into": "KEPT", "keep": True}, {"keep": ["Unknown field."]}),
        ({"into": "KEPT", "reason": "r" * 501}, {"reason": ["Ensure this field has no more than 500 characters."]}),
    ],
)
def test_merge_bad_input(pair, client_for, body, error):
    kept, duplicate, _, _ = pair
    body = {k: {"SELF": duplicate.pk, "KEPT": kept.pk}.get(v, v) if isinstance(v, str) else v for k, v in body.items()}
    response = client_for("curator").post(f"/api/v1/incidents/{duplicate.pk}/merge/", body, format="json")
    assert (response.status_code, response.json()) == (400, error)
    assert Incident.objects.filter(pk=duplicate.pk).exists()


def test_merge_checks_the_duplicates_version(pair, client_for):
    kept, duplicate, _, _ = pair
    stale = client_for("curator").post(
        f"/api/v1/incidents/{duplicate.pk}/merge/", {"into": kept.pk}, format="json", HTTP_IF_MATCH='"7"'
    )
    assert stale.status_code == 412
    fresh = client_for("curator").post(
        f"/api/v1/incidents/{duplicate.pk}/merge/", {"into": kept.pk}, format="json", **if_match(duplicate)
    )
    assert fresh.status_code == 200


def test_admin_lists_pairs_and_merges(pair, client):
    kept, duplicate, _, moved = pair
    client.force_login(UserFactory(username="curator", roles=["curator"]))
    listing = client.get(reverse("admin:tracker_incident_duplicates")).content.decode()
    assert "Airstrike on the market" in listing and "Market bombed" in listing
    merge_url = reverse("admin:tracker_incident_merge", args=[duplicate.pk, kept.pk])
    assert merge_url in listing
    assert "Possible duplicates" in client.get(reverse("admin:tracker_incident_changelist")).content.decode()
    page = client.get(reverse("admin:tracker_incident_change", args=[kept.pk])).content.decode()
    assert merge_url in page  # "merge it into this one"
    confirm = client.get(merge_url)
    assert confirm.status_code == 200 and b"Merge" in confirm.content
    done = client.post(merge_url, {"reason": "Same strike (admin)"}, follow=True)
    assert f"Incident {duplicate.pk} was merged into this one." in done.content.decode()
    assert Incident.all_objects.get(pk=duplicate.pk).merged_into_id == kept.pk
    assert Citation.objects.get(pk=moved.pk).incident_id == kept.pk


def test_admin_merge_needs_delete_permission(pair, client):
    kept, duplicate, _, _ = pair
    client.force_login(UserFactory(username="ingest", roles=["ingest"]))
    response = client.post(reverse("admin:tracker_incident_merge", args=[duplicate.pk, kept.pk]), {"reason": "x"})
    assert response.status_code == 403
    assert Incident.objects.filter(pk=duplicate.pk).exists()


def test_merge_service_refuses_merging_into_a_trashed_incident(pair):
    kept, duplicate, _, _ = pair
    incidents.incident_delete(incident=kept, user=None)
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        incidents.incident_merge(merged=duplicate, kept=Incident.all_objects.get(pk=kept.pk), user=None)
    assert error.value.message_dict == {"into": [f"Incident {kept.pk} is in the trash; restore it first."]}
