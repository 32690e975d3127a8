"""Derived data as one mechanism (tracker.services.derived): each service operation's writes are
recorded, and what derives from them is computed once, at the operation's end, from the state
the whole operation leaves — never for a write that was rolled back."""

import factory
import pytest
from django.db import transaction

from tests.factories import (
    CeasefireFactory,
    CeasefirePartyFactory,
    DeclarationFactory,
    IncidentFactory,
    PartyFactory,
    PlaceFactory,
    ReportFactory,
)
from tests.helpers import utc
from tracker.models import Assessment, Incident, IncidentProvenance, VerdictRecompute
from tracker.selectors.places import GENERATION_KEY
from tracker.services import (
    assessments,
    ceasefires,
    common,
    compliance_ledger,
    derived,
    gazetteer,
    incidents,
    outbox,
    provenance,
    recompute,
)

pytestmark = pytest.mark.django_db


def incident_data(title: str) -> dict:
    """What a curator enters for a new incident (the factory's fields, one place of its own)."""
    return {**factory.build(dict, FACTORY_CLASS=IncidentFactory), "title": title, "place": PlaceFactory()}


@pytest.fixture
def calls(monkeypatch):
    """Count the calls (and their first argument) of functions the rules use."""
    seen: dict[str, list] = {}

    def spy(module, name):
        original = getattr(module, name)
        seen[name] = []

        def wrapper(*args, **kwargs):
            seen[name].append(args[0] if args else kwargs)
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    spy(provenance, "refresh")
    spy(assessments, "assess_incident")
    spy(assessments, "reassess_responses")
    spy(recompute, "request_ceasefire_verdicts")
    spy(compliance_ledger, "refresh_incidents")
    spy(outbox, "record")
    return seen


def test_an_operation_derives_once_after_all_its_writes(calls):
    """An incident written with three claims is graded once, from all three, and assessed once."""
    sources = [ReportFactory() for _ in range(3)]
    with common.operation():
        incident = incidents.incident_create(data=incident_data("Shelling"), user=None)
        for report in sources:
            incidents.CITATIONS.create(data={"incident": incident, "report": report, "stance": "reports"}, user=None)
        assert calls["refresh"] == [] and calls["assess_incident"] == []  # nothing yet, mid-operation
    assert [set(ids) for ids in calls["refresh"]] == [{incident.pk}]
    assert [i.pk for i in calls["assess_incident"]] == [incident.pk]
    assert IncidentProvenance.objects.get(incident=incident).independent_claimants == 3


def test_a_nested_operation_that_fails_takes_its_changes_with_it(calls):
    """An import row that fails is rolled back with its savepoint: nothing is derived from it."""
    kept = IncidentFactory()
    with common.operation():
        incidents.incident_update(incident=kept, data={"title": "Kept", "occurred_at": utc(2020, 3, 6, 9)}, user=None)
        with pytest.raises(RuntimeError), common.operation():
            incidents.incident_create(data=incident_data("Rolled back"), user=None)
            raise RuntimeError("the row fails after its write")
    assert list(Incident.objects.values_list("title", flat=True)) == ["Kept"]
    assert [i.pk for i in calls["assess_incident"]] == [kept.pk]
    assert [set(ids) for ids in calls["refresh"]] == [{kept.pk}]


def test_an_edit_of_an_incidents_prose_alone_derives_nothing_but_its_event(calls):
    """Title, description and target: no rule reads them, so no reassessment, no ledger refresh,
    no regrading — and the subscribers still hear of the change."""
    incident = IncidentFactory()
    verdicts = list(Assessment.objects.filter(incident=incident).values_list("ceasefire_id", "verdict", "computed_at"))
    incidents.incident_update(
        incident=incident, data={"title": "Renamed", "description": "New words", "target_description": "A bakery"}, user=None
    )
    assert calls["assess_incident"] == calls["reassess_responses"] == []
    assert [set(ids) for ids in calls["refresh"]] == [set(ids) for ids in calls["refresh_incidents"]] == [set()]
    assert [list(events) for events in calls["record"]] == [[(incident.pk, outbox.CHANGED)]]
    assert list(Assessment.objects.filter(incident=incident).values_list("ceasefire_id", "verdict", "computed_at")) == verdicts


