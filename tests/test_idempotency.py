"""Idempotency-Key on POST creates: a retry replays the first answer instead of creating again."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import PlaceFactory
from tracker.models import IdempotencyRecord, Party

KEY = "7f3c0c1e-5a1b-4d5e-9a43-2b1f0b6d2a10"
PARTY = {"name": "Hayat Tahrir al-Sham", "kind": "armed_group"}


def post(client, url, body, key=KEY):
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_a_retry_replays_the_first_answer(client_for):
    client = client_for("curator")
    first = post(client, "/api/v1/parties/", PARTY)
    retry = post(client, "/api/v1/parties/", PARTY)
    assert (first.status_code, retry.status_code) == (201, 201)
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    assert not first.has_header("Idempotent-Replayed")
    assert Party.objects.filter(name=PARTY["name"]).count() == 1
    assert Party.history.filter(name=PARTY["name"]).count() == 1


def test_the_same_key_with_another_body_is_refused(client_for):
    client = client_for("curator")
    post(client, "/api/v1/parties/", PARTY)
    response = post(client, "/api/v1/parties/", {**PARTY, "name": "Another group"})
    assert (response.status_code, response.json()) == (
        422,
        {"Idempotency-Key": ["This key was used with a different request; use a new key for a new request."]},
    )
    assert not Party.objects.filter(name="Another group").exists()


def test_keys_belong_to_their_user(client_for):
    post(client_for("curator"), "/api/v1/parties/", PARTY)
    other = post(client_for("reviewer"), "/api/v1/parties/", {**PARTY, "name": "Other"})
    assert other.status_code == 201 and not other.has_header("Idempotent-Replayed")


def test_a_refused_request_does_not_use_up_its_key(client_for):
    client = client_for("curator")
    assert post(client, "/api/v1/parties/", {"name": "No kind"}).status_code == 400
    assert post(client, "/api/v1/parties/", PARTY).status_code == 201


def test_a_request_still_running_is_a_409(client_for):
    client = client_for("curator")
    post(client, "/api/v1/parties/", PARTY)
    IdempotencyRecord.objects.update(status_code=None)
    response = post(client, "/api/v1/parties/", PARTY)
    assert (response.status_code, response.json()) == (
        409,
        {"Idempotency-Key": ["The first request with this key is still being processed; retry shortly."]},
    )


def test_keys_expire(client_for):
    client = client_for("curator")
    post(client, "/api/v1/parties/", PARTY)
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=25))
    Party.objects.filter(name=PARTY["name"]).update(name="Renamed meanwhile")
    again = post(client, "/api/v1/parties/", PARTY)
    assert again.status_code == 201 and not again.has_header("Idempotent-Replayed")


@pytest.mark.parametrize("key", ["", "x" * 256, "tab\there"])
def test_bad_keys(client_for, key):
    response = post(client_for("curator"), "/api/v1/parties/", PARTY, key=key)
    assert (response.status_code, response.json()) == (400, {"Idempotency-Key": ["Must be 1 to 255 printable characters."]})


def test_bulk_ingest_honours_the_key(client_for, db):
    place = PlaceFactory()
    item = {
        "title": "Shelling",
        "kind": "artillery_shelling",
        "occurred_at": "2020-01-12T10:00:00+02:00",
        "time_precision": "hour",
        "place": place.pk,
        "external_source": "monitor-x",
        "external_id": "1",
    }
    client = client_for("ingest")
    first = post(client, "/api/v1/incidents/bulk/", [item])
    retry = post(client, "/api/v1/incidents/bulk/", [item])
    assert first.json()["counts"]["created"] == 1
    assert retry.json() == first.json() and retry["Idempotent-Replayed"] == "true"
    # Without a key the same body is an upsert: unchanged.
    assert client.post("/api/v1/incidents/bulk/", [item], format="json").json()["counts"]["unchanged"] == 1
