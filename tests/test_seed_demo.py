"""`manage.py seed_demo`: deterministic synthetic data that the tracker serves like curated data."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count

from tests.factories import IncidentFactory
from tracker.models import Assessment, Ceasefire, Citation, Incident, IncidentProvenance, Party, Place, Report
from tracker.services import incidents as incident_services


def seed(n: int, *more: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", "--incidents", str(n), *more, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def snapshot() -> list[tuple]:
    """The data that must not depend on anything but the seed (ids included, times excluded)."""
    return [
        *Incident.all_objects.order_by("pk").values_list(
            "pk", "title", "kind", "occurred_at", "place__name", "perpetrator__name", "killed_low", "status"
        ),
        *Citation.objects.order_by("pk").values_list("pk", "incident_id", "report_id", "stance"),
        *Report.objects.order_by("pk").values_list("pk", "source__name", "published_at"),
        *Assessment.objects.order_by("incident_id", "ceasefire_id").values_list("incident_id", "ceasefire__name", "verdict"),
    ]


@pytest.mark.django_db(transaction=True)
def test_the_same_seed_gives_the_same_data_and_another_seed_other_data():
    summary = seed(600)
    first = snapshot()
    seed(600, "--flush")
    assert snapshot() == first
    seed(600, "--flush", "--seed", "2")
    assert snapshot() != first
    assert summary.startswith("seeded: 600 incidents, ")


@pytest.mark.django_db(transaction=True)
def test_seeded_data_is_complete_and_consistent():
    seed(1500)
    assert Incident.all_objects.count() == 1500
    # Every incident is cited by one to three reports, and graded from those citations.
    per_incident = dict(Incident.all_objects.annotate(n=Count("citations")).values_list("pk", "n"))
    assert set(per_incident.values()) <= {1, 2, 3} and min(per_incident.values()) == 1
    assert IncidentProvenance.objects.count() == 1500
    # Some reports cover several incidents (round-ups).
    assert Report.objects.annotate(n=Count("citations")).filter(n__gt=1).exists()
    # A hierarchy: country > governorates (with zones) > districts > towns; parties with sub-units.
    assert Place.objects.filter(parent__isnull=True).count() == 1
    assert Place.objects.filter(kind="governorate", geometry__isnull=False).count() == 14
    assert not Incident.all_objects.filter(place__kind__in=["country", "governorate", "district"]).exists()
    assert Party.objects.filter(parent__parent__isnull=False).exists()  # air force < armed forces < government
    # Ceasefires over a zone, each with two signatories who declare their own start; verdicts computed.
    assert Ceasefire.objects.count() == 12
    assert all(c.zone.geometry and c.declarations.count() == 2 for c in Ceasefire.objects.all())
    assert Assessment.objects.exists()
    # Rows inserted in bulk skip validation: they must pass it all the same (a curator's next
    # edit of a seeded incident validates the whole record).
    for model in (Incident, Report, Citation, Place, Party, Ceasefire):
        for record in model._base_manager.order_by("?")[:150]:
            record.full_clean()
    assert set(Assessment.objects.values_list("verdict", flat=True)) <= {"violation", "possible", "not_violation"}


@pytest.mark.django_db(transaction=True)
def test_seeded_incidents_are_served_and_new_writes_follow_their_ids(client_for):
    seed(300)
    body = client_for("reviewer").get("/api/v1/incidents/", {"page_size": 1000, "count": "true"}).json()
    assert body["count"] == 300 and {i["id"] for i in body["results"]} == set(Incident.all_objects.values_list("pk", flat=True))
    assert all(i["citation_ids"] and i["suggested_confidence"] for i in body["results"])
    # The id sequence follows the inserted ids (PostgreSQL's would otherwise hand out 1 again, a
    # clash; SQLite's AUTOINCREMENT may be further on after an earlier flush).
    created = incident_services.incident_create(
        data={
            "title": "After seeding",
            "kind": "airstrike",
            "occurred_at": IncidentFactory.occurred_at,
            "place": Place.objects.filter(kind="town").first(),
        },
        user=None,
    )
    assert created.pk > 300


@pytest.mark.django_db
def test_refuses_a_database_that_holds_incidents():
    IncidentFactory()
    with pytest.raises(CommandError, match="already holds incidents: seed_demo fills an empty one"):
        seed(10)
    assert Incident.objects.count() == 1
