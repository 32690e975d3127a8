"""The verdict rules' points 8 and 9 (issue 19) on tests/test_verdict_rules.py's world: the
compliance series divides by exposure and stops at a collapse; the suggested grade weighs
competing attributions, reliability and alignment."""

import pytest

from tests.factories import CitationFactory, ReportFactory, SourceFactory
from tests.test_verdict_rules import STRIKE, _incident, utc, world  # noqa: F401 - world is a fixture
from tracker.models import CeasefireStatus, IncidentProvenance
from tracker.selectors.compliance import Basis, compliance
from tracker.services import provenance

pytestmark = pytest.mark.django_db


# --- 8. Compliance divides by exposure and stops at the collapse --------------------------------


def test_compliance_stops_at_the_collapse_with_its_exposure(world):  # noqa: F811 - the imported fixture
    """Worked by hand: days=3 around the agreed start (11 Jan 21:01Z, 23:01 in Damascus at
    UTC+2) runs over local days 8–13 January, 7 Jan 22:00Z – 13 Jan 22:00Z. A collapse at
    12 Jan 21:00Z cuts it there: "after" covers 11 Jan 21:01Z – 12 Jan 21:00Z, 23 h 59 min;
    13 January is gone from the series, and the incident on it is not counted."""
    ceasefire = world["ceasefire"]
    CeasefireStatus.objects.create(ceasefire=ceasefire, status="collapsed", effective_at=utc(2020, 1, 12, 21))
    _incident(world, {**STRIKE, "occurred_at": utc(2020, 1, 10, 8)})  # before
    _incident(world, {**STRIKE, "occurred_at": utc(2020, 1, 12, 8)})  # after, before the collapse
    _incident(world, {**STRIKE, "occurred_at": utc(2020, 1, 13, 8)})  # after the collapse
    ceasefire.refresh_from_db()
    body = compliance(ceasefire, days=3, basis=Basis(starts_at=ceasefire.starts_at))
    before_days, after_days = 3 + (23 * 60 + 1) / 1440, (23 * 60 + 59) / 1440
    assert body["stops_at"] == utc(2020, 1, 12, 21)
    assert body["exposure_days"] == {"before": round(before_days, 4), "after": round(after_days, 4)}
    assert [d["date"] for d in body["series"]] == ["2020-01-08", "2020-01-09", "2020-01-10", "2020-01-11", "2020-01-12"]
    assert (body["totals"]["before"], body["totals"]["after"]) == (1.0, 1.0)
    assert body["daily_rate_after"] == round(1 / after_days, 4)
    assert body["rate_ratio"] == round((1 / after_days) / (1 / before_days), 4)
    # Without the collapse the series runs to 13 January and counts the third strike.
    CeasefireStatus.objects.all().delete()
    ceasefire.refresh_from_db()
    whole = compliance(ceasefire, days=3, basis=Basis(starts_at=ceasefire.starts_at))
    assert (whole["stops_at"], len(whole["series"]), whole["totals"]["after"]) == (None, 6, 2.0)


# --- 9. Grading: competing attributions, reliability, alignment ---------------------------------


GRADING = [
    # (claimants as (reliability, aligned side, affiliated side, stance, named), suggested, contested)
    (
        "a denial by the accused alone does not contest",
        [("C", None, None, "reports", "government"), ("C", None, "government", "denies", None)],
        "weak",
        False,
    ),
    (
        "a claim naming another party does",
        [("C", None, None, "reports", "government"), ("C", None, None, "reports", "opposition")],
        "contested",
        True,
    ),
    (
        "two monitors are two voices",
        [("C", None, None, "reports", "government"), ("B", None, None, "reports", "government")],
        "fair",
        False,
    ),
    (
        "two networks aligned with the opposition are one voice",
        [("C", "opposition", None, "reports", "government"), ("C", "opposition", None, "reports", "government")],
        "weak",
        False,
    ),
    (
        "an unreliable claimant is no voice",
        [("C", None, None, "reports", "government"), ("E", None, None, "reports", "government")],
        "weak",
        False,
    ),
]


@pytest.mark.parametrize(("name", "claims", "suggested", "contested"), GRADING, ids=[g[0] for g in GRADING])
def test_grading_rules_through_the_service(world, name, claims, suggested, contested):  # noqa: F811
    parties = world["parties"]
    incident = _incident(world, STRIKE)
    for reliability, aligned, affiliated, stance, named in claims:
        source = SourceFactory(
            reliability=reliability,
            aligned_party=parties[aligned] if aligned else None,
            affiliated_party=parties[affiliated] if affiliated else None,
        )
        CitationFactory(
            incident=incident,
            report=ReportFactory(source=source),
            stance=stance,
            named_perpetrator=parties[named] if named else None,
        )
    provenance.refresh([incident.pk])
    graded = IncidentProvenance.objects.get(incident=incident)
    assert (graded.suggested_confidence, graded.contested) == (suggested, contested)
