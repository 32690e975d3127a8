"""POST /api/v1/incidents/bulk/: many incidents created or updated in place by external id,
each item on its own."""

import json

import pytest

from tests.factories import IncidentFactory, PlaceFactory
from tracker.models import Incident
from tracker.services import incidents

URL = "/api/v1/incidents/bulk/"


@pytest.fixture
def place(db):
    return PlaceFactory()


def item(place, external_id: str, **changes) -> dict:
    return {
        "title": f"Shelling {external_id}",
        "kind": "artillery_shelling",
        "occurred_at": "2020-01-12T10:00:00+02:00",
        "time_precision": "hour",
        "place": place.pk,
        "status": "draft",
        "external_source": "monitor-x",
        "external_id": external_id,
        **changes,
    }


def test_valid_items_are_saved_whatever_the_others(client_for, place):
    client = client_for("ingest")
    batch = [
        item(place, "a"),
        item(place, "b", kind="rockets"),
        item(place, "c"),
        {k: v for k, v in item(place, "d").items() if k != "external_id"},
        "not an object",
        item(place, "e", occurred_at="2020-01-12T10:00:00"),
    ]
    response = client.post(URL, batch, format="json")
    assert response.status_code == 200
    body = response.json()
    a, c = Incident.objects.get(external_id="a"), Incident.objects.get(external_id="c")
    assert body == {
        "results": [
            {"index": 0, "status": "created", "id": a.pk, "errors": None},
            {"index": 1, "status": "error", "id": None, "errors": {"kind": ['"rockets" is not a valid choice.']}},
            {"index": 2, "status": "created", "id": c.pk, "errors": None},
            {
                "index": 3,
                "status": "error",
                "id": None,
                "errors": {"external_id": ["Required to match the incident in a bulk upsert."]},
            },
            {"index": 4, "status": "error", "id": None, "errors": {"non_field_errors": ["Expected an object."]}},
            {
                "index": 5,
                "status": "error",
                "id": None,
                "errors": {"occurred_at": ["Include a UTC offset, e.g. 2020-01-12T00:01:00+03:00 or 2020-01-11T21:01:00Z."]},
            },
        ],
        "counts": {"created": 2, "updated": 0, "unchanged": 0, "error": 4},
    }
    # One history entry per item written, with the ingesting user, through the API.
    entries = Incident.history.filter(external_source="monitor-x")
    assert sorted((e.external_id, e.history_user.username, e.history_channel) for e in entries) == [
        ("a", "ingest", "api"),
        ("c", "ingest", "api"),
    ]


def test_re_sending_updates_in_place_and_never_duplicates(client_for, place):
    client = client_for("ingest")
    client.post(URL, [item(place, "a"), item(place, "b")], format="json")
    history = Incident.history.count()
    again = client.post(URL, [item(place, "a"), item(place, "b", title="Shelling b, two killed", killed_low=2)], format="json")
    b = Incident.objects.get(external_id="b")
    assert [(r["status"], r["id"]) for r in again.json()["results"]] == [
        ("unchanged", Incident.objects.get(external_id="a").pk),
        ("updated", b.pk),
    ]
    assert (b.title, b.killed_low, b.version) == ("Shelling b, two killed", 2, 2)
    assert Incident.objects.filter(external_source="monitor-x").count() == 2
    assert Incident.history.count() == history + 1  # only the update wrote


