"""The verdict rules, one table row per rule, grouped by the nine points of the expert review
(issue 19; docs/VERDICTS.md states each rule and its reason).

Every row builds the same small world — an Idlib-like ceasefire with two patrons committing two
sides, a guarantor, a mediator and an exempt group — changes what the row is about (a role's
undertaking, the ceasefire's type or lifecycle), records one incident and asserts the verdict,
its reasons and the commitment it was measured against. Points 8 (compliance by exposure) and 9
(grading) are worked in tests/test_verdict_rules_series_and_grades.py, on the same world.
"""

from dataclasses import dataclass, field

import pytest

from tests.factories import (
    CeasefireFactory,
    CeasefirePartyFactory,
    IncidentFactory,
    PartyFactory,
    PlaceFactory,
)
from tests.helpers import utc
from tracker.models import Assessment, CeasefireParty, CeasefireStatus
from tracker.services import assessments

pytestmark = pytest.mark.django_db


def box(west, south, east, north):
    return {"type": "Polygon", "coordinates": [[[west, south], [east, south], [east, north], [west, north], [west, south]]]}


AGREED = utc(2020, 1, 11, 21, 1)  # 00:01 on 12 January, Turkey time
RUSSIA_SAID = utc(2020, 1, 9, 11)  # Russia's side, from its own declaration
ENDS = utc(2020, 3, 5, 21, 1)
ZONE = box(36.0, 35.0, 37.0, 36.0)
CORRIDOR = box(36.2, 35.75, 36.8, 35.85)  # a strip across the zone, like the M4 corridor
SYRIA = box(35.5, 32.3, 42.0, 37.3)
HAMA = box(36.5, 35.0, 37.5, 36.0)  # half of it inside the zone


@pytest.fixture
def world():
    syria = PlaceFactory(kind="country", name="Syria", timezone="Asia/Damascus", latitude=35.0, longitude=38.0, geometry=SYRIA)
    idlib = PlaceFactory(kind="governorate", name="Idlib", parent=syria, latitude=35.9, longitude=36.6)
    places = {
        "Syria": syria,
        "Idlib": idlib,
        "zone": PlaceFactory(kind="zone", name="Zone", parent=syria, geometry=ZONE, latitude=35.5, longitude=36.5),
        "corridor": PlaceFactory(
            kind="corridor", name="Corridor", parent=idlib, geometry=CORRIDOR, latitude=35.8, longitude=36.5
        ),
        "town": PlaceFactory(name="Town in the zone", parent=idlib, latitude=35.5, longitude=36.5),
        "corridor town": PlaceFactory(name="Town on the corridor", parent=idlib, latitude=35.8, longitude=36.5),
        "Aleppo": PlaceFactory(kind="city", name="Aleppo", parent=syria, latitude=36.2, longitude=37.15),
        "Hama": PlaceFactory(kind="governorate", name="Hama", parent=syria, geometry=HAMA, latitude=35.5, longitude=37.0),
    }
    ceasefire = CeasefireFactory(scope=idlib, zone=places["zone"], starts_at=AGREED, ends_at=ENDS)
    parties = {name: PartyFactory(name=name) for name in ("Russia", "Turkey", "government", "opposition", "Iran", "UN", "HTS")}
    parties["militia"] = PartyFactory(name="militia")  # no role at all
    parties["air force"] = PartyFactory(name="air force", parent=parties["government"])
    roles = {
        "Russia": {"role": "signatory", "starts_at": RUSSIA_SAID},
        "Turkey": {"role": "signatory"},
        "government": {"role": "bound", "committed_by": parties["Russia"]},
        "opposition": {"role": "bound", "committed_by": parties["Turkey"]},
        "Iran": {"role": "guarantor"},
        "UN": {"role": "mediator"},
        "HTS": {"role": "exempt"},
    }
    for name, fields in roles.items():
        CeasefirePartyFactory(ceasefire=ceasefire, party=parties[name], **fields)
    return {"ceasefire": ceasefire, "places": places, "parties": parties}


