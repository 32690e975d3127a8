"""Unverified incidents (draft, in review) are seen only by users allowed to view incidents;
the public sees verified and disputed ones, and nothing derived from the others."""

import pytest

from tracker.models import Assessment, Ceasefire, Citation, Incident

pytestmark = pytest.mark.django_db

PUBLIC = {"verified", "disputed"}


def _ids(client, path: str) -> set[int]:
    response = client.get(path + ("&" if "?" in path else "?") + "page_size=1000")
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("role", "sees_all"), [("anonymous", False), ("no_permission", False), ("curator", True), ("ingest", True)]
)
def test_who_sees_unverified_incidents(assessed, client_for, role, sees_all):
    client = client_for(role)
    unverified = set(Incident.objects.exclude(status__in=PUBLIC).values_list("pk", flat=True))
    assert unverified  # the fixture has drafts and incidents in review
    everything = set(Incident.objects.values_list("pk", flat=True))
    want = everything if sees_all else everything - unverified
    assert _ids(client, "/api/v1/incidents/") == want
    for pk in unverified:
        assert client.get(f"/api/v1/incidents/{pk}/").status_code == (200 if sees_all else 404)

    citations = Citation.objects.all() if sees_all else Citation.objects.filter(incident__status__in=PUBLIC)
    assert _ids(client, "/api/v1/citations/") == set(citations.values_list("pk", flat=True))
    verdicts = Assessment.objects.all() if sees_all else Assessment.objects.filter(incident__status__in=PUBLIC)
    assert _ids(client, "/api/v1/assessments/") == set(verdicts.values_list("pk", flat=True))

    january = Ceasefire.objects.get(name="Idlib ceasefire (January 2020)")
    violating = Assessment.objects.filter(ceasefire=january, verdict__in=["violation", "possible"])
    if not sees_all:
        violating = violating.filter(incident__status__in=PUBLIC)
    assert _ids(client, f"/api/v1/ceasefires/{january.pk}/violations/") == set(violating.values_list("incident_id", flat=True))


def test_public_compliance_counts_only_public_incidents(assessed, client_for):
    january = Ceasefire.objects.get(name="Idlib ceasefire (January 2020)")
    url = f"/api/v1/ceasefires/{january.pk}/compliance/?days=3"
    # In the three days before the start, the 10 January clashes (in review) are hidden.
    assert client_for("anonymous").get(url).json()["totals"] == {
        "before": 2,
        "after": 1,
        "by_verdict": {"violation": 1, "possible": 0, "not_violation": 2},
    }
    assert client_for("curator").get(url).json()["totals"] == {
        "before": 3,
        "after": 1,
        "by_verdict": {"violation": 1, "possible": 0, "not_violation": 3},
    }