def test_items_are_refused_where_a_single_write_would_be(client_for, place):
    client = client_for("ingest")
    client.post(URL, [item(place, "gone"), item(place, "merged"), item(place, "kept")], format="json")
    incidents.incident_delete(incident=Incident.objects.get(external_id="gone"), user=None)
    kept = Incident.objects.get(external_id="kept")
    incidents.incident_merge(merged=Incident.objects.get(external_id="merged"), kept=kept, user=None)
    response = client.post(
        URL, [item(place, "gone"), item(place, "merged"), item(place, "kept", status="verified")], format="json"
    )
    assert [r["errors"] for r in response.json()["results"]] == [
        {"external_id": ["deleted in the tracker (restore it to update it)"]},
        {"external_id": [f"merged in the tracker into incident {kept.pk}"]},
        {"status": ["Only reviewers may change an incident's status from 'draft' to 'verified'."]},
    ]
    assert Incident.all_objects.filter(external_source="monitor-x").count() == 3


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ({"title": "x"}, {"non_field_errors": ["Expected a JSON list of incidents."]}),
        ("[1, 2, 3]", {"non_field_errors": ["At most 2 items per request (TRACKER_BULK_MAX_ITEMS); got 3."]}),
    ],
)
def test_bad_bodies(client_for, settings, body, errors):
    settings.TRACKER_BULK_MAX_ITEMS = 2
    data = body if isinstance(body, str) else json.dumps(body)
    response = client_for("ingest").post(URL, data, content_type="application/json")
    assert (response.status_code, response.json()) == (400, errors)


def test_a_bulk_body_may_exceed_the_single_write_limit(client_for, place, settings):
    settings.TRACKER_MAX_BODY_BYTES = 2000
    batch = [item(place, str(n), description="x" * 500) for n in range(10)]
    response = client_for("ingest").post(URL, batch, format="json")
    assert response.json()["counts"]["created"] == 10
    settings.TRACKER_BULK_MAX_BODY_BYTES = 2000
    assert client_for("ingest").post(URL, batch, format="json").status_code == 413


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("anonymous", 401),
        ("no_permission", 403),
        ("read_only_token", 403),
        ("curator", 200),
        ("reviewer", 200),
        ("ingest", 200),
    ],
)
def test_who_may_bulk_ingest(client_for, place, role, status):
    response = client_for(role).post(URL, [item(place, "a")], format="json")
    assert response.status_code == status
    assert Incident.objects.filter(external_id="a").exists() == (status == 200)
    assert client_for(role).get(URL).status_code == 405  # POST only, whoever asks


