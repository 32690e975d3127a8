"""Violation verdicts: the rules, their edges, the fixture's truths, and when they are recomputed."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command

from tests.factories import CeasefireFactory, CeasefirePartyFactory, IncidentFactory, PartyFactory, PlaceFactory, UserFactory
from tests.helpers import utc
from tracker.domain import verdicts as verdict_rules
from tracker.domain.geo import disc_fraction_inside
from tracker.domain.timewindows import incident_window, overlap_fraction
from tracker.models import Assessment, Ceasefire, Declaration, Incident
from tracker.selectors import verdicts as verdict_context
from tracker.services import assessments, ceasefires, gazetteer, incidents

pytestmark = pytest.mark.django_db


# --- Time windows -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "precision", "until", "tz", "window"),
    [
        (utc(2020, 1, 15, 8, 30), "minute", None, "UTC", (utc(2020, 1, 15, 8, 30), utc(2020, 1, 15, 8, 31))),
        (utc(2020, 1, 15, 8), "hour", None, "UTC", (utc(2020, 1, 15, 8), utc(2020, 1, 15, 9))),
        # A day in Idlib (UTC+2 in January 2020): 10 January is 9 Jan 22:00Z – 10 Jan 22:00Z.
        (utc(2020, 1, 9, 22), "day", None, "Asia/Damascus", (utc(2020, 1, 9, 22), utc(2020, 1, 10, 22))),
        (utc(2020, 1, 10, 12), "day", None, "Asia/Damascus", (utc(2020, 1, 9, 22), utc(2020, 1, 10, 22))),
        # The same instant read in Istanbul (UTC+3) is another local day boundary.
        (utc(2020, 1, 10, 12), "day", None, "Europe/Istanbul", (utc(2020, 1, 9, 21), utc(2020, 1, 10, 21))),
        (utc(2020, 1, 9, 22), "week", None, "Asia/Damascus", (utc(2020, 1, 9, 22), utc(2020, 1, 16, 22))),
        (utc(2020, 2, 10), "month", None, "UTC", (utc(2020, 2, 1), utc(2020, 3, 1))),
        # Damascus moved to summer time (UTC+3) on 27 March 2020: that month's end is at +03.
        (utc(2020, 3, 10), "month", None, "Asia/Damascus", (utc(2020, 2, 29, 22), utc(2020, 3, 31, 21))),
        (utc(2020, 1, 10, 22), "interval", utc(2020, 1, 11, 21, 1), "UTC", (utc(2020, 1, 10, 22), utc(2020, 1, 11, 21, 1))),
    ],
)
def test_incident_window(at, precision, until, tz, window):
    assert incident_window(at, precision, until, tz) == window


def test_overlap_fraction():
    start, end = utc(2020, 1, 11, 21, 1), utc(2020, 3, 5, 21, 1)
    assert overlap_fraction((utc(2020, 1, 12), utc(2020, 1, 13)), start, end) == 1.0
    assert overlap_fraction((utc(2020, 1, 10), utc(2020, 1, 11)), start, end) == 0.0
    assert overlap_fraction((utc(2020, 1, 10, 22), utc(2020, 1, 11, 22)), start, end) == pytest.approx(59 / 1440)
    assert overlap_fraction((utc(2020, 3, 5, 21), utc(2020, 3, 5, 22)), start, end) == pytest.approx(1 / 60)
    assert overlap_fraction((start, start), start, end) == 1.0  # an instant at the start is inside
    assert overlap_fraction((end, end), start, end) == 0.0  # [start, end): the end is outside
    assert overlap_fraction((utc(2030, 1, 1), utc(2030, 1, 2)), start, None) == 1.0  # open-ended


# --- Geometry ---------------------------------------------------------------------------------

SQUARE = {"type": "Polygon", "coordinates": [[[36.0, 35.0], [37.0, 35.0], [37.0, 36.0], [36.0, 36.0], [36.0, 35.0]]]}
TRIANGLE = {"type": "Polygon", "coordinates": [[[36.0, 35.0], [37.0, 35.0], [36.0, 36.0], [36.0, 35.0]]]}


def test_points_inside_outside_and_on_the_boundary():
    assert disc_fraction_inside(35.5, 36.5, 0, SQUARE) == 1.0
    assert disc_fraction_inside(35.5, 37.5, 0, SQUARE) == 0.0
    assert disc_fraction_inside(35.5, 37.0, 0, SQUARE) == 1.0  # the boundary belongs to the zone
    assert disc_fraction_inside(35.8, 36.8, 0, TRIANGLE) == 0.0  # inside the box, outside the triangle


def test_discs_against_edges():
    assert disc_fraction_inside(35.5, 36.5, 10, SQUARE) == 1.0
    assert disc_fraction_inside(35.5, 37.0, 10, SQUARE) == pytest.approx(0.5, abs=0.01)  # centred on the edge
    assert disc_fraction_inside(35.5, 37.5, 10, SQUARE) == 0.0
    # Near the triangle's hypotenuse the fraction is about half, too.
    assert disc_fraction_inside(35.5, 36.5, 5, TRIANGLE) == pytest.approx(0.5, abs=0.02)


# --- Rules on factory-built cases -------------------------------------------------------------


@pytest.fixture
def truce():
    """A ceasefire over a square zone, binding `army` (and its units), from 2020-01-11T21:01Z."""
    syria = PlaceFactory(kind="country", name="Syria", country_code="SY", timezone="Asia/Damascus", latitude=35.0, longitude=38.0)
    zone = PlaceFactory(kind="zone", name="Zone", parent=syria, geometry=SQUARE, latitude=35.5, longitude=36.5)
    army = PartyFactory(name="Army")
    ceasefire = CeasefireFactory(scope=syria, zone=zone, starts_at=utc(2020, 1, 11, 21, 1), ends_at=utc(2020, 3, 5, 21, 1))
    CeasefirePartyFactory(ceasefire=ceasefire, party=army, role="signatory")
    CeasefirePartyFactory(ceasefire=ceasefire, party=PartyFactory(name="Mediator"), role="mediator")
    return {"syria": syria, "ceasefire": ceasefire, "army": army}


def assess(truce, **incident_fields):
    fields = {
        "perpetrator": truce["army"],
        "attribution": "alleged",
        "occurred_at": utc(2020, 1, 20, 8),
        "time_precision": "hour",
    }
    fields.update(incident_fields)
    if "place" not in fields:
        fields["place"] = PlaceFactory(parent=truce["syria"], latitude=35.5, longitude=36.5)
    incident = IncidentFactory(**fields)
    assessments.assess_incident(incident)
    return Assessment.objects.get(incident=incident, ceasefire=truce["ceasefire"])


def test_clear_violation(truce):
    a = assess(truce)
    assert (a.verdict, a.reasons, a.time_overlap, a.place_overlap) == ("violation", [], 1.0, 1.0)


def test_day_on_the_start_day_is_possible_with_its_overlap(truce):
    # 11 January in Damascus: 22:00Z on the 10th to 22:00Z on the 11th; the truce starts 21:01Z.
    a = assess(truce, occurred_at=utc(2020, 1, 11, 10), time_precision="day")
    assert (a.verdict, a.reasons) == ("possible", ["time_uncertain"])
    assert a.time_overlap == pytest.approx(59 / 1440, abs=1e-6)


def test_town_disc_straddling_the_edge_is_possible(truce):
    edge_town = PlaceFactory(parent=truce["syria"], latitude=35.5, longitude=37.0)
    a = assess(truce, place=edge_town, geo_precision="town")
    assert (a.verdict, a.reasons) == ("possible", ["place_uncertain"])
    assert a.place_overlap == pytest.approx(0.5, abs=0.01)


def test_a_ged_event_within_25_km_is_a_25_km_disc_not_a_near_one(truce):
    # 0.15 degrees of longitude (13.6 km at 35.5 N) inside the zone's east edge.
    place = PlaceFactory(parent=truce["syria"], latitude=35.5, longitude=36.85)
    assert assess(truce, place=place, geo_precision="near").reasons == []
    wide = assess(truce, place=place, geo_precision="within_25km")
    assert (wide.verdict, wide.reasons) == ("possible", ["place_uncertain"])
    assert 0.5 < wide.place_overlap < 0.9


def test_exact_point_on_the_far_side_of_the_edge(truce):
    a = assess(
        truce,
        place=PlaceFactory(parent=truce["syria"], latitude=35.5, longitude=37.0),
        latitude=35.5,
        longitude=37.001,
        geo_precision="exact",
    )
    assert (a.verdict, a.reasons, a.place_overlap) == ("not_violation", ["outside_zone"], 0.0)


def test_party_not_bound_and_unknown(truce):
    assert assess(truce, perpetrator=PartyFactory(name="Outsider")).reasons == ["perpetrator_not_bound"]
    assert (
        assess(
            truce,
            perpetrator=PartyFactory(name="Mediator unit", parent=truce["ceasefire"].party_roles.get(role="mediator").party),
        ).verdict
        == "not_violation"
    )
    unit = PartyFactory(name="Army air wing", parent=truce["army"])
    assert assess(truce, perpetrator=unit).verdict == "violation"  # sub-units are bound
    unknown = assess(truce, perpetrator=None, attribution="unknown")
    assert (unknown.verdict, unknown.reasons) == ("possible", ["perpetrator_unknown"])


def test_a_discounted_incident_is_no_violation_and_counts_again_when_regraded(truce):
    a = assess(truce, confidence="discounted")
    assert (a.verdict, a.reasons) == ("not_violation", ["discounted"])
    incidents.incident_update(incident=a.incident, data={"confidence": "weak"}, user=None)
    a.refresh_from_db()
    assert (a.verdict, a.reasons) == ("violation", [])


def test_before_start_and_after_end(truce):
    assert assess(truce, occurred_at=utc(2020, 1, 5)).reasons == ["before_start"]
    after = assess(truce, occurred_at=utc(2020, 3, 10))
    assert (after.verdict, after.reasons) == ("not_violation", ["after_end"])


def test_a_start_given_in_istanbul_and_a_day_in_damascus(truce):
    # The truce starts 00:01 on 12 January Istanbul time (21:01Z on the 11th). An attack
    # "on 12 January" in Idlib is that Damascus day, 22:00Z on the 11th onwards: entirely inside.
    a = assess(truce, occurred_at=utc(2020, 1, 11, 22), time_precision="day")
    assert (a.verdict, a.time_overlap) == ("violation", 1.0)


def test_zone_without_geometry_uses_the_place_hierarchy():
    country = PlaceFactory(kind="country", name="Country")
    province = PlaceFactory(kind="governorate", parent=country, name="Province")
    elsewhere = PlaceFactory(kind="governorate", parent=country, name="Elsewhere")
    party = PartyFactory()
    ceasefire = CeasefireFactory(scope=province, zone=None, starts_at=utc(2020, 1, 1))
    CeasefirePartyFactory(ceasefire=ceasefire, party=party)
    inside = IncidentFactory(
        place=PlaceFactory(parent=province), perpetrator=party, attribution="alleged", occurred_at=utc(2020, 1, 5)
    )
    outside = IncidentFactory(
        place=PlaceFactory(parent=elsewhere, latitude=None, longitude=None),
        perpetrator=party,
        attribution="alleged",
        occurred_at=utc(2020, 1, 5),
    )
    assessments.assess_ceasefire(ceasefire)
    assert Assessment.objects.get(incident=inside).verdict == "violation"
    assert not Assessment.objects.filter(incident=outside).exists()  # not near it: not assessed


def test_rejected_incidents_are_not_assessed(truce):
    a = assess(truce)
    incidents.incident_update(incident=a.incident, data={"status": "rejected"}, user=None)
    assert not Assessment.objects.filter(incident=a.incident).exists()


# --- Recomputation through the services and overrides ----------------------------------------


def test_incident_writes_recompute(truce):
    place = PlaceFactory(parent=truce["syria"], latitude=35.5, longitude=36.5)
    incident = incidents.incident_create(
        data={
            "title": "Shelling",
            "kind": "artillery_shelling",
            "occurred_at": utc(2020, 1, 20),
            "time_precision": "hour",
            "place": place,
            "perpetrator": PartyFactory(),
            "attribution": "alleged",
        },
        user=None,
    )
    assert Assessment.objects.get(incident=incident).reasons == ["perpetrator_not_bound"]
    incidents.incident_update(incident=incident, data={"perpetrator": truce["army"]}, user=None)
    assert Assessment.objects.get(incident=incident).verdict == "violation"


def test_ceasefire_and_zone_changes_recompute(truce):
    a = assess(truce)
    ceasefires.ceasefire_update(ceasefire=truce["ceasefire"], data={"starts_at": utc(2020, 2, 1)}, user=None)
    a.refresh_from_db()
    assert (a.verdict, a.reasons) == ("not_violation", ["before_start"])
    ceasefires.ceasefire_update(ceasefire=truce["ceasefire"], data={"starts_at": utc(2020, 1, 1)}, parties=[], user=None)
    a.refresh_from_db()
    assert a.reasons == ["perpetrator_not_bound"]
    far = {"type": "Polygon", "coordinates": [[[36.0, 35.0], [36.2, 35.0], [36.2, 35.2], [36.0, 35.0]]]}
    gazetteer.place_update(place=truce["ceasefire"].zone, data={"geometry": far}, user=None)
    a.refresh_from_db()
    assert a.reasons == ["outside_zone", "perpetrator_not_bound"]


@pytest.fixture
def reviewer(roles):
    return UserFactory(username="rev", roles=["reviewer"])


def test_override_survives_recomputation_and_goes_stale(truce, reviewer):
    a = assess(truce)
    assessments.assessment_override(
        assessment=a, verdict="possible", reason="Attribution rests on one party's claim.", user=reviewer
    )
    assessments.assess_incident(a.incident)
    a.refresh_from_db()
    assert (a.effective_verdict, a.override_stale, a.override_by) == ("possible", False, reviewer)
    incidents.incident_update(incident=a.incident, data={"occurred_at": utc(2020, 1, 1)}, user=None)
    a.refresh_from_db()
    assert (a.verdict, a.override_verdict, a.override_stale) == ("not_violation", "possible", True)
    assessments.assessment_override_clear(assessment=a, user=reviewer)
    a.refresh_from_db()
    assert (a.effective_verdict, a.override_reason) == ("not_violation", "")


def test_override_needs_a_reviewer_and_a_reason(truce, roles):
    a = assess(truce)
    with pytest.raises(PermissionDenied):
        assessments.assessment_override(
            assessment=a, verdict="possible", reason="x", user=UserFactory(username="cur", roles=["curator"])
        )
    with pytest.raises(ValidationError, match="needs a reason"):
        assessments.assessment_override(assessment=a, verdict="possible", reason="  ", user=None)


# --- The fixture's truths ---------------------------------------------------------------------


@pytest.fixture
def assessed(idlib):
    call_command("recompute_assessments", stdout=io.StringIO())


def verdicts() -> dict[tuple[str, str], tuple]:
    rows = Assessment.objects.select_related("incident", "ceasefire", "bound_as")
    return {
        (a.ceasefire.name[:13], a.incident.title[:28]): (
            a.verdict,
            a.reasons,
            a.bound_as.name if a.bound_as else None,
            a.commitment_basis,
            a.commitment_start,
        )
        for a in rows
    }


# Each side's commitment in the fixture: Russia's from its defence ministry's 9 January 11:00 UTC
# (curated on its role; CBC's 23:00 UTC stays a declaration), the government's committed by
# Russia; Turkey's from 00:01 on 12 January, Turkey time, the opposition's committed by Turkey.
RUSSIA_SIDE = utc(2020, 1, 9, 11)
TURKEY_SIDE = utc(2020, 1, 11, 21, 1)


def test_fixture_verdicts(assessed):
    jan, mar = "Idlib ceasefi", "Moscow agreem"
    march_agreed, russia_march = utc(2020, 3, 5, 21, 1), utc(2020, 3, 5, 21)
    assert verdicts() == {
        # 10 January (local day) by Russia's air force: after Russia's side stopped.
        (jan, "Airstrikes on Maaret al-Numa"): ("violation", [], "Russia", "role", RUSSIA_SIDE),
        # Government forces and the opposition clashed on the 10th; nobody is named as starting it,
        # and the government's side was bound from Russia's start: possible.
        (jan, "Clashes between government f"): (
            "possible",
            ["initiator_unknown"],
            "Syrian government",
            "role",
            RUSSIA_SIDE,
        ),
        # 19 December – 10 January: 35 of its 552 hours fall after Russia's start.
        (jan, "Bombing of Taftanaz by a gov"): ("possible", ["time_uncertain"], "Syrian government", "role", RUSSIA_SIDE),
        (jan, "Bombing of four towns in Idl"): ("violation", [], "Syrian government", "role", RUSSIA_SIDE),
        # Aleppo city is outside the Idlib zone, but the rockets were fired from the insurgent-held
        # zone (their origin): a violation by the opposition, from Turkey's start.
        (jan, "Insurgent rockets on residen"): (
            "violation",
            ["by_origin"],
            "Syrian armed opposition",
            "role",
            TURKEY_SIDE,
        ),
        (jan, "Artillery shelling of at lea"): ("violation", [], "Syrian government", "role", RUSSIA_SIDE),
        # 4-5 March, before the January truce ended.
        (jan, "Russian airstrike on a shelt"): ("violation", [], "Russia", "role", RUSSIA_SIDE),
        (jan, "Airstrikes and shelling on c"): ("possible", ["perpetrator_unknown"], None, "agreed", TURKEY_SIDE),
        # The March agreement: Russia's side from its joint statement's midnight (declared).
        (mar, "Russian airstrike on a shelt"): ("not_violation", ["before_start"], "Russia", "declaration", russia_march),
        (mar, "Airstrikes and shelling on c"): (
            "not_violation",
            ["before_start", "perpetrator_unknown"],
            None,
            "agreed",
            march_agreed,
        ),
    }
    taftanaz = Assessment.objects.get(incident__title__startswith="Bombing of Taftanaz")
    assert taftanaz.time_overlap == pytest.approx(35 / 552, abs=1e-6)


def test_fixture_under_the_agreed_start_alone(assessed):
    """What the verdicts were before each side's own commitment counted: measured from the
    agreed start, the strikes of 10 and 11 January were all "before the start"."""
    january = Ceasefire.objects.prefetch_related("party_roles", "declarations").get(name="Idlib ceasefire (January 2020)")
    russia = Declaration.objects.get(ceasefire=january, party__name="Russia", report__source__name="Duvar English")
    assert russia.claimed_start == RUSSIA_SIDE
    ctx = verdict_context.ceasefire_context(january)
    for title in (
        "Bombing of four towns in Idlib on the eve",
        "Airstrikes on Maaret al-Numan",
        "Artillery shelling of at least a dozen towns",
    ):
        incident = Incident.objects.get(title__startswith=title)
        assert verdict_rules.evaluate(incident, ctx).verdict == "violation", title
        under_agreed = verdict_rules.evaluate(incident, ctx, starts_at=january.starts_at).verdict
        assert under_agreed == ("violation" if title.startswith("Artillery") else "not_violation"), title


def test_recompute_command_counts_and_is_idempotent(idlib):
    out = io.StringIO()
    call_command("recompute_assessments", stdout=out)
    assert out.getvalue().strip() == "assessments: 10 created, 0 updated, 0 unchanged, 0 deleted"
    out = io.StringIO()
    call_command("recompute_assessments", "--ceasefire", str(Ceasefire.objects.get(name__startswith="Moscow").pk), stdout=out)
    assert out.getvalue().strip() == "assessments: 0 created, 0 updated, 2 unchanged, 0 deleted"
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="No ceasefire with id 999"):
        call_command("recompute_assessments", "--ceasefire", "999")
