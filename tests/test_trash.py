"""Deletes are recoverable: the trash, restore with links, purge for reviewers only."""

import pytest

from tests.factories import CitationFactory, IncidentFactory, PlaceFactory, ReportFactory
from tests.helpers import if_match
from tracker.models import Assessment, Citation, Incident, Place, Report
from tracker.services import provenance

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(client_for):
    return client_for("reviewer")


def _row(model, pk) -> dict:
    row = model.all_objects.filter(pk=pk).values().get()
    return {k: v for k, v in row.items() if k not in ("version", "updated_at", "updated_by_id", "deleted_at", "deleted_by_id")}


def test_deleted_incident_leaves_every_list_and_restores_identical_with_its_citations(reviewer, api):
    incident = IncidentFactory()
    first, second = CitationFactory(incident=incident), CitationFactory(incident=incident)
    provenance.refresh([incident.pk])  # as the services leave it
    before = (_row(Incident, incident.pk), _row(Citation, first.pk), _row(Citation, second.pk))
    url = f"/api/v1/incidents/{incident.pk}/"
    served = reviewer.get(url).json()

    assert reviewer.delete(url, **if_match(incident)).status_code == 204
    assert api.get(url).status_code == 404
    assert api.get("/api/v1/incidents/?count=true").json()["count"] == 0
    assert api.get("/api/v1/citations/?count=true").json()["count"] == 0
    trash = reviewer.get("/api/v1/incidents/trash/").json()
    assert [r["id"] for r in trash["results"]] == [incident.pk]
    assert sorted(r["id"] for r in reviewer.get("/api/v1/citations/trash/").json()["results"]) == [first.pk, second.pk]

    restored = reviewer.post(url + "restore/")
    assert restored.status_code == 200, restored.content
    assert (_row(Incident, incident.pk), _row(Citation, first.pk), _row(Citation, second.pk)) == before
    again = reviewer.get(url).json()
    assert {k: v for k, v in again.items() if k not in ("version", "updated_at")} == {
        k: v for k, v in served.items() if k not in ("version", "updated_at")
    }
    assert again["version"] == served["version"] + 2  # deleted, restored
    assert reviewer.get("/api/v1/incidents/trash/").json()["results"] == []


def test_a_citation_deleted_on_its_own_stays_in_the_trash_when_the_incident_comes_back(reviewer):
    incident = IncidentFactory()
    lone, kept = CitationFactory(incident=incident), CitationFactory(incident=incident)
    assert reviewer.delete(f"/api/v1/citations/{lone.pk}/", **if_match(lone)).status_code == 204
    reviewer.delete(f"/api/v1/incidents/{incident.pk}/", **if_match(incident))
    reviewer.post(f"/api/v1/incidents/{incident.pk}/restore/")
    assert list(Citation.objects.values_list("pk", flat=True)) == [kept.pk]
    assert list(Citation.trashed.values_list("pk", flat=True)) == [lone.pk]


def test_restoring_a_citation_of_a_trashed_incident_is_refused(reviewer):
    citation = CitationFactory()
    reviewer.delete(f"/api/v1/incidents/{citation.incident_id}/", **if_match(citation.incident))
    response = reviewer.post(f"/api/v1/citations/{citation.pk}/restore/")
    assert (response.status_code, response.json()) == (
        400,
        {"incident": [f"Incident {citation.incident_id} is in the trash; restore it first."]},
    )


def test_restore_keeps_a_reviewers_override(assessed, reviewer):
    assessment = Assessment.objects.get(incident__title__startswith="Artillery shelling")
    reviewer.patch(
        f"/api/v1/assessments/{assessment.pk}/",
        {"override_verdict": "possible", "override_reason": "Unclear who fired."},
        format="json",
        **if_match(assessment),
    )
    incident = assessment.incident
    reviewer.delete(f"/api/v1/incidents/{incident.pk}/", **if_match(incident))
    assert reviewer.get(f"/api/v1/assessments/{assessment.pk}/").status_code == 404
    reviewer.post(f"/api/v1/incidents/{incident.pk}/restore/")
    back = reviewer.get(f"/api/v1/assessments/{assessment.pk}/").json()
    assert (back["effective_verdict"], back["override"]["reason"], back["override"]["stale"]) == (
        "possible",
        "Unclear who fired.",
        False,
    )