@dataclass
class Case:
    """One incident against the world's ceasefire, after the row's changes to it."""

    point: int
    name: str
    verdict: str
    reasons: list[str]
    bound_as: str | None
    incident: dict = field(default_factory=dict)
    roles: dict = field(default_factory=dict)  # party name -> role fields to change
    ceasefire: dict = field(default_factory=dict)
    lifecycle: list = field(default_factory=list)  # (status, effective_at)
    responds_to: dict | None = None  # the incident this one answers


STRIKE = {"perpetrator": "air force", "place": "town", "occurred_at": utc(2020, 1, 20, 8)}

CASES = [
    # 1. Each party's own commitment.
    Case(
        1,
        "the government's side is bound from Russia's declaration",
        "violation",
        [],
        "government",
        {**STRIKE, "occurred_at": utc(2020, 1, 10, 8)},
    ),
    Case(
        1,
        "the opposition is not yet bound then: Turkey's side starts at the agreed start",
        "not_violation",
        ["before_start"],
        "opposition",
        {**STRIKE, "perpetrator": "opposition", "occurred_at": utc(2020, 1, 10, 8)},
    ),
    Case(
        1, "before anyone's start", "not_violation", ["before_start"], "government", {**STRIKE, "occurred_at": utc(2020, 1, 8, 8)}
    ),
    # 2. Roles and undertakings.
    Case(
        2,
        "a guarantor undertakes nothing by that role",
        "not_violation",
        ["perpetrator_not_bound"],
        None,
        {**STRIKE, "perpetrator": "Iran"},
    ),
    Case(2, "a mediator undertakes nothing", "not_violation", ["perpetrator_not_bound"], None, {**STRIKE, "perpetrator": "UN"}),
    Case(
        2,
        "a unilateral ceasefire binds only the declarer and those it commits",
        "not_violation",
        ["perpetrator_not_bound"],
        None,
        {**STRIKE, "perpetrator": "opposition"},
        roles={"Turkey": {"role": "bound"}},
        ceasefire={"ceasefire_type": "unilateral"},
    ),
    Case(
        2,
        "... and does bind the declarer's side",
        "violation",
        [],
        "government",
        STRIKE,
        roles={"Turkey": {"role": "bound"}},
        ceasefire={"ceasefire_type": "unilateral"},
    ),
    Case(
        2,
        "a kind of act the party did not undertake to stop",
        "not_violation",
        ["act_not_barred"],
        "opposition",
        {**STRIKE, "perpetrator": "opposition", "kind": "airstrike"},
        roles={"opposition": {"barred_kinds": ["artillery_shelling", "rocket_attack"]}},
    ),
    Case(
        2,
        "a kind it did undertake to stop",
        "violation",
        [],
        "opposition",
        {**STRIKE, "perpetrator": "opposition", "kind": "rocket_attack"},
        roles={"opposition": {"barred_kinds": ["artillery_shelling", "rocket_attack"]}},
    ),
    Case(
        2,
        "outside the area of its undertaking (a corridor), inside the zone",
        "not_violation",
        ["act_not_barred"],
        "government",
        STRIKE,
        roles={"government": {"area": "corridor"}},
    ),
    Case(
        2,
        "inside the area of its undertaking",
        "violation",
        [],
        "government",
        {**STRIKE, "place": "corridor town", "geo_precision": "exact", "latitude": 35.8, "longitude": 36.5},
        roles={"government": {"area": "corridor"}},
    ),
    Case(
        2,
        "a strike on a party the terms exclude",
        "not_violation",
        ["target_exempt"],
        "government",
        {**STRIKE, "target_party": "HTS"},
    ),
    Case(
        2,
        "a strike by an actor outside the agreement",
        "not_violation",
        ["perpetrator_not_bound"],
        None,
        {**STRIKE, "perpetrator": "militia"},
    ),
    # 3. Two-sided incidents.
    Case(
        3,
        "a clash between bound sides nobody is known to have started",
        "possible",
        ["initiator_unknown"],
        "government",
        {**STRIKE, "kind": "armed_clash", "target_party": "opposition", "initiator": "unknown"},
    ),
    Case(
        3,
        "a clash started by either an unbound militia or a bound side",
        "possible",
        ["initiator_unknown"],
        "government",
        {**STRIKE, "perpetrator": "militia", "kind": "armed_clash", "target_party": "government", "initiator": "unknown"},
    ),
    Case(
        3,
        "response fire keeps its verdict and says so",
        "violation",
        ["response"],
        "opposition",
        {
            **STRIKE,
            "perpetrator": "opposition",
            "kind": "artillery_shelling",
            "target_party": "government",
            "initiator": "target",
        },
    ),
    Case(
        3,
        "a response to a documented violation says so",
        "violation",
        ["responds_to_violation"],
        "opposition",
        {**STRIKE, "perpetrator": "opposition", "kind": "artillery_shelling", "occurred_at": utc(2020, 1, 20, 9)},
        responds_to=STRIKE,
    ),
    Case(
        3,
        "a response to something that was no violation has no such note",
        "violation",
        [],
        "opposition",
        {**STRIKE, "perpetrator": "opposition", "kind": "artillery_shelling", "occurred_at": utc(2020, 1, 20, 9)},
        responds_to={**STRIKE, "perpetrator": "militia"},
    ),
    # 4. Attribution and confidence.
    Case(
        4,
        "a curator's discounted incident is no violation",
        "not_violation",
        ["discounted"],
        "government",
        {**STRIKE, "confidence": "discounted"},
    ),
    Case(4, "no perpetrator named", "possible", ["perpetrator_unknown"], None, {**STRIKE, "perpetrator": None}),
    # 5. The ceasefire's life.
    Case(
        5,
        "after the collapse, acts are not violations of it",
        "not_violation",
        ["after_collapse"],
        "government",
        {**STRIKE, "occurred_at": utc(2020, 2, 10, 8)},
        lifecycle=[("in_force", AGREED), ("collapsed", utc(2020, 2, 1))],
    ),
    Case(
        5,
        "before the collapse, they are",
        "violation",
        [],
        "government",
        STRIKE,
        lifecycle=[("in_force", AGREED), ("collapsed", utc(2020, 2, 1))],
    ),
    Case(
        5,
        "breaking down does not end it",
        "violation",
        [],
        "government",
        {**STRIKE, "occurred_at": utc(2020, 2, 10, 8)},
        lifecycle=[("breaking_down", utc(2020, 2, 1))],
    ),
    Case(
        5,
        "replaced: after its end",
        "not_violation",
        ["after_end"],
        "government",
        {**STRIKE, "occurred_at": utc(2020, 2, 10, 8)},
        lifecycle=[("replaced", utc(2020, 2, 1))],
    ),
    # 6. Origin and impact.
    Case(
        6,
        "rockets from inside the zone onto a city outside it: assessed by their origin",
        "violation",
        ["by_origin"],
        "opposition",
        {**STRIKE, "perpetrator": "opposition", "kind": "rocket_attack", "place": "Aleppo", "origin_place": "town"},
    ),
    Case(
        6,
        "... and by an exact origin point",
        "violation",
        ["by_origin"],
        "opposition",
        {
            **STRIKE,
            "perpetrator": "opposition",
            "kind": "rocket_attack",
            "place": "Aleppo",
            "origin_latitude": 35.4,
            "origin_longitude": 36.4,
            "origin_geo_precision": "exact",
        },
    ),
    Case(
        6,
        "fired from outside, landing outside",
        "not_violation",
        ["outside_zone"],
        "opposition",
        {
            **STRIKE,
            "perpetrator": "opposition",
            "kind": "rocket_attack",
            "place": "Aleppo",
            "origin_place": "Hama",
            "origin_geo_precision": "exact",
            "origin_latitude": 36.3,
            "origin_longitude": 37.3,
        },
    ),
    # 7. Precision.
    Case(
        7,
        "placed above the scope (a country-level event): possible, never dropped",
        "possible",
        ["place_uncertain"],
        "government",
        {**STRIKE, "place": "Syria", "geo_precision": "region"},
    ),
    Case(
        7,
        "a region-level event measured by the region's polygon (half in the zone)",
        "possible",
        ["place_uncertain"],
        "government",
        {**STRIKE, "place": "Hama", "geo_precision": "region"},
    ),
    Case(7, "a town-precision event in the zone", "violation", [], "government", {**STRIKE, "geo_precision": "town"}),
]


