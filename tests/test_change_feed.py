"""The change feed (`updated_since`, cursor pages) and removed incidents: what a client needs to
keep a copy of the tracker in sync."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.utils import timezone

from tests.factories import IncidentFactory, PlaceFactory
from tracker.models import Assessment, Ceasefire, Citation, Incident, Party, Place, Report, Source
from tracker.services import common, incidents

SINCE = "2000-01-01T00:00:00Z"


def pages(client, path: str, params: dict) -> list[dict]:
    """Every page of a feed, following `next`."""
    found, page = [], client.get(path, params).json()
    while True:
        found += page["results"]
        if not page["next"]:
            return found
        page = client.get(page["next"]).json()


def touch(incident: Incident, **data) -> Incident:
    return incidents.incident_update(incident=Incident.objects.get(pk=incident.pk), data=data, user=None)


def test_feed_pages_in_update_order_without_totals(roles, client_for):
    client = client_for("reviewer")
    made = IncidentFactory.create_batch(5, place=PlaceFactory())
    touch(made[1], title="Updated later")
    first = client.get("/api/v1/incidents/", {"updated_since": SINCE, "page_size": 2}).json()
    assert (first["count"], first["previous"], len(first["results"])) == (None, None, 2)
    assert parse_qs(urlparse(first["next"]).query)["updated_since"] == [SINCE]
    seen = pages(client, "/api/v1/incidents/", {"updated_since": SINCE, "page_size": 2})
    expected = [(i.pk) for i in Incident.objects.order_by("updated_at", "id")]
    assert [i["id"] for i in seen] == expected and expected[-1] == made[1].pk


def test_feed_neither_skips_nor_loses_a_change_while_writes_continue(roles, client_for):
    client = client_for("reviewer")
    made = IncidentFactory.create_batch(6, place=PlaceFactory())
    page = client.get("/api/v1/incidents/", {"updated_since": SINCE, "page_size": 3}).json()
    seen = {i["id"]: i["version"] for i in page["results"]}
    # Meanwhile: an incident already read changes, one not read yet changes, one is added.
    touch(made[0], title="Changed after it was read")
    touch(made[4], title="Changed before it was read")
    added = IncidentFactory(place=made[0].place)
    for item in pages(client, page["next"], {}):
        seen[item["id"]] = item["version"]
    assert seen == dict(Incident.objects.values_list("id", "version"))
    assert added.pk in seen


def test_feed_holds_back_changes_younger_than_the_settle_window(roles, client_for, settings):
    settings.TRACKER_FEED_SETTLE_SECONDS = 30
    old, fresh = IncidentFactory.create_batch(2, place=PlaceFactory())
    Incident.objects.filter(pk=old.pk).update(updated_at=timezone.now() - timedelta(seconds=31))
    feed = client_for("reviewer").get("/api/v1/incidents/", {"updated_since": SINCE}).json()
    assert [i["id"] for i in feed["results"]] == [old.pk]


@pytest.mark.parametrize(
    "route", ["parties", "places", "ceasefires", "sources", "reports", "incidents", "citations", "assessments"]
)
def test_every_list_has_the_feed(assessed, client_for, route):
    client = client_for("reviewer")
    feed = pages(client, f"/api/v1/{route}/", {"updated_since": SINCE, "page_size": 7})
    listed = client.get(f"/api/v1/{route}/", {"page_size": 1000}).json()["results"]
    assert sorted(i["id"] for i in feed) == sorted(i["id"] for i in listed)
    model = {"parties": Party, "places": Place, "ceasefires": Ceasefire, "sources": Source, "reports": Report,
             "incidents": Incident, "citations": Citation, "assessments": Assessment}[route]  # fmt: skip
    in_order = model._base_manager.filter(pk__in=[i["id"] for i in feed]).order_by("updated_at", "id")
    assert [i["id"] for i in feed] == list(in_order.values_list("id", flat=True))


@pytest.mark.parametrize(
    ("params", "body"),
    [
        ({"cursor": "bm9wZQ"}, {"cursor": ["Not a cursor this API gave: pass the `next` link's cursor unchanged."]}),
        ({"cursor": "%%%"}, {"cursor": ["Not a cursor this API gave: pass the `next` link's cursor unchanged."]}),
        (
            {"updated_since": SINCE, "ordering": "-occurred_at"},
            {"ordering": ["The change feed (updated_since, cursor) is ordered by updated_at, id."]},
        ),
        (
            {"updated_since": SINCE, "page": "2"},
            {"page": ["The change feed (updated_since, cursor) pages by cursor, not page number."]},
        ),
        ({"updated_since": "2020-01-01T00:00"}, None),
    ],
)
def test_bad_feed_requests(db, api, params, body):
    response = api.get("/api/v1/incidents/", params)
    assert response.status_code == 400
    if body is not None:
        assert response.json() == body
    else:
        assert list(response.json()) == ["updated_since"]


def test_removed_incidents(roles, client_for):
    client = client_for("reviewer")
    place = PlaceFactory()
    deleted, merged, kept, purged, draft = IncidentFactory.create_batch(5, place=place)
    before = timezone.now()
    incidents.incident_delete(incident=deleted, user=None)
    incidents.incident_merge(merged=merged, kept=kept, user=None)
    incidents.incident_delete(incident=purged, user=None)
    common.purge(Incident.all_objects.get(pk=purged.pk), user=None)
    touch(draft, status="draft")
    incidents.incident_delete(incident=Incident.objects.get(pk=draft.pk), user=None)

    body = client.get("/api/v1/incidents/deleted/", {"since": before.isoformat()}).json()
    assert [(r["id"], r["reason"], r["merged_into"]) for r in body["results"]] == [
        (deleted.pk, "deleted", None),
        (merged.pk, "merged", kept.pk),
        (purged.pk, "purged", None),
        (draft.pk, "deleted", None),
    ]
    assert body["next"] is None
    # Page by page with the cursor; the public does not learn of drafts.
    one = pages(client, "/api/v1/incidents/deleted/", {"since": before.isoformat(), "page_size": 1})
    assert [r["id"] for r in one] == [deleted.pk, merged.pk, purged.pk, draft.pk]
    public = client_for("anonymous").get("/api/v1/incidents/deleted/", {"since": before.isoformat()}).json()
    assert [r["id"] for r in public["results"]] == [deleted.pk, merged.pk, purged.pk]
    # Nothing removed since.
    later = (timezone.now() + timedelta(seconds=1)).isoformat()
    assert client.get("/api/v1/incidents/deleted/", {"since": later}).json() == {"next": None, "results": []}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "since"),
        ({"since": "2020-01-01"}, "since"),
        ({"since": SINCE, "page_size": "0"}, "page_size"),
        ({"since": SINCE, "kind": "x"}, "kind"),
    ],
)
def test_removed_incidents_bad_input(db, api, params, field):
    response = api.get("/api/v1/incidents/deleted/", params)
    assert response.status_code == 400 and list(response.json()) == [field]


def test_the_readme_sync_loop_keeps_a_faithful_copy(roles, client_for):
    """The loop the README documents: changes by cursor, then removals, from the last instant seen."""
    client = client_for("reviewer")
    place = PlaceFactory()
    first = IncidentFactory.create_batch(4, place=place)
    mirror: dict[int, dict] = {}
    marks = {"changed": datetime(2000, 1, 1, tzinfo=UTC).isoformat(), "removed": datetime(2000, 1, 1, tzinfo=UTC).isoformat()}

    def sync() -> None:
        for item in pages(client, "/api/v1/incidents/", {"updated_since": marks["changed"], "page_size": 2}):
            mirror[item["id"]] = item
            marks["changed"] = item["updated_at"]
        for removal in pages(client, "/api/v1/incidents/deleted/", {"since": marks["removed"], "page_size": 2}):
            mirror.pop(removal["id"], None)
            marks["removed"] = removal["at"]

    sync()
    touch(first[0], title="Renamed")
    incidents.incident_delete(incident=first[1], user=None)
    IncidentFactory(place=place)
    sync()
    incidents.incident_restore(Incident.all_objects.get(pk=first[1].pk), user=None)
    incidents.incident_delete(incident=first[2], user=None)
    sync()
    expected = {i["id"]: i for i in client.get("/api/v1/incidents/", {"page_size": 1000}).json()["results"]}
    assert mirror == expected
