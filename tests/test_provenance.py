"""Independent claimants, claims side by side, consensus ranges and the suggested confidence:
the grading rules on their own, on the Idlib fixture, through the API, the admin and every write
that can change them."""

from html import unescape

import pytest
from django.urls import reverse

from tests.factories import CitationFactory, IncidentFactory, PartyFactory, ReportFactory, SourceFactory, UserFactory
from tests.helpers import if_match
from tracker.choices import ClaimantBasis, Confidence, Stance
from tracker.domain.provenance import Claim, Claimant, Range, consensus, grade
from tracker.models import Incident, IncidentProvenance
from tracker.services import incidents, provenance, sources

# Parties for the pure rules: 1 = Russia > 2 = its air force; 6 = Syrian government > 7 = its army;
# 11 = the armed opposition.
PARENTS = {2: 1, 7: 6}
NAMES = {1: "Russia", 2: "Russian Aerospace Forces", 6: "Syrian government", 7: "Syrian Arab Army", 11: "Opposition"}


def claim(
    n: int, claimant: str, *, party=None, named=None, stance=Stance.REPORTS, cid=None, aligned=None, reliability="F", **figures
) -> Claim:
    return Claim(
        citation_id=n,
        report_id=100 + n,
        original_report_id=None,
        claimant=Claimant(cid or hash(claimant) % 10_000, claimant, party, aligned, reliability),
        basis=ClaimantBasis.ATTRIBUTED,
        named_perpetrator_id=named,
        stance=stance,
        figures={f: figures[f] for f in figures},
    )


def graded(claims, perpetrator=None):
    result = grade(claims, perpetrator_id=perpetrator, root=lambda p: PARENTS.get(p, p), party_name=NAMES.__getitem__)
    return result.suggested_confidence, result.independent_claimants, result.contested, result.reason


GRADES = [
    ("no claims", [], None, ("unassessed", 0, False, "No claims cited yet.")),
    ("one monitor", [claim(1, "SOHR", named=2)], 2, ("weak", 1, False, "Only one independent voice: SOHR.")),
    (
        "the same monitor twice is one claimant",
        [claim(1, "SOHR", named=2), claim(2, "SOHR", named=2)],
        2,
        ("weak", 1, False, "Only one independent voice: SOHR."),
    ),
    (
        "two independent monitors agree",
        [claim(1, "SOHR", named=2), claim(2, "White Helmets", named=1)],
        2,
        ("fair", 2, False, "2 independent voices agree: SOHR; White Helmets."),
    ),
    (
        "a monitor and a party's media: still weak",
        [claim(1, "SOHR", named=7), claim(2, "Opposition media", party=11, named=7)],
        7,
        ("weak", 2, False, "Only one independent voice: SOHR. Party-affiliated: Opposition media."),
    ),
    (
        "the perpetrator's own ministry concedes it",
        [claim(1, "Russian MoD", party=1, named=2)],
        2,
        ("confirmed", 1, False, "The responsible party concedes it: Russian MoD."),
    ),
    (
        "different perpetrators named",
        [claim(1, "SOHR", named=2), claim(2, "Activists", named=7), claim(3, "AFP", named=6)],
        2,
        ("contested", 3, True, "Claimants name different perpetrators: Russia (SOHR); Syrian government (AFP, Activists)."),
    ),
    (
        "the named party's denial alone does not contest it",
        [claim(1, "SOHR", named=7), claim(2, "White Helmets", named=7), claim(3, "SAA command", party=7, stance=Stance.DENIES)],
        7,
        (
            "fair",
            3,
            False,
            "2 independent voices agree: SOHR; White Helmets. The party named as perpetrator denies it (SAA command): "
            "a denial alone does not contest it.",
        ),
    ),
    (
        "a denial that names another perpetrator is a competing attribution",
        [claim(1, "SOHR", named=7), claim(2, "SAA command", party=7, named=11, stance=Stance.DENIES)],
        7,
        ("contested", 2, True, "Claimants name different perpetrators: Syrian government (SOHR); Opposition (SAA command)."),
    ),
    (
        "a monitor disputes it: said, not contested",
        [claim(1, "SOHR", named=7), claim(2, "Local council", stance=Stance.DISPUTES)],
        7,
        ("weak", 2, False, "Only one independent voice: SOHR. Disputed or denied by Local council, naming no other perpetrator."),
    ),
    (
        "units of one party are one perpetrator",
        [claim(1, "SOHR", named=6), claim(2, "White Helmets", named=7)],
        7,
        ("fair", 2, False, "2 independent voices agree: SOHR; White Helmets."),
    ),
    (
        "two networks aligned with one side are one voice",
        [claim(1, "Activists A", named=7, aligned=11), claim(2, "Activists B", named=7, aligned=11)],
        7,
        ("weak", 2, False, "Only one independent voice: Activists A, Activists B (aligned with one side)."),
    ),
    (
        "an aligned network and an independent monitor are two voices",
        [claim(1, "Activists A", named=7, aligned=11), claim(2, "SOHR", named=7)],
        7,
        ("fair", 2, False, "2 independent voices agree: Activists A; SOHR."),
    ),
    (
        "an unreliable claimant is no voice",
        [claim(1, "SOHR", named=7, reliability="C"), claim(2, "Rumour mill", named=7, reliability="E")],
        7,
        ("weak", 2, False, "Only one independent voice: SOHR. Not counted as unreliable (D/E): Rumour mill."),
    ),
    (
        "only party voices, accusing the other side",
        [claim(1, "SAA command", party=7, named=11)],
        11,
        ("weak", 1, False, "No independent non-party claimant. Party-affiliated: SAA command."),
    ),
]


