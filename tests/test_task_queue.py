"""A ceasefire's verdicts recomputed through Django's Tasks API: in the request by default, on
the database queue with a real `db_worker` process in production; pending meanwhile, and said so."""

from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings

from tests.factories import (
    CeasefireFactory,
    CeasefirePartyFactory,
    IncidentFactory,
    PartyFactory,
    PlaceFactory,
    UserFactory,
)
from tests.helpers import if_match, run_db_worker, utc
from tracker.models import Assessment, VerdictRecompute
from tracker.services import assessments, ceasefires, recompute

ROOT = Path(__file__).resolve().parent.parent
SQUARE = {"type": "Polygon", "coordinates": [[[36.0, 35.0], [37.0, 35.0], [37.0, 36.0], [36.0, 36.0], [36.0, 35.0]]]}
DUMMY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
LATER = "2020-02-01T00:00:00Z"


def _truce():
    syria = PlaceFactory(kind="country", name="Syria", timezone="Asia/Damascus", latitude=35.0, longitude=38.0)
    zone = PlaceFactory(kind="zone", name="Zone", parent=syria, geometry=SQUARE, latitude=35.5, longitude=36.5)
    army = PartyFactory(name="Army")
    ceasefire = CeasefireFactory(scope=syria, zone=zone, starts_at=utc(2020, 1, 11, 21, 1))
    CeasefirePartyFactory(ceasefire=ceasefire, party=army, role="signatory")
    place = PlaceFactory(parent=syria, latitude=35.5, longitude=36.5)
    incident = IncidentFactory(
        perpetrator=army, attribution="alleged", place=place, occurred_at=utc(2020, 1, 20, 8), time_precision="hour"
    )
    assessments.assess_incident(incident)
    return ceasefire, incident


@pytest.fixture
def reviewer_api(client_for):
    return client_for("reviewer")


def verdict(incident) -> tuple:
    a = Assessment.objects.get(incident=incident)
    return a.verdict, a.reasons


@pytest.mark.django_db
def test_by_default_the_recompute_runs_in_the_request(reviewer_api):
    ceasefire, incident = _truce()
    assert verdict(incident) == ("violation", [])
    response = reviewer_api.patch(
        f"/api/v1/ceasefires/{ceasefire.pk}/", {"starts_at": LATER}, format="json", **if_match(ceasefire)
    )
    assert response.status_code == 200 and response.json()["verdicts_pending_since"] is None
    assert verdict(incident) == ("not_violation", ["before_start"])
    state = VerdictRecompute.objects.get(ceasefire=ceasefire)
    assert (state.pending_since, state.failed) == (None, "") and state.finished_at is not None


@pytest.mark.django_db
def test_while_queued_the_verdicts_are_said_to_be_pending(reviewer_api, client_for, client):
    ceasefire, incident = _truce()
    with override_settings(TASKS=DUMMY):  # stores the task, runs nothing
        response = reviewer_api.patch(
            f"/api/v1/ceasefires/{ceasefire.pk}/", {"starts_at": LATER}, format="json", **if_match(ceasefire)
        )
        pending = response.json()["verdicts_pending_since"]
        assert pending is not None
        assert verdict(incident) == ("violation", [])  # not yet recomputed: and the answers say so
        reader = client_for("curator")
        violations = reader.get(f"/api/v1/ceasefires/{ceasefire.pk}/violations/")
        assert violations["Verdicts-Pending-Since"] == pending
        compliance = reader.get(f"/api/v1/ceasefires/{ceasefire.pk}/compliance/?days=3")
        assert compliance.json()["verdicts_pending_since"] == pending == compliance["Verdicts-Pending-Since"]
        client.force_login(UserFactory(roles=["curator"]))
        page = client.get(f"/admin/tracker/ceasefire/{ceasefire.pk}/change/").content.decode()
        assert "Its verdicts are being recomputed after a change" in page
    recompute.recompute_ceasefire_verdicts.call(ceasefire.pk)  # what the worker runs
    assert verdict(incident) == ("not_violation", ["before_start"])
    assert reviewer_api.get(f"/api/v1/ceasefires/{ceasefire.pk}/").json()["verdicts_pending_since"] is None
    assert "Verdicts-Pending-Since" not in reader.get(f"/api/v1/ceasefires/{ceasefire.pk}/violations/")


