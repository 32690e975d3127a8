"""A list request costs the same number of queries whatever its length (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests import factories as f

pytestmark = pytest.mark.django_db


def populate(route: str, n: int) -> None:
    """n records of a resource, each with the related rows its representation shows."""
    for _ in range(n):
        if route == "parties":
            f.PartyAliasFactory(party=f.PartyFactory(parent=f.PartyFactory()))
        elif route == "places":
            f.PlaceNameFactory(place=f.PlaceFactory(parent=f.PlaceFactory()))
        elif route == "ceasefires":
            ceasefire = f.CeasefireFactory()
            f.CeasefirePartyFactory(ceasefire=ceasefire)
            f.DeclarationFactory(ceasefire=ceasefire)
        elif route == "sources":
            f.SourceFactory(affiliated_party=f.PartyFactory())
        elif route == "reports":
            f.ReportFactory(wire_source=f.SourceFactory(), syndicated_from=f.ReportFactory())
        elif route == "incidents":
            incident = f.IncidentFactory(perpetrator=f.PartyFactory(), attribution="alleged")
            f.CitationFactory(incident=incident)
            f.CitationFactory(incident=incident)
            f.AssessmentFactory(incident=incident)
        elif route == "assessments":
            f.AssessmentFactory(override_verdict="possible", override_reason="checked", override_by=f.UserFactory())
        elif route == "citations":
            f.CitationFactory(claimant=f.SourceFactory(), named_perpetrator=f.PartyFactory())


def count_queries(api, url: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


# The page + one per prefetched relation (incidents: their places, parties, citations and verdicts).
EXPECTED = {
    "parties": 2,
    "places": 2,
    "ceasefires": 4,  # + roles, declarations, lifecycle
    "sources": 1,
    "reports": 3,  # + the cluster: copies of each report and of its original
    "incidents": 5,
    "citations": 1,
    "assessments": 1,
}


@pytest.mark.parametrize("route", list(EXPECTED))
def test_list_query_count_is_constant(api, route):
    populate(route, 2)
    small = count_queries(api, f"/api/v1/{route}/")
    populate(route, 20)
    large = count_queries(api, f"/api/v1/{route}/?page_size=100")
    assert small == large == EXPECTED[route]
    # The total is one query more, and only when asked for.
    assert count_queries(api, f"/api/v1/{route}/?count=true&page_size=100") == EXPECTED[route] + 1


def test_filtered_incident_list_is_constant_too(api):
    country = f.PlaceFactory(kind="country")

    def add(n):
        for _ in range(n):
            incident = f.IncidentFactory(
                place=f.PlaceFactory(parent=country), perpetrator=f.PartyFactory(), attribution="alleged", title="a strike"
            )
            f.CitationFactory(incident=incident)

    url = f"/api/v1/incidents/?place={country.pk}&kind=airstrike&bbox=30,30,40,40&q=strike&ordering=-fatalities"
    add(3)
    small = count_queries(api, url)
    add(15)
    assert api.get(url + "&count=true").json()["count"] == 18
    # + the check that the place exists, + its subtree's ids (a list the planner can count)
    assert count_queries(api, url) == small == 7


@pytest.mark.parametrize("changes", [2, 20])
def test_history_query_count_is_constant(client_for, changes):
    """Record + its history page + the entry before the page; user joined."""
    from tracker.models import Incident
    from tracker.services import incidents

    reviewer = client_for("reviewer")
    incident = f.IncidentFactory(killed_high=0)
    for n in range(changes):
        incidents.incident_update(incident=Incident.objects.get(pk=incident.pk), data={"killed_high": n + 1}, user=reviewer.user)
    reviewer.get("/api/v1/parties/")  # the user's permissions and groups are cached from here on
    assert count_queries(reviewer, f"/api/v1/incidents/{incident.pk}/history/?page_size=10") == 5


@pytest.mark.parametrize("n", [2, 20])
def test_trash_query_count_is_constant(client_for, n):
    from tracker.services.common import delete

    reviewer = client_for("reviewer")
    for _ in range(n):
        populate("citations", 1)
    for citation in f.CitationFactory._meta.model.objects.all():
        delete(citation, user=None)
    reviewer.get("/api/v1/parties/")
    # The same at 2 and 20 trashed citations: user and group permissions, page.
    assert count_queries(reviewer, "/api/v1/citations/trash/") == 3


@pytest.mark.parametrize("citations", [1, 12])
def test_incident_detail_with_claims_is_constant(api, citations):
    """Incident (with place, perpetrator, provenance) + citations with their reports, sources,
    originals and claimants + assessments: the same for 1 and 12 claims."""
    from tracker.services import provenance

    incident = f.IncidentFactory(perpetrator=f.PartyFactory(), attribution="alleged")
    original = f.ReportFactory(wire_source=f.SourceFactory())
    for n in range(citations):
        report = f.ReportFactory(syndicated_from=original) if n % 2 else f.ReportFactory()
        f.CitationFactory(incident=incident, report=report, claimant=f.SourceFactory() if n % 3 else None, killed_low=n)
    f.AssessmentFactory(incident=incident)
    provenance.refresh([incident.pk])
    assert count_queries(api, f"/api/v1/incidents/{incident.pk}/") == 3


@pytest.mark.parametrize("n", [2, 20])
def test_ceasefire_violations_query_count_is_constant(api, n):
    """Ceasefire + the page (the violating ids as a subquery) + places + parties + citations + verdicts."""
    ceasefire = f.CeasefireFactory()
    for _ in range(n):
        incident = f.IncidentFactory(perpetrator=f.PartyFactory(), attribution="alleged")
        f.CitationFactory(incident=incident)
        f.AssessmentFactory(incident=incident, ceasefire=ceasefire, verdict="violation")
    response = api.get(f"/api/v1/ceasefires/{ceasefire.pk}/violations/?page_size=100")
    assert len(response.json()["results"]) == n
    assert count_queries(api, f"/api/v1/ceasefires/{ceasefire.pk}/violations/?page_size=100") == 6