@pytest.mark.parametrize(("case", "claims", "perpetrator", "expected"), GRADES, ids=[g[0] for g in GRADES])
def test_grading_rules(case, claims, perpetrator, expected):
    assert graded(claims, perpetrator) == expected


def test_consensus_ranges_name_the_claims_at_each_end():
    claims = [
        claim(1, "SOHR", killed=(13, 15), injured=(20, None)),
        claim(2, "White Helmets", killed=(17, None)),
        claim(3, "Ministry", killed=(13, 13), stance=Stance.DISPUTES),
        claim(4, "Army", killed=(0, 0), stance=Stance.DENIES),  # a denial gives no figure
    ]
    assert consensus(claims) == {
        "killed": Range(low=13, low_claims=(1, 3), high=17, high_claims=(2,), open_ended=True),
        "injured": Range(low=20, low_claims=(1,), high=20, high_claims=(1,), open_ended=True),
    }
    assert consensus([claim(1, "SOHR", killed=(None, 30)), claim(2, "UN", killed=(12, 25))]) == {
        "killed": Range(low=12, low_claims=(2,), high=30, high_claims=(1,), open_ended=False)
    }


# The Idlib fixture: what the tracker suggests for each incident, and the curator's grade.
FIXTURE_GRADES = {
    1: ("contested", 4, True, "fair"),  # SOHR names Russia's air force; activists and AFP the Syrian government
    2: ("weak", 1, False, "weak"),
    3: ("weak", 1, False, "weak"),
    4: ("weak", 1, False, "fair"),
    5: ("weak", 1, False, "weak"),  # only the Syrian army's own command
    6: ("weak", 2, False, "fair"),  # an activist and the rebels' own voice
    7: ("weak", 1, False, "fair"),
    8: ("weak", 1, False, "weak"),
    9: ("weak", 1, False, "confirmed"),  # CBC's own voice: a copy of Reuters' story, so Reuters
}


def test_fixture_grades(idlib):
    rows = {
        p.incident_id: (p.suggested_confidence, p.independent_claimants, p.contested, p.incident.confidence)
        for p in IncidentProvenance.objects.select_related("incident")
    }
    assert rows == FIXTURE_GRADES


def test_incident_detail_shows_claims_side_by_side(idlib, client_for):
    body = client_for("reviewer").get("/api/v1/incidents/1/").json()
    assert (body["confidence"], body["suggested_confidence"], body["independent_claimants"], body["contested"]) == (
        "fair",
        "contested",
        4,
        True,
    )
    assert body["suggested_confidence_reason"].startswith("Claimants name different perpetrators: Russia (")
    assert [(c["citation"], c["claimant"]["name"], c["basis"], c["named_perpetrator"], c["stance"]) for c in body["claims"]] == [
        (1, "Syrian Observatory for Human Rights", "attributed", 3, "reports"),
        (2, "Smart News Agency", "attributed", None, "reports"),
        (3, "Opposition activists (unnamed)", "attributed", 8, "reports"),
        (4, "Agence France-Presse", "attributed", 6, "reports"),
    ]
    # Reports 2 and 3 (CBC, Asharq Al-Awsat) run Reuters' story, first published by Duvar (report 1).
    assert {c["report"]: c["original_report"] for c in body["claims"]} == {3: 1, 2: 1}