@pytest.mark.django_db
def test_a_change_made_while_a_recompute_runs_keeps_the_verdicts_pending(monkeypatch):
    ceasefire, _ = _truce()
    real = recompute.assess_ceasefire

    def meanwhile(c):
        counts = real(c)
        with override_settings(TASKS=DUMMY):
            recompute.request_ceasefire_verdicts(c)  # another change, its own task queued
        return counts

    with override_settings(TASKS=DUMMY):
        recompute.request_ceasefire_verdicts(ceasefire)
    monkeypatch.setattr(recompute, "assess_ceasefire", meanwhile)
    recompute.recompute_ceasefire_verdicts.call(ceasefire.pk)
    assert VerdictRecompute.objects.get(ceasefire=ceasefire).pending_since is not None


@pytest.mark.django_db
def test_a_failed_recompute_stays_pending_and_says_why(monkeypatch):
    ceasefire, _ = _truce()

    def broken(c):
        raise RuntimeError("zone geometry unreadable")

    with override_settings(TASKS=DUMMY):
        recompute.request_ceasefire_verdicts(ceasefire)
    monkeypatch.setattr(recompute, "assess_ceasefire", broken)
    with pytest.raises(RuntimeError):
        recompute.recompute_ceasefire_verdicts.call(ceasefire.pk)
    state = VerdictRecompute.objects.get(ceasefire=ceasefire)
    assert state.pending_since is not None and state.failed == "RuntimeError: zone geometry unreadable"


@pytest.mark.django_db(transaction=True)
def test_the_database_queue_with_a_real_worker(roles):
    """Production's backend: the change commits with its task row; a `db_worker` process (here
    in batch mode: run what is queued, then exit) recomputes the verdicts."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker is another process on the same database")
    from django_tasks_db.models import DBTaskResult

    ceasefire, incident = _truce()
    with override_settings(TASKS=DATABASE):
        ceasefires.ceasefire_update(ceasefire=ceasefire, data={"starts_at": utc(2020, 2, 1)}, user=None)
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert verdict(incident) == ("violation", [])  # queued, not run
    assert VerdictRecompute.objects.get(ceasefire=ceasefire).pending_since is not None

    run_db_worker()
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert verdict(incident) == ("not_violation", ["before_start"])
    assert VerdictRecompute.objects.get(ceasefire=ceasefire).pending_since is None


@pytest.mark.django_db
def test_a_bulk_recompute_can_be_queued():
    from io import StringIO

    from django.core.management import call_command

    ceasefire, incident = _truce()
    type(ceasefire).objects.filter(pk=ceasefire.pk).update(starts_at=utc(2020, 2, 1))  # behind the services' back
    out = StringIO()
    with override_settings(TASKS=DUMMY):
        call_command("recompute_assessments", "--queue", stdout=out)
    assert out.getvalue().strip() == "queued: the verdicts of 1 ceasefire(s)"
    assert VerdictRecompute.objects.get(ceasefire=ceasefire).pending_since is not None
    assert verdict(incident) == ("violation", [])
    call_command("recompute_assessments", "--queue", stdout=StringIO())  # immediate backend: runs now
    assert verdict(incident) == ("not_violation", ["before_start"])
    assert VerdictRecompute.objects.get(ceasefire=ceasefire).pending_since is None


@pytest.mark.django_db
def test_moving_a_party_recomputes_the_ceasefires_that_bind_it():
    """A militia put under the bound army is bound with it: its strikes become violations."""
    from tracker.services import gazetteer

    ceasefire, incident = _truce()
    militia = PartyFactory(name="Militia")
    Assessment.objects.all().delete()
    strike = IncidentFactory(
        perpetrator=militia, attribution="alleged", place=incident.place, occurred_at=utc(2020, 1, 20, 8), time_precision="hour"
    )
    assessments.assess_incident(strike)
    assert verdict(strike) == ("not_violation", ["perpetrator_not_bound"])
    army = ceasefire.parties.get()
    gazetteer.party_update(party=militia, data={"parent": army}, user=None)
    assert verdict(strike) == ("violation", [])
    gazetteer.party_update(party=militia, data={"parent": None}, user=None)
    assert verdict(strike) == ("not_violation", ["perpetrator_not_bound"])
