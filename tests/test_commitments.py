"""Each party's own commitment (tracker.domain.commitments): who a ceasefire binds, from when to when,
and which commitment a verdict was measured against."""

from datetime import UTC, datetime

import pytest

from tests.factories import (
    CeasefireFactory,
    CeasefirePartyFactory,
    DeclarationFactory,
    IncidentFactory,
    PartyFactory,
    PlaceFactory,
)
from tests.helpers import utc
from tracker.domain import verdicts as verdict_rules
from tracker.domain.commitments import commitments
from tracker.models import Assessment, Ceasefire
from tracker.selectors import verdicts as verdict_context
from tracker.services import assessments, ceasefires

pytestmark = pytest.mark.django_db

SQUARE = {"type": "Polygon", "coordinates": [[[36.0, 35.0], [37.0, 35.0], [37.0, 36.0], [36.0, 36.0], [36.0, 35.0]]]}
AGREED = datetime(2020, 1, 11, 21, 1, tzinfo=UTC)
RUSSIA_SAID = datetime(2020, 1, 9, 11, 0, tzinfo=UTC)


@pytest.fixture
def reviewer(client_for):
    return client_for("reviewer")


@pytest.fixture
def truce():
    """Two sides and a patron each: Russia commits the government, Turkey the opposition."""
    syria = PlaceFactory(kind="country", name="Syria", country_code="SY", timezone="Asia/Damascus", latitude=35.0, longitude=38.0)
    zone = PlaceFactory(kind="zone", name="Zone", parent=syria, geometry=SQUARE, latitude=35.5, longitude=36.5)
    ceasefire = CeasefireFactory(scope=syria, zone=zone, starts_at=AGREED, ends_at=utc(2020, 3, 5, 21, 1))
    russia, turkey = PartyFactory(name="Russia"), PartyFactory(name="Turkey")
    government, opposition = PartyFactory(name="Syrian government"), PartyFactory(name="Syrian opposition")
    parties = {"russia": russia, "turkey": turkey, "government": government, "opposition": opposition}
    CeasefirePartyFactory(ceasefire=ceasefire, party=russia, role="signatory")
    CeasefirePartyFactory(ceasefire=ceasefire, party=turkey, role="signatory")
    CeasefirePartyFactory(ceasefire=ceasefire, party=government, role="bound", committed_by=russia)
    CeasefirePartyFactory(ceasefire=ceasefire, party=opposition, role="bound", committed_by=turkey)
    return {"syria": syria, "ceasefire": ceasefire, **parties}


def assess(truce, perpetrator, occurred_at, **fields) -> Assessment:
    place = PlaceFactory(parent=truce["syria"], latitude=35.5, longitude=36.5)
    incident = IncidentFactory(
        perpetrator=perpetrator, place=place, occurred_at=occurred_at, time_precision="hour", attribution="alleged", **fields
    )
    assessments.assess_incident(incident)
    return Assessment.objects.get(incident=incident, ceasefire=truce["ceasefire"])


def held(ceasefire: Ceasefire) -> dict[str, tuple]:
    ceasefire = Ceasefire.objects.prefetch_related("party_roles__party", "declarations").get(pk=ceasefire.pk)
    names = {role.party_id: role.party.name for role in ceasefire.party_roles.all()}
    return {names[pk]: (c.starts_at, c.ends_at, c.basis) for pk, c in commitments(ceasefire).items()}


def summary(a: Assessment) -> tuple:
    return a.verdict, a.reasons, a.bound_as.name if a.bound_as else None, a.commitment_start, a.commitment_basis


def test_without_claims_every_bound_party_is_held_from_the_agreed_start(truce):
    end = utc(2020, 3, 5, 21, 1)
    assert held(truce["ceasefire"]) == dict.fromkeys(
        ("Russia", "Turkey", "Syrian government", "Syrian opposition"), (AGREED, end, "agreed")
    )
    a = assess(truce, truce["government"], utc(2020, 1, 10, 12))
    assert summary(a) == ("not_violation", ["before_start"], "Syrian government", AGREED, "agreed")