def test_party_affiliated_claimants_and_consensus_in_the_api(idlib, client_for):
    body = client_for("anonymous").get("/api/v1/incidents/6/").json()
    rebels = next(c for c in body["claims"] if c["citation"] == 9)
    assert rebels["claimant"] == {
        "id": 20,
        "name": "Rebels and witnesses (unnamed)",
        "party_affiliated": True,
        "affiliated_party": 11,
    }
    seven = client_for("anonymous").get("/api/v1/incidents/7/").json()
    assert seven["claims"][0]["figures"] == {
        "killed": {"low": 13, "high": None},
        "civilians_killed": {"low": 13, "high": None},
        "injured": {"low": 20, "high": None},
    }
    assert seven["consensus"]["killed"] == {"low": 13, "low_claims": [11], "high": 13, "high_claims": [11], "open_ended": True}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("independent_sources_min=2", [1, 6]),
        ("independent_sources_min=4", [1]),
        ("independent_sources_min=5", []),
        ("independent_sources_min=0", [1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ("contested=true", [1]),
        ("contested=false", [2, 3, 4, 5, 6, 7, 8, 9]),
        ("suggested_confidence=contested", [1]),
        ("suggested_confidence=weak&suggested_confidence=contested", [1, 2, 3, 4, 5, 6, 7, 8, 9]),
        ("suggested_confidence=fair", []),
        ("confidence=fair", [1, 4, 6, 7]),
        ("confidence=confirmed", [9]),
        ("confidence_disagrees=true", [1, 4, 6, 7, 9]),
        ("confidence_disagrees=false", [2, 3, 5, 8]),
        ("contested=false&independent_sources_min=2", [6]),
    ],
)
def test_provenance_filters(idlib, client_for, query, expected):
    response = client_for("reviewer").get(f"/api/v1/incidents/?{query}&page_size=100")
    assert response.status_code == 200, response.content
    assert sorted(r["id"] for r in response.json()["results"]) == expected


def _incident_with_report(user, **incident_fields):
    """An incident and a report to cite, written through the services."""
    place = IncidentFactory.build().place
    place.save()
    incident = incidents.incident_create(
        data={"title": "Shelling of Millford", "kind": "artillery_shelling", "occurred_at": "2020-01-15T08:00:00Z",
              "time_precision": "hour", "place": place, "status": "in_review", **incident_fields},
        user=user,
    )  # fmt: skip
    return incident


def grade_of(incident) -> tuple:
    p = IncidentProvenance.objects.get(incident=incident)
    return p.suggested_confidence, p.independent_claimants, p.contested


