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
    # ... except that one they saw published was taken back to draft (then deleted).
    assert [(r["id"], r["reason"]) for r in public["results"]] == [
        (deleted.pk, "deleted"),
        (merged.pk, "merged"),
        (purged.pk, "purged"),
        (draft.pk, "withdrawn"),
    ]
    # Nothing removed since.
    later = (timezone.now() + timedelta(seconds=1)).isoformat()
    assert client.get("/api/v1/incidents/deleted/", {"since": later}).json() == {"next": None, "results": []}


def _mirror(client, since: str) -> tuple[set[int], list[tuple[int, str]]]:
    """What the README's sync loop sees: changed incidents and removals since an instant."""
    changed = {i["id"] for i in pages(client, "/api/v1/incidents/", {"updated_since": since})}
    removed = [(r["id"], r["reason"]) for r in pages(client, "/api/v1/incidents/deleted/", {"since": since})]
    return changed, removed


@pytest.mark.parametrize("to", ["in_review", "draft", "rejected"])
def test_an_unpublished_incident_reaches_the_public_removals_feed(roles, client_for, to):
    """The hostile review's finding 7: a verified incident moved back to review was 404 to the
    public while neither feed mentioned it, so mirrors kept showing it forever."""
    incident = IncidentFactory(place=PlaceFactory())
    before = timezone.now().isoformat()
    reviewer = client_for("reviewer")
    answer = reviewer.patch(f"/api/v1/incidents/{incident.pk}/", {"status": to}, format="json", HTTP_IF_MATCH='"1"')
    assert answer.status_code == 200, answer.content
    public = client_for("anonymous")
    assert public.get(f"/api/v1/incidents/{incident.pk}/").status_code == 404
    assert _mirror(public, before) == (set(), [(incident.pk, "withdrawn")])
    # Those who still see it are told it changed, not that it is gone.
    assert _mirror(reviewer, before) == ({incident.pk}, [])


def test_a_republished_incident_comes_back_through_the_feed(roles, client_for):
    incident = IncidentFactory(place=PlaceFactory())
    touch(incident, status="in_review")
    middle = timezone.now().isoformat()
    touch(incident, status="verified")
    public = client_for("anonymous")
    assert _mirror(public, middle) == ({incident.pk}, [])


def test_withdrawal_from_the_admin_reaches_the_feed(roles, client_for, client):
    from tests.factories import UserFactory

    incident = IncidentFactory(place=PlaceFactory())
    before = timezone.now().isoformat()
    client.force_login(UserFactory(username="reviewer", roles=["reviewer"]))
    client.post("/admin/tracker/incident/", {"action": "reject", "_selected_action": [incident.pk]})
    assert Incident.objects.get(pk=incident.pk).status == "rejected"
    assert _mirror(client_for("anonymous"), before) == (set(), [(incident.pk, "withdrawn")])


def test_a_merge_into_a_draft_is_a_deletion_to_the_public(roles, client_for):
    place = PlaceFactory()
    published, draft = IncidentFactory(place=place), IncidentFactory(place=place, status="draft")
    before = timezone.now().isoformat()
    incidents.incident_merge(merged=published, kept=draft, user=None)
    assert _mirror(client_for("anonymous"), before) == (set(), [(published.pk, "deleted")])
    removed = pages(client_for("reviewer"), "/api/v1/incidents/deleted/", {"since": before})
    assert [(r["id"], r["reason"], r["merged_into"]) for r in removed] == [(published.pk, "merged", draft.pk)]


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