def _incident(world, spec: dict, **extra):
    fields = {"attribution": "alleged", "time_precision": "hour", "kind": "airstrike", **spec, **extra}
    parties, places = world["parties"], world["places"]
    for key in ("perpetrator", "target_party"):
        if fields.get(key):
            fields[key] = parties[fields[key]]
    if fields.get("perpetrator") is None:
        fields["attribution"] = "unknown"
    for key in ("place", "origin_place"):
        if key in fields:
            fields[key] = places[fields[key]]
    return IncidentFactory(**fields)


@pytest.mark.parametrize("case", CASES, ids=[f"{c.point}: {c.name}" for c in CASES])
def test_verdict_rules(world, case):
    ceasefire = world["ceasefire"]
    for name, fields in case.roles.items():
        fields = {k: world["places"][v] if k == "area" else v for k, v in fields.items()}
        CeasefireParty.objects.filter(ceasefire=ceasefire, party=world["parties"][name]).update(**fields)
    if case.ceasefire:
        type(ceasefire).objects.filter(pk=ceasefire.pk).update(**case.ceasefire)
    for status, at in case.lifecycle:
        CeasefireStatus.objects.create(ceasefire=ceasefire, status=status, effective_at=at)
    linked = None
    if case.responds_to is not None:
        linked = _incident(world, case.responds_to)
        assessments.assess_incident(linked)
    incident = _incident(world, case.incident, responds_to=linked)
    assessments.assess_incident(incident)
    a = Assessment.objects.select_related("bound_as").get(incident=incident, ceasefire=ceasefire)
    assert (a.verdict, a.reasons, a.bound_as.name if a.bound_as else None) == (case.verdict, case.reasons, case.bound_as)
    # A whole recompute of the ceasefire (its batch path) agrees with the incident's own.
    assessments.assess_ceasefire(ceasefire)
    a.refresh_from_db()
    assert (a.verdict, a.reasons) == (case.verdict, case.reasons)