def test_a_party_is_held_from_its_own_declared_start_and_the_parties_it_commits_with_it(truce):
    ceasefires.declaration_create(
        data={"ceasefire": truce["ceasefire"], "party": truce["russia"], "claimed_start": RUSSIA_SAID}, user=None
    )
    assert held(truce["ceasefire"])["Russia"][::2] == (RUSSIA_SAID, "declaration")
    assert held(truce["ceasefire"])["Syrian government"][::2] == (RUSSIA_SAID, "declaration")
    assert held(truce["ceasefire"])["Turkey"][::2] == (AGREED, "agreed")
    # 10 January: after Russia said its side stopped, before the agreed start.
    by_government = assess(truce, truce["government"], utc(2020, 1, 10, 12))
    assert summary(by_government) == ("violation", [], "Syrian government", RUSSIA_SAID, "declaration")
    by_opposition = assess(truce, truce["opposition"], utc(2020, 1, 10, 12))
    assert summary(by_opposition) == ("not_violation", ["before_start"], "Syrian opposition", AGREED, "agreed")


def test_a_declaration_written_later_recomputes_the_verdicts_it_moves(truce):
    a = assess(truce, truce["russia"], utc(2020, 1, 10, 12))
    assert a.verdict == "not_violation"
    declaration = ceasefires.declaration_create(
        data={"ceasefire": truce["ceasefire"], "party": truce["russia"], "claimed_start": RUSSIA_SAID}, user=None
    )
    a.refresh_from_db()
    assert summary(a) == ("violation", [], "Russia", RUSSIA_SAID, "declaration")
    ceasefires.declaration_update(declaration=declaration, data={"claimed_start": utc(2020, 1, 11)}, user=None)
    a.refresh_from_db()
    assert summary(a) == ("not_violation", ["before_start"], "Russia", utc(2020, 1, 11), "declaration")
    ceasefires.declaration_delete(declaration=declaration, user=None)
    a.refresh_from_db()
    assert summary(a) == ("not_violation", ["before_start"], "Russia", AGREED, "agreed")


def test_conflicting_declared_starts_hold_the_party_from_the_latest_unless_a_curator_chose(truce):
    for claimed in (RUSSIA_SAID, utc(2020, 1, 9, 23)):  # two copies of one wire story disagree
        DeclarationFactory(ceasefire=truce["ceasefire"], party=truce["russia"], claimed_start=claimed)
    assert held(truce["ceasefire"])["Russia"][::2] == (utc(2020, 1, 9, 23), "declaration")
    a = assess(truce, truce["russia"], utc(2020, 1, 9, 20))  # between the two claimed starts
    assert summary(a) == ("not_violation", ["before_start"], "Russia", utc(2020, 1, 9, 23), "declaration")
    role = truce["ceasefire"].party_roles.get(party=truce["russia"])
    roles = [
        {"party": r.party, "role": r.role, "committed_by": r.committed_by, "starts_at": r.starts_at}
        for r in truce["ceasefire"].party_roles.all()
    ]
    for row in roles:
        if row["party"] == role.party:
            row["starts_at"] = RUSSIA_SAID  # the curator settles it on the role
    ceasefires.ceasefire_update(ceasefire=truce["ceasefire"], data={}, parties=roles, user=None)
    a.refresh_from_db()
    assert summary(a) == ("violation", [], "Russia", RUSSIA_SAID, "role")
    assert held(truce["ceasefire"])["Syrian government"][::2] == (RUSSIA_SAID, "role")  # the patron's curated start


def test_a_unit_is_held_to_the_nearest_bound_party_above_it(truce):
    air_force = PartyFactory(name="Air force", parent=truce["government"])
    squadron = PartyFactory(name="Squadron", parent=air_force)
    CeasefirePartyFactory(ceasefire=truce["ceasefire"], party=air_force, role="bound", starts_at=utc(2020, 1, 20))
    assessed = assess(truce, squadron, utc(2020, 1, 15))  # after the agreed start, before the air force's
    assert summary(assessed) == ("not_violation", ["before_start"], "Air force", utc(2020, 1, 20), "role")
    # The bulk path (a ceasefire's whole context) agrees with the one-incident path.
    ctx = verdict_context.ceasefire_context(
        Ceasefire.objects.prefetch_related("party_roles", "declarations").get(pk=truce["ceasefire"].pk)
    )
    result = verdict_rules.evaluate(assessed.incident, ctx)
    assert (result.verdict, result.commitment.party_id, result.starts_at) == ("not_violation", air_force.pk, utc(2020, 1, 20))


