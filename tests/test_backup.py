"""`manage.py backup` / `restore`: a round trip gives back every record, trashed ones and
the whole history included, identical."""

import io
import json
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import IncidentFactory, UserFactory
from tracker import generation
from tracker.models import ApiToken, Assessment, Incident
from tracker.services import assessments, common, incidents

# Committed data, as in real use: PostgreSQL cannot TRUNCATE tables with pending trigger
# events in the same transaction.
pytestmark = pytest.mark.django_db(transaction=True)


def everything() -> list:
    """Every row the backup covers, as data (users, groups, tracker incl. history; not the data
    generation, which only moves forward)."""
    out = io.StringIO()
    call_command(
        "dumpdata", "auth.group", "auth.user", "tracker", all=True, use_natural_foreign_keys=True,
        exclude=["tracker.DataGeneration", "tracker.Release", "tracker.HistoricalRelease"], stdout=out,
    )  # fmt: skip
    return sorted(json.loads(out.getvalue()), key=lambda row: (row["model"], str(row["pk"])))


def test_round_trip_is_identical(roles, assessed, tmp_path):
    reviewer = UserFactory(username="reviewer", roles=["reviewer"])
    ApiToken.issue(user=reviewer, name="dashboard")
    artillery = Incident.objects.get(title__startswith="Artillery shelling")
    incidents.incident_update(incident=artillery, data={"killed_high": 14}, user=reviewer)
    assessments.assessment_override(
        assessment=Assessment.objects.filter(incident=artillery).first(), verdict="possible", reason="Checked.", user=reviewer
    )
    common.delete(Incident.objects.get(title__startswith="Bombing of Taftanaz"), user=reviewer)
    before = everything()
    assert any(row["model"] == "tracker.historicalincident" for row in before)
    assert any(row["model"] == "tracker.incident" and row["fields"]["deleted_at"] for row in before)

    path = tmp_path / "backup.json"
    call_command("backup", str(path), stdout=io.StringIO())
    assert "tracker.datageneration" not in path.read_text()
    generation_before = generation.current()
    with pytest.raises(CommandError, match="pass --replace"):
        call_command("restore", str(path), stdout=io.StringIO())
    call_command("restore", str(path), "--replace", stdout=io.StringIO())
    assert everything() == before
    # Cached API answers of the replaced data can never be served again.
    assert generation.current() not in (None, generation_before)
    # The restored database works: a write after the restore gets fresh ids and history.
    again = Incident.objects.get(pk=artillery.pk)
    incidents.incident_update(incident=again, data={"killed_high": 15}, user=reviewer)
    assert Incident.history.filter(id=artillery.pk).count() == 3


def test_times_come_back_to_the_microsecond(tmp_path):
    """Django's JSON cuts times to milliseconds; 400 µs past a second came back as the second."""
    incident = IncidentFactory()
    updated, occurred = datetime(2020, 1, 11, 21, 1, 0, 400, tzinfo=UTC), datetime(2020, 1, 11, 21, 1, 0, 123456, tzinfo=UTC)
    Incident.objects.filter(pk=incident.pk).update(updated_at=updated, occurred_at=occurred)
    path = tmp_path / "backup.json"
    call_command("backup", str(path), stdout=io.StringIO())
    assert '"2020-01-11T21:01:00.000400Z"' in path.read_text()
    call_command("restore", str(path), "--replace", stdout=io.StringIO())
    restored = Incident.objects.get(pk=incident.pk)
    assert (restored.updated_at, restored.occurred_at) == (updated, occurred)