def test_lookup_by_external_id_uses_its_index(db):
    """Upserts find an incident by (external_source, external_id) through the partial unique
    index, not by scanning every incident (SQLite cannot infer the index's condition)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tracker.services.incidents import find_external

    IncidentFactory(external_source="acled", external_id="SYR1")
    with CaptureQueriesContext(connection) as queries:
        assert find_external("acled", "SYR1") is not None
    (query,) = queries.captured_queries
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + query["sql"])
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a table this small is otherwise scanned
            cursor.execute("EXPLAIN " + query["sql"])
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "incident_external_id_unique" in plan
    assert find_external("acled", "") is None


# --- Concurrent bulk requests (the hostile review's finding 6) ----------------------------------


def test_an_item_created_by_a_concurrent_request_after_validation_is_an_update(client_for, place, monkeypatch):
    """Another request commits the same external id between our look-up and our insert: the
    database refuses our insert (PostgreSQL raises IntegrityError once the other commits). The
    item is redone as an update of what the other request wrote, never a whole-request error."""
    from django.db import IntegrityError

    real_upsert, raced = incidents.incident_upsert, []

    def racing_upsert(*, data, user, existing=None, create_defaults=None):
        if not raced:
            raced.append(True)
            IncidentFactory(external_source="monitor-x", external_id="a", title="Other writer", status="draft", place=place)
            raise IntegrityError('duplicate key value violates unique constraint "incident_external_id_unique"')
        return real_upsert(data=data, user=user, existing=existing, create_defaults=create_defaults)

    monkeypatch.setattr(incidents, "incident_upsert", racing_upsert)
    response = client_for("ingest").post(URL, [item(place, "a"), item(place, "b")], format="json")
    assert response.status_code == 200, response.content
    a, b = Incident.objects.get(external_id="a"), Incident.objects.get(external_id="b")
    assert response.json()["results"] == [
        {"index": 0, "status": "updated", "id": a.pk, "errors": None},
        {"index": 1, "status": "created", "id": b.pk, "errors": None},
    ]
    assert a.title == "Shelling a"


@pytest.mark.parametrize("where", ["serializer", "service"])
def test_an_item_created_by_a_concurrent_request_before_validation_is_an_update(client_for, place, monkeypatch, where):
    """The other request committed after our look-up but before our checks: our checks (the
    serializer's, or the model's in the service) see its row ("already exists"); the item is
    redone as an update."""
    if where == "service":
        real_upsert = incidents.incident_upsert

        def upsert(*, data, user, existing=None, create_defaults=None):
            if existing is None and not Incident.objects.filter(external_id="a").exists():
                IncidentFactory(external_source="monitor-x", external_id="a", title="Other", status="draft", place=place)
            return real_upsert(data=data, user=user, existing=existing, create_defaults=create_defaults)

        monkeypatch.setattr(incidents, "incident_upsert", upsert)
        response = client_for("ingest").post(URL, [item(place, "a")], format="json")
        a = Incident.objects.get(external_id="a")
        assert response.json()["results"] == [{"index": 0, "status": "updated", "id": a.pk, "errors": None}]
        return
    real_find, calls = incidents.find_external, []

    def late_find(source, external_id):
        calls.append(external_id)
        if len(calls) == 1:  # our first look: nothing yet — then the other request commits
            found = real_find(source, external_id)
            IncidentFactory(external_source=source, external_id=external_id, title="Other", status="draft", place=place)
            return found
        return real_find(source, external_id)

    monkeypatch.setattr(incidents, "find_external", late_find)
    response = client_for("ingest").post(URL, [item(place, "a")], format="json")
    assert response.status_code == 200, response.content
    a = Incident.objects.get(external_id="a")
    assert response.json()["results"] == [{"index": 0, "status": "updated", "id": a.pk, "errors": None}]


def test_an_item_changed_by_a_concurrent_request_is_redone_on_the_new_version(client_for, place, monkeypatch):
    existing = IncidentFactory(external_source="monitor-x", external_id="a", title="Old", status="draft", place=place)
    real_upsert, raced = incidents.incident_upsert, []

    def racing_upsert(*, data, user, existing=None, create_defaults=None):
        if not raced:
            raced.append(True)  # the other request's update commits first: the version moves on
            incidents.incident_update(incident=Incident.objects.get(pk=existing.pk), data={"title": "Theirs"}, user=None)
        return real_upsert(data=data, user=user, existing=existing, create_defaults=create_defaults)

    monkeypatch.setattr(incidents, "incident_upsert", racing_upsert)
    response = client_for("ingest").post(URL, [item(place, "a", title="Mine")], format="json")
    assert response.status_code == 200, response.content
    assert response.json()["results"] == [{"index": 0, "status": "updated", "id": existing.pk, "errors": None}]
    existing.refresh_from_db()
    # Both writes happened, in order: theirs (version 2), then this item on top of it (3).
    assert (existing.title, existing.version) == ("Mine", 3)
    assert list(Incident.history.filter(id=existing.pk).order_by("history_id").values_list("title", flat=True)) == [
        "Old",
        "Theirs",
        "Mine",
    ]


def test_a_transient_answer_is_not_replayed_for_the_same_key(client_for, place, monkeypatch):
    """A 412/409/429 depends on the moment: a retry with the same Idempotency-Key runs again."""
    from rest_framework.response import Response

    from tracker.api import views

    client, calls = client_for("ingest"), []
    real = views.IncidentViewSet._bulk

    def flaky(self, request):
        calls.append(1)
        return Response({"detail": "conflict"}, status=409) if len(calls) == 1 else real(self, request)

    monkeypatch.setattr(views.IncidentViewSet, "_bulk", flaky)
    first = client.post(URL, [item(place, "a")], format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    second = client.post(URL, [item(place, "a")], format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    third = client.post(URL, [item(place, "a")], format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert [first.status_code, second.status_code, third.status_code] == [409, 200, 200]
    assert "Idempotent-Replayed" not in second and third["Idempotent-Replayed"] == "true"
    assert third.json() == second.json()