def test_every_write_regrades_the_incident(roles, client_for):
    curator = client_for("curator")
    user = UserFactory(roles=["curator"])
    army = PartyFactory(name="Army")
    incident = _incident_with_report(user, perpetrator=army, attribution="alleged")
    assert grade_of(incident) == ("unassessed", 0, False)

    monitor, rescuers = SourceFactory(name="Monitor"), SourceFactory(name="Rescuers")
    wire = ReportFactory(source=SourceFactory(name="Wire"))

    def cite(claimant, **extra):
        response = curator.post(
            "/api/v1/citations/",
            {"incident": incident.pk, "report": wire.pk, "claimant": claimant.pk, "named_perpetrator": army.pk, **extra},
            format="json",
        )
        assert response.status_code == 201, response.content
        return response.json()

    first = cite(monitor)
    assert grade_of(incident) == ("weak", 1, False)
    second = cite(rescuers)
    assert grade_of(incident) == ("fair", 2, False)
    assert curator.get(f"/api/v1/incidents/{incident.pk}/").json()["suggested_confidence"] == "fair"

    # The rescuers turn out to be the army's own media: no longer independent of the parties.
    rescuers.refresh_from_db()
    sources.SOURCES.update_instance(rescuers, data={"affiliated_party": army}, user=user)
    assert grade_of(incident) == ("confirmed", 2, False)

    # Trashing that citation regrades; restoring it brings the grade back.
    trashed = curator.delete(f"/api/v1/citations/{second['id']}/", HTTP_IF_MATCH=f'"{second["version"]}"')
    assert trashed.status_code == 204
    assert grade_of(incident) == ("weak", 1, False)
    reviewer = client_for("reviewer")
    assert reviewer.post(f"/api/v1/citations/{second['id']}/restore/").status_code == 200
    assert grade_of(incident) == ("confirmed", 2, False)

    # A denial in the army's voice is said, and does not contest it (no veto for the accused).
    denial = ReportFactory(source=SourceFactory(name="Army spokesman", affiliated_party=army))
    response = curator.post(
        "/api/v1/citations/", {"incident": incident.pk, "report": denial.pk, "stance": "denies"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert grade_of(incident) == ("confirmed", 3, False)
    assert first["id"]  # the monitor's claim is still there

    # A claim naming another perpetrator is a competing attribution: contested.
    other = ReportFactory(source=SourceFactory(name="Other monitor"))
    militia = PartyFactory(name="Militia")
    response = curator.post(
        "/api/v1/citations/",
        {"incident": incident.pk, "report": other.pk, "named_perpetrator": militia.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert grade_of(incident) == ("contested", 4, True)


def test_alignment_and_reliability_regrade(roles):
    """A source found to work with one side, or graded unreliable, stops counting as a voice."""
    user = UserFactory(roles=["curator"])
    army, opposition = PartyFactory(name="Army"), PartyFactory(name="Opposition")
    incident = _incident_with_report(user, perpetrator=army, attribution="alleged")
    network, monitor = SourceFactory(name="Network", reliability="C"), SourceFactory(name="Monitor", reliability="C")
    for source in (network, monitor):
        incidents.CITATIONS.create(data={"incident": incident, "report": ReportFactory(source=source)}, user=user)
    assert grade_of(incident) == ("fair", 2, False)
    sources.SOURCES.update_instance(monitor, data={"aligned_party": opposition}, user=user)
    assert grade_of(incident) == ("fair", 2, False)  # one aligned voice and one independent: still two
    network.refresh_from_db()
    sources.SOURCES.update_instance(network, data={"aligned_party": opposition}, user=user)
    assert grade_of(incident) == ("weak", 2, False)  # both with the opposition: one voice
    network.refresh_from_db()
    sources.SOURCES.update_instance(network, data={"aligned_party": None, "reliability": "E"}, user=user)
    assert grade_of(incident) == ("weak", 2, False)  # unreliable: no voice


def test_syndicated_copies_count_once(roles):
    user = UserFactory(roles=["curator"])
    incident = _incident_with_report(user)
    original = ReportFactory(source=SourceFactory(name="Agency"))
    copy = ReportFactory(source=SourceFactory(name="Outlet"))
    for report in (original, copy):
        incidents.CITATIONS.create(data={"incident": incident, "report": report}, user=user)
    assert grade_of(incident) == ("fair", 2, False)  # two outlets, not yet known to be one story

    # A curator links the outlet's report to the agency's: one claimant.
    sources.report_update(report=copy, data={"syndicated_from": original}, user=user)
    assert grade_of(incident) == ("weak", 1, False)
    claim = provenance.claim_of(incident.citations.get(report=copy))
    assert (claim.claimant.name, claim.basis, claim.original_report_id) == ("Agency", ClaimantBasis.REPORT, original.pk)

    # Detached again: two claimants.
    copy.refresh_from_db()
    sources.report_update(report=copy, data={"syndication_decision": "detached"}, user=user)
    assert grade_of(incident) == ("fair", 2, False)


def test_a_wire_copy_is_claimed_by_the_agency(roles):
    agency = SourceFactory(name="Reuters")
    report = ReportFactory(source=SourceFactory(name="Duvar"), wire_source=agency)
    citation = CitationFactory(report=report)
    claim = provenance.claim_of(citation)
    assert (claim.claimant.name, claim.basis) == ("Reuters", ClaimantBasis.WIRE)


def test_a_new_parent_moves_a_unit_to_another_side(roles):
    user = UserFactory(roles=["curator"])
    incident = _incident_with_report(user)
    unit, other = PartyFactory(name="Brigade"), PartyFactory(name="Government")
    for name, party in (("Monitor", unit), ("Rescuers", other)):
        incidents.CITATIONS.create(
            data={
                "incident": incident,
                "report": ReportFactory(),
                "claimant": SourceFactory(name=name),
                "named_perpetrator": party,
            },
            user=user,
        )
    assert grade_of(incident) == ("contested", 2, True)
    from tracker.services import gazetteer

    gazetteer.party_update(party=unit, data={"parent": other}, user=user)
    assert grade_of(incident) == ("fair", 2, False)


def test_incidents_loaded_in_bulk_are_graded_after_migrate(roles):
    incident = IncidentFactory()  # a raw insert: no service, no grade
    assert not IncidentProvenance.objects.filter(incident=incident).exists()
    provenance.fill_missing()
    assert grade_of(incident) == ("unassessed", 0, False)


def test_unknown_or_malformed_provenance_filters_are_400(idlib, client_for):
    api = client_for("reviewer")
    cases = {
        "independent_sources_min=two": {"independent_sources_min": ["Enter a whole number."]},
        "independent_sources_min=1.5": {"independent_sources_min": ["Enter a whole number."]},
        "independent_sources_min=-1": {"independent_sources_min": ["Ensure this value is greater than or equal to 0."]},
        "contested=maybe": {"contested": ["Enter true or false."]},
        "confidence_disagrees=2": {"confidence_disagrees": ["Enter true or false."]},
        "suggested_confidence=high": {
            "suggested_confidence": ["Select a valid choice. high is not one of the available choices."]
        },
        "confidence=low": {"confidence": ["Select a valid choice. low is not one of the available choices."]},
    }
    for query, error in cases.items():
        response = api.get(f"/api/v1/incidents/?{query}")
        assert (response.status_code, response.json()) == (400, error), query


def test_admin_shows_claims_and_highlights_disagreement(idlib, roles, client):
    client.force_login(UserFactory(username="curator", roles=["curator"]))
    page = unescape(client.get(reverse("admin:tracker_incident_change", args=[1])).content.decode())
    assert "Claims side by side" in page and "Syrian Observatory for Human Rights" in page
    assert "Differs from the curator's grade (Fair" in page
    assert "Claimants name different perpetrators" in page
    seven = client.get(reverse("admin:tracker_incident_change", args=[7])).content.decode()
    assert "killed: 13 (citation 11) to at least 13 (citation 11)" in seven
    changelist = reverse("admin:tracker_incident_changelist")
    disagree = unescape(client.get(changelist, {"grades": "disagree"}).content.decode())
    titles = set(Incident.objects.filter(pk__in=[1, 4, 6, 7, 9]).values_list("title", flat=True))
    assert all(t in disagree for t in titles)
    assert disagree.count("grade-disagrees") == 5
    agree = client.get(changelist, {"grades": "agree"}).content.decode()
    assert "grade-disagrees" not in agree


def test_curator_grade_is_separate_and_writable(idlib, client_for):
    curator = client_for("curator")
    incident = Incident.objects.get(pk=2)
    response = curator.patch("/api/v1/incidents/2/", {"confidence": "discounted"}, format="json", **if_match(incident))
    assert response.status_code == 200, response.content
    assert (response.json()["confidence"], response.json()["suggested_confidence"]) == ("discounted", "weak")
    bad = curator.patch("/api/v1/incidents/2/", {"suggested_confidence": "fair"}, format="json", **if_match(incident))
    # Read-only: accepted and ignored, like the other computed fields.
    assert (bad.status_code, bad.json()["suggested_confidence"]) == (200, "weak")
    assert Incident.objects.get(pk=2).confidence == Confidence.DISCOUNTED


def test_recompute_provenance_command(roles):
    import io

    from django.core.management import call_command

    incident = IncidentFactory()  # raw insert, not graded
    CitationFactory(incident=incident)
    out = io.StringIO()
    call_command("recompute_provenance", stdout=out)
    assert out.getvalue().strip() == "provenance: 1 changed, 0 unchanged"
    assert grade_of(incident) == ("weak", 1, False)
    out = io.StringIO()
    call_command("recompute_provenance", stdout=out)
    assert out.getvalue().strip() == "provenance: 0 changed, 1 unchanged"
