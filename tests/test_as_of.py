"""`as_of=<instant>` on the lists and records: the answer the API gave at that instant, rebuilt from
history after every kind of later edit — except that what a reviewer has since withdrawn from
public view stays withdrawn for the public."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories as f
from tests.test_releases import edit_everything
from tracker.choices import IncidentStatus
from tracker.models import Incident

pytestmark = pytest.mark.django_db

READS = [
    "incidents/?page_size=500",
    "incidents/?kind=airstrike&ordering=occurred_at",
    "incidents/?place=4",
    "incidents/?format=csv",
    "incidents/aggregate/?group_by=month,kind&metric=count,killed_low",
    "incidents/aggregate/?group_by=verdict&ceasefire=2",
    "ceasefires/",
    "places/?page_size=500",
    "parties/?page_size=500",
    "sources/?page_size=500",
    "reports/?page_size=500",
    "citations/?page_size=500",
    "assessments/?page_size=500",
]


def read(client, path: str, instant=None) -> bytes:
    if instant is not None:
        path += ("&" if "?" in path else "?") + f"as_of={instant.isoformat().replace('+00:00', 'Z')}"
    response = client.get(f"/api/v1/{path}")
    assert response.status_code == 200, (path, response.content)
    return b"".join(response.streaming_content) if response.streaming else response.content


def withdrawn_from(body: bytes, ids: set[int]) -> bool:
    return not any(f'"id":{pk},'.encode() in body for pk in ids)


def test_as_of_answers_what_the_api_answered_then(assessed, client_for, run_tasks):
    curator = client_for("reviewer")
    first = Incident.objects.visible_to(None).order_by("id").first()
    before = {path: read(curator, path) for path in [*READS, f"incidents/{first.pk}/"]}
    before["export"] = read(curator, "incidents/export/")
    instant = timezone.now()
    run_tasks(lambda: edit_everything(f.UserFactory(username="curator", roles=["curator", "reviewer"])))
    assert read(curator, f"incidents/{first.pk}/") != before[f"incidents/{first.pk}/"]  # the present moved on
    for path in [*READS, f"incidents/{first.pk}/"]:
        assert read(curator, path, instant) == before[path], path
    assert read(curator, "incidents/export/", instant) == before["export"]


def test_the_public_past_keeps_later_withdrawals(assessed, client_for, run_tasks):
    public = client_for("anonymous")
    before = read(public, "incidents/?page_size=500")
    instant = timezone.now()
    live = list(Incident.objects.visible_to(None).order_by("id"))
    run_tasks(lambda: edit_everything(f.UserFactory(username="curator", roles=["curator", "reviewer"])))
    withdrawn = {live[1].pk, live[2].pk}  # rejected, and trashed, after the instant
    past = read(public, "incidents/?page_size=500", instant)
    assert past != before and withdrawn_from(past, withdrawn)
    assert not withdrawn_from(before, withdrawn)
    kept = public.get("/api/v1/incidents/", {"page_size": 500, "as_of": instant.isoformat()}).json()["results"]
    assert sorted(i["id"] for i in kept) == sorted({i.pk for i in live} - withdrawn)
    assert public.get(f"/api/v1/incidents/{live[1].pk}/", {"as_of": instant.isoformat()}).status_code == 404
    # A reviewer sees the whole past.
    assert not withdrawn_from(read(client_for("reviewer"), "incidents/?page_size=500", instant), withdrawn)


def test_before_a_record_existed_it_is_absent(assessed, api):
    instant = timezone.now()
    later = f.IncidentFactory(title="Created later", place=Incident.objects.first().place, status=IncidentStatus.VERIFIED)
    from tracker.services.fixtures import baseline_history

    baseline_history("test")
    assert later.pk in [i["id"] for i in api.get("/api/v1/incidents/?page_size=500").json()["results"]]
    past = api.get("/api/v1/incidents/", {"page_size": 500, "as_of": instant.isoformat()}).json()["results"]
    assert later.pk not in [i["id"] for i in past]
    assert api.get(f"/api/v1/incidents/{later.pk}/", {"as_of": instant.isoformat()}).status_code == 404


@pytest.mark.parametrize(
    ("path", "value", "errors"),
    [
        (
            "incidents/",
            "yesterday",
            {"as_of": ["Enter an ISO 8601 date (2020-01-12) or datetime with offset (2020-01-12T00:01:00+03:00)."]},
        ),
        (
            "incidents/",
            "2020-03-05T12:00:00",
            {"as_of": ["Include a UTC offset (2020-01-12T00:01:00+03:00 or ...Z); a time without one is ambiguous."]},
        ),
        (
            "incidents/",
            "0001-01-01T00:00:00+05:00",
            {
                "as_of": [
                    "0001-01-01T00:00:00+05:00 is outside the instants the tracker accepts: from 1800-01-01T00:00:00Z up to, not including, 2200-01-01T00:00:00Z."
                ]
            },
        ),
        ("incidents/", "2199-01-01T00:00:00Z", {"as_of": ["Is in the future: history ends now."]}),
        (
            "ceasefires/1/compliance/",
            "2020-03-05T12:00:00Z",
            {"as_of": ["Not available here: only on a resource's lists, records, export and aggregates."]},
        ),
        (
            "incidents/1/history/",
            "2020-03-05T12:00:00Z",
            {"as_of": ["Not available here: only on a resource's lists, records, export and aggregates."]},
        ),
        ("subscriptions/", "2020-03-05T12:00:00Z", {"as_of": ["Unknown query parameter."]}),
    ],
)
def test_bad_as_of_values_are_400s_naming_it(assessed, client_for, path, value, errors):
    response = client_for("reviewer").get(f"/api/v1/{path}", {"as_of": value})
    assert response.status_code == 400
    body = response.json()
    if errors["as_of"] == ["Unknown query parameter."]:
        assert body["as_of"][0].startswith("Unknown query parameter.")
    else:
        assert body == errors


def test_as_of_in_a_release_is_refused(assessed, api):
    from tests.test_releases import release

    frozen = release()
    response = api.get(f"/api/v1/releases/{frozen.name}/incidents/", {"as_of": "2020-03-05T12:00:00Z"})
    assert response.status_code == 400
    assert response.json() == {"as_of": ["A release is one instant already: read it without as_of (or the live API with it)."]}


def test_as_of_answers_are_never_cached(assessed, api, settings):
    settings.TRACKER_RESPONSE_CACHE_SECONDS = 60
    instant = (timezone.now() - timedelta(seconds=1)).isoformat()
    first = api.get("/api/v1/incidents/", {"as_of": instant})
    assert first.status_code == 200 and "X-Cache" not in first
    assert "X-Cache" not in api.get("/api/v1/incidents/", {"as_of": instant})


def test_every_table_an_as_of_read_touches_is_read_from_history(assessed, client_for):
    """A table read live would show later edits in the past."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tracker import history_tables

    client = client_for("reviewer")
    instant = timezone.now()
    shadowed = set(history_tables.views(instant, public=False))
    live_by_design = {"tracker_verdictrules", "tracker_apitoken", "tracker_datageneration"}  # append-only, bookkeeping
    first = Incident.objects.order_by("id").first()
    with CaptureQueriesContext(connection) as queries:
        for path in [*READS, f"incidents/{first.pk}/", "incidents/export/"]:
            read(client, path, instant)
    touched = set()
    for query in queries:
        if not query["sql"].startswith(("CREATE TEMP VIEW", "DROP VIEW")):
            touched |= set(re.findall(r"\b(tracker_[a-z]+)\b", query["sql"]))
    assert touched - shadowed - live_by_design == set()
    assert {"tracker_incident", "tracker_incidentprovenance", "tracker_assessment"} <= touched
