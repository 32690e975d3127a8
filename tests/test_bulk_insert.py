"""tracker.bulk_insert: many new records at once, with one history row each (COPY on
PostgreSQL, bulk_create elsewhere), the same rows as simple-history's bulk helper writes."""

from datetime import UTC, datetime

import pytest
from django.db import transaction
from simple_history.utils import bulk_create_with_history

from tests.factories import IncidentFactory, PlaceFactory, UserFactory
from tracker import bulk_insert, generation
from tracker.choices import Confidence, IncidentKind, IncidentStatus
from tracker.history import Channel, bulk_defaults, history_context
from tracker.models import Incident, IncidentProvenance

pytestmark = pytest.mark.django_db


def _incidents(place, n: int, prefix: str) -> list[Incident]:
    return [
        Incident(
            title=f"{prefix} {i}: shelling of \"Kafr Nabl\" ='1+1'",
            kind=IncidentKind.ARTILLERY_SHELLING,
            occurred_at=datetime(2020, 3, 5, 21, 30, tzinfo=UTC),
            place=place,
            status=IncidentStatus.DRAFT,
            killed_low=i,
            killed_high=i + 2,
            external_source="acled",
            external_id=f"{prefix}{i}",
            import_flags=["figures_reordered"] if i % 2 else [],
            description="Line one\nline two\ttabbed \\ backslash",
            version=1,
        )
        for i in range(n)
    ]


def _columns(model, pk) -> dict:
    row = model._base_manager.filter(pk=pk).values().get()
    return {k: v for k, v in row.items() if k not in {"id", "created_at", "updated_at", "external_id", "title"}}


def _history(model, pk) -> list[tuple]:
    return list(
        model.history.filter(id=pk).values_list(
            "history_type", "history_channel", "history_user_id", "history_change_reason", "title", "import_flags", "version"
        )
    )


def test_records_and_history_rows_are_those_of_simple_historys_bulk_helper():
    curator, place = UserFactory(), PlaceFactory()
    with history_context(channel=Channel.IMPORT, reason="acled.csv", user=curator):
        ours = bulk_insert.create(Incident, _incidents(place, 3, "A"))
        theirs = bulk_create_with_history(_incidents(place, 3, "B"), Incident, **bulk_defaults())
    assert all(i.pk is not None and not i._state.adding for i in ours)
    assert len({i.pk for i in ours + theirs}) == 6
    for a, b in zip(ours, theirs, strict=True):
        assert _columns(Incident, a.pk) == _columns(Incident, b.pk)
        stored = Incident.objects.get(pk=a.pk)
        assert (stored.title, stored.description, stored.import_flags) == (a.title, a.description, a.import_flags)
        assert stored.created_at is not None and stored.updated_at is not None
        assert [row[:4] for row in _history(Incident, a.pk)] == [("+", Channel.IMPORT, curator.pk, "acled.csv")]
        assert [row[:4] for row in _history(Incident, a.pk)] == [row[:4] for row in _history(Incident, b.pk)]
        assert _history(Incident, a.pk)[0][4:] == (a.title, a.import_flags, 1)
    # The sequence moved past the reserved ids: the next ordinary save takes a fresh one.
    assert IncidentFactory().pk > max(i.pk for i in ours + theirs)


def test_records_whose_key_is_another_records_keep_it_and_need_no_history():
    incident = IncidentFactory()
    (row,) = bulk_insert.create(
        IncidentProvenance,
        [IncidentProvenance(incident=incident, suggested_confidence=Confidence.WEAK, reason="One claimant.")],
        history=False,
    )
    stored = IncidentProvenance.objects.get(pk=incident.pk)
    assert (stored.suggested_confidence, stored.reason, stored.computed_at is not None) == (
        Confidence.WEAK,
        "One claimant.",
        True,
    )
    assert row.pk == incident.pk


@pytest.mark.django_db(transaction=True)
def test_a_committed_bulk_insert_moves_the_data_generation():
    place = PlaceFactory()
    start = generation.current()
    with transaction.atomic():
        bulk_insert.create(Incident, _incidents(place, 2, "G"))
        assert generation.current() == start
    assert generation.current() == start + 1