@pytest.mark.parametrize(
    "edits",
    [
        [{"description": "New words", "occurred_at": utc(2020, 3, 6, 9)}],  # prose and time in one write
        [{"occurred_at": utc(2020, 3, 6, 9)}, {"description": "New words"}],  # time, then prose: the last
    ],
    ids=["one write", "two writes"],
)
def test_an_operation_that_also_moves_the_incident_reassesses_it(calls, edits):
    incident = IncidentFactory()
    with common.operation():
        for data in edits:
            incidents.incident_update(incident=incident, data=data, user=None)
    assert [i.pk for i in calls["assess_incident"]] == [incident.pk]
    assert [set(ids) for ids in calls["refresh_incidents"]] == [{incident.pk}]
    assert [set(ids) for ids in calls["refresh"]] == [{incident.pk}]


def test_a_ceasefire_and_its_roles_and_lifecycle_request_one_recompute(calls):
    army, rebels = PartyFactory(name="Army"), PartyFactory(name="Rebels")
    ceasefire = ceasefires.ceasefire_create(
        data={**factory.build(dict, FACTORY_CLASS=CeasefireFactory), "name": "Truce", "scope": PlaceFactory()},
        parties=[{"party": army, "role": "signatory"}, {"party": rebels, "role": "signatory"}],
        lifecycle=[{"status": "in_force", "effective_at": utc(2020, 1, 11, 21)}],
        user=None,
    )
    assert [c.pk for c in calls["request_ceasefire_verdicts"]] == [ceasefire.pk]
    ceasefires.ceasefire_update(
        ceasefire=ceasefire, data={"name": "Idlib truce"}, parties=[{"party": army, "role": "signatory"}], user=None
    )
    assert [c.pk for c in calls["request_ceasefire_verdicts"]] == [ceasefire.pk, ceasefire.pk]


def test_a_declaration_moved_to_another_ceasefire_recomputes_both(calls):
    first, second = CeasefireFactory(), CeasefireFactory()
    declaration = DeclarationFactory(ceasefire=first)
    ceasefires.declaration_update(declaration=declaration, data={"ceasefire": second}, user=None)
    assert sorted(c.pk for c in calls["request_ceasefire_verdicts"]) == sorted([first.pk, second.pk])


def test_deleting_a_ceasefire_queues_nothing(calls):
    ceasefire = CeasefireFactory()
    CeasefirePartyFactory(ceasefire=ceasefire)
    ceasefires.ceasefire_delete(ceasefire=ceasefire, user=None)
    assert calls["request_ceasefire_verdicts"] == []
    assert not VerdictRecompute.objects.exists()


def test_a_place_edit_that_does_not_move_it_recomputes_nothing(calls):
    zone = PlaceFactory(kind="zone", latitude=35.5, longitude=36.5)
    ceasefire = CeasefireFactory(zone=zone)
    gazetteer.place_update(place=zone, data={"name": "Renamed zone"}, user=None)
    assert calls["request_ceasefire_verdicts"] == []
    gazetteer.place_update(place=zone, data={"latitude": 35.6}, user=None)
    assert [c.pk for c in calls["request_ceasefire_verdicts"]] == [ceasefire.pk]


def test_a_merge_assesses_the_kept_incident_and_what_responded_to_the_duplicate(calls):
    kept, duplicate = IncidentFactory(), IncidentFactory()
    incidents.incident_merge(merged=duplicate, kept=kept, user=None)
    assert [i.pk for i in calls["assess_incident"]] == [kept.pk]
    assert [i.pk for i in calls["reassess_responses"]] == [duplicate.pk]
    assert Assessment.objects.filter(incident=duplicate).count() == 0


def test_the_name_index_moves_with_the_write_and_again_after_the_commit(django_capture_on_commit_callbacks):
    from django.core.cache import cache

    place = PlaceFactory(name="Saraqib")
    before = cache.get(GENERATION_KEY, 0)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        gazetteer.place_update(place=place, data={"name": "Saraqeb"}, user=None)
    moved = cache.get(GENERATION_KEY, 0)
    assert moved > before  # this transaction's own reads see the new name
    for callback in callbacks:
        callback()
    assert cache.get(GENERATION_KEY, 0) > moved  # others rebuild from the committed data


def test_rules_do_not_run_for_an_operation_rolled_back_whole(calls):
    with pytest.raises(RuntimeError), transaction.atomic(), common.operation():
        incidents.incident_create(data=incident_data("Gone"), user=None)
        raise RuntimeError
    assert calls["assess_incident"] == [] and calls["refresh"] == []


def test_every_rule_says_what_it_keeps_and_when():
    timings = {derived.WITH_THE_WRITE, derived.ON_THE_QUEUE, derived.AFTER_THE_COMMIT}
    assert all(rule.keeps and rule.models and rule.timing in timings for rule in derived.RULES)
    # Only the data generation is run by something else (the database connection).
    assert [rule.keeps for rule in derived.RULES if rule.run is None] == ["the data generation (keys the response cache)"]