def test_a_commitment_ends_with_the_role_and_never_after_the_ceasefire(truce):
    roles = [
        {"party": r.party, "role": r.role, "committed_by": r.committed_by, "ends_at": r.ends_at}
        for r in truce["ceasefire"].party_roles.all()
    ]
    for row in roles:
        if row["party"] == truce["turkey"]:
            row["ends_at"] = utc(2020, 2, 1)
        if row["party"] == truce["russia"]:
            row["ends_at"] = utc(2020, 6, 1)
    ceasefires.ceasefire_update(ceasefire=truce["ceasefire"], data={}, parties=roles, user=None)
    commitments_now = held(truce["ceasefire"])
    assert commitments_now["Turkey"][1] == commitments_now["Syrian opposition"][1] == utc(2020, 2, 1)
    assert commitments_now["Russia"][1] == utc(2020, 3, 5, 21, 1)
    assert assess(truce, truce["opposition"], utc(2020, 2, 10)).reasons == ["after_end"]
    assert assess(truce, truce["government"], utc(2020, 2, 10)).verdict == "violation"


@pytest.mark.parametrize("role", ["guarantor", "mediator", "observer"])
def test_roles_that_undertake_nothing_bind_nothing(truce, role):
    guarantor = PartyFactory(name="Iran")
    CeasefirePartyFactory(ceasefire=truce["ceasefire"], party=guarantor, role=role)
    assert "Iran" not in held(truce["ceasefire"])
    a = assess(truce, PartyFactory(name="Iranian unit", parent=guarantor), utc(2020, 1, 20))
    assert summary(a) == ("not_violation", ["perpetrator_not_bound"], None, AGREED, "agreed")


def test_a_unilateral_ceasefire_binds_the_declarer_and_those_it_commits_only():
    scope = PlaceFactory(kind="country", name="Syria", timezone="Asia/Damascus")
    ceasefire = CeasefireFactory(scope=scope, ceasefire_type="unilateral", starts_at=AGREED)
    russia, government, opposition = PartyFactory(name="Russia"), PartyFactory(name="Government"), PartyFactory(name="Rebels")
    CeasefirePartyFactory(ceasefire=ceasefire, party=russia, role="signatory")
    CeasefirePartyFactory(ceasefire=ceasefire, party=government, role="bound", committed_by=russia)
    CeasefirePartyFactory(ceasefire=ceasefire, party=opposition, role="bound")  # a declaration cannot oblige them
    assert set(held(ceasefire)) == {"Russia", "Government"}
    incident = IncidentFactory(
        perpetrator=opposition, attribution="alleged", place=PlaceFactory(parent=scope), occurred_at=utc(2020, 1, 20)
    )
    assessments.assess_incident(incident)
    assert Assessment.objects.get(incident=incident).reasons == ["perpetrator_not_bound"]


def test_a_party_cannot_be_committed_by_itself_nor_end_before_it_starts(reviewer):
    scope, russia = PlaceFactory(kind="governorate"), PartyFactory(name="Russia")
    body = {
        "name": "Truce",
        "scope": scope.pk,
        "starts_at": "2020-01-12T00:01:00+03:00",
        "type": "bilateral",
        "purpose": "humanitarian",
    }
    cases = [
        ({"committed_by": russia.pk}, "committed_by", "A party committed by itself needs no committing party: leave it empty."),
        (
            {"starts_at": "2020-01-10T00:00:00Z", "ends_at": "2020-01-09T00:00:00Z"},
            "ends_at",
            "The commitment's end must be after its start.",
        ),
        ({"starts_at": "1700-01-01T00:00:00Z"}, "starts_at", None),
    ]
    for extra, field, message in cases:
        response = reviewer.post(
            "/api/v1/ceasefires/", {**body, "parties": [{"party": russia.pk, "role": "signatory", **extra}]}, format="json"
        )
        assert response.status_code == 400, (extra, response.content)
        errors = response.json()
        text = str(errors)
        assert field in text, (field, errors)
        if message:
            assert message in text, errors
    assert not Ceasefire.objects.exists()
