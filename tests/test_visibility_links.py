"""A published incident may answer an unpublished one (`responds_to`): the link reads as null to
whoever may not see its target — in the list, one incident, both exports, a subscription's
delivery and a change history — and as the id to whoever may (tracker/representation/links.py).
An id the public may not see is answered like one that never existed."""

import csv
import io
import json

import pytest

from tests.factories import IncidentFactory
from tracker.models import Incident
from tracker.representation.serializers import IncidentDetailSerializer
from tracker.services.common import delete

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked():
    """A draft; a verified incident answering it; a verified incident answering that one; a
    verified incident answering one now in the trash."""
    draft = IncidentFactory(status="draft", title="Draft strike")
    answer = IncidentFactory(responds_to=draft, title="Answer to the draft")
    public = IncidentFactory(responds_to=answer, title="Answer to the answer")
    trashed = IncidentFactory(title="Later trashed")
    orphan = IncidentFactory(responds_to=trashed, title="Answer to the trashed")
    delete(trashed, user=None)
    return {"draft": draft, "answer": answer, "public": public, "orphan": orphan, "trashed": trashed}


def _public_links(linked) -> dict[int, int | None]:
    return {linked["answer"].pk: None, linked["public"].pk: linked["answer"].pk, linked["orphan"].pk: None}


def _curator_links(linked) -> dict[int, int | None]:
    # A curator sees the draft; the trashed incident is in the trash for everyone.
    return {
        linked["draft"].pk: None,
        linked["answer"].pk: linked["draft"].pk,
        linked["public"].pk: linked["answer"].pk,
        linked["orphan"].pk: linked["trashed"].pk,
    }


def _links(items) -> dict[int, int | None]:
    return {item["id"]: item["responds_to"] for item in items}


@pytest.mark.parametrize(("role", "want"), [("anonymous", _public_links), ("curator", _curator_links)])
def test_the_list_and_one_incident_show_only_links_the_reader_may_follow(linked, client_for, role, want):
    client = client_for(role)
    expected = want(linked)
    page = client.get("/api/v1/incidents/?page_size=100").json()["results"]
    assert _links(page) == expected
    for pk, target in expected.items():
        assert client.get(f"/api/v1/incidents/{pk}/").json()["responds_to"] == target


@pytest.mark.parametrize(("role", "want"), [("anonymous", _public_links), ("curator", _curator_links)])
def test_both_exports_show_only_links_the_reader_may_follow(linked, client_for, role, want):
    client = client_for(role)
    ndjson = client.get("/api/v1/incidents/export/?format=ndjson")
    assert ndjson.status_code == 200
    lines = b"".join(ndjson.streaming_content).decode().splitlines()
    assert _links(json.loads(line) for line in lines) == want(linked)
    exported = client.get("/api/v1/incidents/export/?format=csv")
    rows = csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode()))
    assert {int(r["id"]): int(r["responds_to"]) if r["responds_to"] else None for r in rows} == want(linked)


def test_a_delivery_to_the_public_shows_only_links_it_may_follow(linked, user_for):
    """What a subscription's delivery serializes (tracker/webhooks/dispatch.py), for its owner."""
    queryset = Incident.objects.filter(pk__in=[linked["answer"].pk, linked["public"].pk]).order_by("pk")
    public = IncidentDetailSerializer(queryset, many=True, context={"reader": None}).data
    assert _links(public) == {linked["answer"].pk: None, linked["public"].pk: linked["answer"].pk}
    curator = IncidentDetailSerializer(queryset, many=True, context={"reader": user_for("curator")}).data
    assert _links(curator) == {linked["answer"].pk: linked["draft"].pk, linked["public"].pk: linked["answer"].pk}
    assert IncidentDetailSerializer(linked["answer"]).data["responds_to"] is None  # no reader given: the public


def test_a_history_shows_the_public_no_unpublished_id(linked, client_for, client, roles):
    """A claim moved from a draft to a published incident (as a merge moves them): to a reader
    who may see the claim but not drafts, its history shows where it went, not where it was."""
    from django.contrib.auth.models import Permission

    from tests.factories import CitationFactory, UserFactory

    citation = CitationFactory(incident=linked["draft"])
    citation.incident = linked["public"]
    citation.save()
    auditor = UserFactory(username="auditor")
    auditor.user_permissions.add(Permission.objects.get(codename="view_citation", content_type__app_label="tracker"))
    client.force_login(auditor)

    def incident_changes(reader):
        answer = reader.get(f"/api/v1/citations/{citation.pk}/history/")
        assert answer.status_code == 200, answer.content
        return [(c["old"], c["new"]) for e in answer.json()["results"] for c in e["changes"] if c["field"] == "incident"]

    draft, public = linked["draft"].pk, linked["public"].pk
    assert incident_changes(client_for("curator")) == [(draft, public), (None, draft)]
    assert incident_changes(client) == [(None, public)]  # created on a draft: nothing the auditor may see


def test_a_writer_may_link_only_an_incident_it_may_see(linked, client_for):
    from tests.helpers import if_match

    public = linked["public"]
    curator = client_for("curator")
    response = curator.patch(
        f"/api/v1/incidents/{public.pk}/", {"responds_to": linked["draft"].pk}, format="json", **if_match(public)
    )
    assert (response.status_code, response.json()["responds_to"]) == (200, linked["draft"].pk)
    public.refresh_from_db()
    response = curator.patch(
        f"/api/v1/incidents/{public.pk}/", {"responds_to": linked["trashed"].pk}, format="json", **if_match(public)
    )
    assert (response.status_code, response.json()) == (
        400,
        {"responds_to": [f'Invalid pk "{linked["trashed"].pk}" - object does not exist.']},
    )