def test_recompute_leaves_trashed_incidents_assessments_alone(assessed, reviewer):
    from tracker.services.assessments import recompute

    incident = Incident.objects.get(title__startswith="Artillery shelling")
    reviewer.delete(f"/api/v1/incidents/{incident.pk}/", **if_match(incident))
    kept = set(Assessment.objects.filter(incident=incident).values_list("pk", "version"))
    recompute()
    assert set(Assessment.objects.filter(incident=incident).values_list("pk", "version")) == kept


def test_place_with_live_incidents_cannot_be_trashed_but_can_once_they_are(reviewer):
    place = PlaceFactory()
    incident = IncidentFactory(place=place)
    refused = reviewer.delete(f"/api/v1/places/{place.pk}/", **if_match(place))
    assert refused.status_code == 409
    assert refused.json() == {
        "detail": "Cannot delete: other records refer to this one.",
        "referenced_by": [f"incident {incident.pk}"],
    }
    reviewer.delete(f"/api/v1/incidents/{incident.pk}/", **if_match(incident))
    assert reviewer.delete(f"/api/v1/places/{place.pk}/", **if_match(place)).status_code == 204
    # The incident cannot come back to a place in the trash.
    response = reviewer.post(f"/api/v1/incidents/{incident.pk}/restore/")
    assert response.json() == {"place": [f"Place {place.pk} is in the trash; restore it first."]}


def test_a_trashed_report_keeps_its_url_taken(reviewer):
    report = ReportFactory(url="https://example.org/story")
    reviewer.delete(f"/api/v1/reports/{report.pk}/", **if_match(report))
    response = reviewer.post(
        "/api/v1/reports/",
        {
            "source": report.source_id,
            "title": "Again",
            "url": "https://example.org/story",
            "published_at": "2020-01-12T10:00:00Z",
        },
        format="json",
    )
    assert (response.status_code, response.json()) == (
        400,
        {"url": ["A report with this URL already exists. It is in the trash: restore it instead."]},
    )


@pytest.mark.parametrize(
    ("role", "trash", "restore", "purge"),
    [
        ("anonymous", 401, 401, 401),
        ("no_permission", 403, 403, 403),
        ("curator", 200, 200, 403),
        ("ingest", 403, 403, 403),
        ("read_only_token", 200, 403, 403),  # a reviewer's read-only token
        ("reviewer", 200, 200, 204),
    ],
)
@pytest.mark.parametrize("route", ["incidents", "citations", "reports", "places"])
def test_trash_permissions(client_for, role, trash, restore, purge, route):
    model = {"incidents": Incident, "citations": Citation, "reports": Report, "places": Place}[route]
    factory = {"incidents": IncidentFactory, "citations": CitationFactory, "reports": ReportFactory, "places": PlaceFactory}[
        route
    ]
    client = client_for(role)
    first, second = factory(), factory()
    model.objects.filter(pk__in=[first.pk, second.pk]).update(deleted_at="2020-01-01T00:00:00Z")
    assert client.get(f"/api/v1/{route}/trash/").status_code == trash
    assert client.post(f"/api/v1/{route}/{first.pk}/restore/").status_code == restore
    assert model.objects.filter(pk=first.pk).exists() == (restore == 200)
    assert client.delete(f"/api/v1/{route}/{second.pk}/purge/", **if_match(second)).status_code == purge
    assert model.all_objects.filter(pk=second.pk).exists() == (purge != 204)


def test_purge_only_takes_what_is_in_the_trash(reviewer):
    incident = IncidentFactory()
    assert reviewer.delete(f"/api/v1/incidents/{incident.pk}/purge/", **if_match(incident)).status_code == 404
    reviewer.delete(f"/api/v1/incidents/{incident.pk}/", **if_match(incident))
    assert reviewer.delete(f"/api/v1/incidents/{incident.pk}/purge/").status_code == 428
    assert reviewer.delete(f"/api/v1/incidents/{incident.pk}/purge/", **if_match(incident)).status_code == 204
    assert not Incident.all_objects.filter(pk=incident.pk).exists()
    # History outlives the purge.
    history = reviewer.get(f"/api/v1/incidents/{incident.pk}/history/").json()
    assert [(e["type"], e["version"]) for e in history["results"]] == [("deleted", 3), ("changed", 2), ("created", 1)]
    assert history["results"][1]["changes"][0]["field"] == "deleted_at"