def test_an_above_scope_overlap_is_the_zone_share_of_the_place(world):
    incident = _incident(world, {**STRIKE, "place": "Syria", "geo_precision": "region"})
    assessments.assess_incident(incident)
    a = Assessment.objects.get(incident=incident)
    # The zone (1 x 1 degree) inside Syria's 6.5 x 5 degree box, by area in km: about 3 %.
    assert a.place_overlap == pytest.approx(0.031, abs=0.002)
    hama = _incident(world, {**STRIKE, "place": "Hama", "geo_precision": "region"})
    assessments.assess_incident(hama)
    assert Assessment.objects.get(incident=hama).place_overlap == pytest.approx(0.5, abs=0.01)


def test_a_responded_to_incident_changing_updates_the_response(world):
    """The note follows the incident answered: discounted, it is no longer a violation."""
    from tracker.services import incidents

    first = _incident(world, STRIKE)
    assessments.assess_incident(first)
    answer = _incident(world, {**STRIKE, "perpetrator": "opposition", "occurred_at": utc(2020, 1, 20, 9)}, responds_to=first)
    assessments.assess_incident(answer)
    assert Assessment.objects.get(incident=answer).reasons == ["responds_to_violation"]
    incidents.incident_update(incident=first, data={"confidence": "discounted"}, user=None)
    assert Assessment.objects.get(incident=answer).reasons == []
