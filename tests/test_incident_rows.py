"""The lean incident list (tracker.representation.incident_rows) must serve exactly what the serializer
would: the same keys, values and bytes, over incidents that exercise every branch."""

import json
from datetime import UTC, datetime

import pytest
from rest_framework.renderers import JSONRenderer

from tests.factories import (
    AssessmentFactory,
    CeasefireFactory,
    CitationFactory,
    IncidentFactory,
    PartyFactory,
    PlaceFactory,
    ReportFactory,
    UserFactory,
)
from tracker.models import Incident, IncidentProvenance
from tracker.representation import incident_rows
from tracker.representation.encoding import dumps
from tracker.representation.serializers import IncidentSerializer
from tracker.services import provenance
from tracker.services.common import delete


def serializer_items(ids: list[int]) -> list[dict]:
    """The incidents as `IncidentSerializer` writes them (its own prefetches), in `ids` order."""
    from tracker.api.views import IncidentViewSet

    view = IncidentViewSet(action="list", request=None, format_kwarg=None)
    view.request = type("R", (), {"user": UserFactory(is_superuser=True)})()
    by_id = {i.pk: i for i in view.get_queryset().filter(pk__in=ids)}
    return IncidentSerializer([by_id[pk] for pk in ids], many=True).data


@pytest.fixture
def varied(db):
    """Incidents covering each branch of the row builder."""
    reviewer = UserFactory(username="reviewer-x")
    ceasefire, other = CeasefireFactory(name="Ceasefire A"), CeasefireFactory(name="Ceasefire B")
    plain = IncidentFactory(title="Plain, no perpetrator, nothing cited")
    full = IncidentFactory(
        title="Frappe a\u0301 Ma\u2019arrat \u2014 \u0645\u0639\u0631\u0629",  # non-ASCII, combining accent
        description='Line one\u2028line two \u2029 and a "quote"',
        perpetrator=PartyFactory(name="Unit \u00e9"),
        attribution="alleged",
        latitude=35.6433,
        longitude=36.6747,
        killed_low=13,
        killed_high=20,
        civilians_killed_low=0,
        injured_high=7,
        occurred_at=datetime(2020, 1, 12, 6, 30, 15, 123456, tzinfo=UTC),
        occurred_until=datetime(2020, 1, 12, 9, 0, tzinfo=UTC),
        time_precision="interval",
        external_source="acled",
        external_id="SYR123",
        confidence="fair",
        place=PlaceFactory(latitude=36.0, longitude=36.5),
    )
    earlier, later = ReportFactory(), ReportFactory()
    for report in (later, earlier):  # report ids are listed sorted, citation ids in order
        CitationFactory(incident=full, report=report)
    gone = CitationFactory(incident=full)
    delete(gone, user=None)  # a deleted citation is not listed
    provenance.refresh([full.pk])
    AssessmentFactory(incident=full, ceasefire=other, verdict="possible", reasons=["near_zone_edge"], time_overlap=0.5)
    AssessmentFactory(
        incident=full,
        ceasefire=ceasefire,
        verdict="not_violation",
        override_verdict="violation",
        override_reason="Shelling confirmed by both sides.",
        override_by=reviewer,
        override_at=datetime(2020, 2, 1, 10, 0, 0, 500, tzinfo=UTC),
        override_stale=True,
    )
    orphan_override = IncidentFactory(title="Override by a deleted user")
    AssessmentFactory(
        incident=orphan_override,
        ceasefire=ceasefire,
        override_verdict="not_violation",
        override_reason="Outside the zone.",
        override_at=datetime(2020, 2, 2, tzinfo=UTC),
    )
    return [plain, full, orphan_override]


def test_rows_equal_the_serializer_value_for_value(varied):
    ids = [i.pk for i in varied]
    lean = incident_rows.build(incident_rows.rows_queryset(Incident.objects.filter(pk__in=ids).order_by("id")))
    assert lean == serializer_items(ids)
    # And key for key, in the same order (clients diffing bodies see no change).
    assert [list(row) for row in lean] == [list(item) for item in serializer_items(ids)]


def test_rows_render_to_the_same_bytes_as_drf(varied):
    ids = [i.pk for i in varied]
    lean = incident_rows.build(incident_rows.rows_queryset(Incident.objects.filter(pk__in=ids).order_by("id")))
    assert dumps(lean) == JSONRenderer().render(serializer_items(ids))


def test_an_incident_never_graded_reads_as_unassessed(db):
    incident = IncidentFactory()
    IncidentProvenance.objects.filter(incident=incident).delete()  # as bulk-loaded incidents are
    [row] = incident_rows.build(incident_rows.rows_queryset(Incident.objects.filter(pk=incident.pk)))
    assert (row["suggested_confidence"], row["suggested_confidence_reason"], row["independent_claimants"], row["contested"]) == (
        "unassessed",
        "",
        0,
        False,
    )
    assert row == serializer_items([incident.pk])[0]


def test_the_list_endpoint_serves_the_lean_rows(varied, client_for):
    body = client_for("reviewer").get("/api/v1/incidents/", {"ordering": "id"}).json()
    assert body["results"] == json.loads(JSONRenderer().render(serializer_items([i.pk for i in varied])))
