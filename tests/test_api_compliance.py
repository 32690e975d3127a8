"""A ceasefire's compliance series: before/after its start, on the curated or a declared basis."""

import io

import pytest
from django.core.management import call_command

from tests.helpers import if_match
from tracker.models import Ceasefire, Declaration

pytestmark = pytest.mark.django_db


@pytest.fixture
def reader(client_for):
    """A curator reads every incident, drafts included (see tests/test_visibility.py)."""
    return client_for("curator")


@pytest.fixture
def january(idlib):
    call_command("recompute_assessments", stdout=io.StringIO())
    return Ceasefire.objects.get(name="Idlib ceasefire (January 2020)")


def get(reader, ceasefire, query=""):
    response = reader.get(f"/api/v1/ceasefires/{ceasefire.pk}/compliance/?{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_curated_basis(reader, january):
    """Worked by hand (docs/VERDICTS.md): the series runs over local days 8–13 January in
    Damascus (UTC+2), 7 Jan 22:00Z to 13 Jan 22:00Z; the agreed start 11 Jan 21:01Z splits it
    into 3 days 23:01 before and 2 days 0:59 after."""
    body = get(reader, january, "days=3")
    assert (body["basis"], body["basis_party"], body["starts_at"], body["timezone"]) == (
        "curated",
        None,
        "2020-01-11T21:01:00Z",
        "Asia/Damascus",
    )
    before_days, after_days = 3 + 1381 / 1440, 2 + 59 / 1440
    assert body["exposure_days"] == {"before": round(before_days, 4), "after": round(after_days, 4)}
    # Taftanaz: 18 Dec 22:00Z – 10 Jan 22:00Z, 552 hours, 24 of them on each of 8, 9, 10 Jan.
    taftanaz_day = 24 / 552
    # The artillery and the rockets on Aleppo (fired from the zone: counted by their origin):
    # 11 Jan 21:01Z – 12 Jan 22:00Z, 1,499 minutes each, 59 of them on 11 January.
    artillery_11 = 59 / 1499
    expected = [
        ("2020-01-08", -3, taftanaz_day),
        ("2020-01-09", -2, taftanaz_day),
        ("2020-01-10", -1, 2 + taftanaz_day),  # the Maaret al-Numan strikes, the clashes
        ("2020-01-11", 0, 1 + 2 * artillery_11),  # the eve bombing (23 hours, all before the start)
        ("2020-01-12", 1, 2 * (1 - artillery_11)),
        ("2020-01-13", 2, 0),
    ]
    assert [(d["date"], d["day"], d["total"]) for d in body["series"]] == [
        (date, day, round(total, 4)) for date, day, total in expected
    ]
    assert body["series"][2]["by_kind"] == {"airstrike": round(1 + taftanaz_day, 4), "armed_clash": 1.0}
    # Each party measured from its own commitment: the eve bombing is a violation of Russia's side.
    assert body["series"][3]["by_verdict"] == {
        "violation": round(1 + 2 * artillery_11, 4),
        "possible": 0.0,
        "not_violation": 0.0,
    }
    before, after = 3 + 3 * taftanaz_day, 2.0
    assert body["totals"]["before"] == round(before, 4) and body["totals"]["after"] == after
    # The clashes of 10 January: the government's side was bound from Russia's start, and
    # nobody is known to have started them: possible.
    assert body["totals"]["by_verdict"] == {"violation": 4.0, "possible": round(1 + 3 * taftanaz_day, 4), "not_violation": 0.0}
    assert body["totals"]["deaths"]["after"] == {"low": 2.0, "high": 2.0, "incidents_with_figures": 1.0}  # the rockets
    assert (body["daily_rate_before"], body["daily_rate_after"], body["rate_ratio"]) == (
        round(before / before_days, 4),
        round(after / after_days, 4),
        round((after / after_days) / (before / before_days), 4),
    )
    by_party = {(row["party"] or {}).get("name"): (row["before"], row["after"]) for row in body["by_perpetrator"]}
    assert by_party == {
        "Russian Aerospace Forces": (1.0, 0.0),
        "Syrian government": (2.0, 0.0),  # the eve bombing, the clashes
        "Syrian armed opposition": (0.0, 1.0),
        "Syrian Arab Army": (0.0, 1.0),
        "Syrian Arab Air Force": (round(3 * taftanaz_day, 4), 0.0),
    }


def test_russias_declared_start(reader, january):
    """Centred on Russia's 9 January 11:00Z: local days 6–11 January, 5 Jan 22:00Z to
    11 Jan 22:00Z; everyone measured from Russia's start."""
    russia = Declaration.objects.get(ceasefire=january, party__name="Russia", report__source__name="Duvar English")
    body = get(reader, january, f"days=3&basis=declaration:{russia.pk}")
    assert (body["basis"], body["basis_party"]["name"], body["starts_at"]) == (
        f"declaration:{russia.pk}",
        "Russia",
        "2020-01-09T11:00:00Z",
    )
    assert body["exposure_days"] == {"before": round(3 + 13 / 24, 4), "after": round(2 + 11 / 24, 4)}
    # Taftanaz: 85 of its 552 hours in the series fall before Russia's start, 35 after; the
    # artillery and the rockets only their first 59 minutes (of 1,499) in the series, after.
    before = 85 / 552
    # Maaret al-Numan, the clashes, Taftanaz, the eve bombing, the artillery, the rockets
    after = 1 + 1 + 35 / 552 + 1 + 2 * 59 / 1499
    assert (body["totals"]["before"], body["totals"]["after"]) == (round(before, 4), round(after, 4))
    assert body["totals"]["by_verdict"] == {
        "violation": round(1 + 1 + 2 * 59 / 1499, 4),  # Maaret al-Numan, the eve bombing, the artillery, the rockets
        "possible": round(1 + 120 / 552, 4),  # the clashes (initiator unknown), Taftanaz (mostly before)
        "not_violation": 0.0,
    }
    assert body["rate_ratio"] == round((after / (2 + 11 / 24)) / (before / (3 + 13 / 24)), 4)


def test_overrides_count_on_the_curated_basis_only(reader, january, client_for):
    from tracker.models import Assessment

    artillery = Assessment.objects.get(ceasefire=january, incident__title__startswith="Artillery")
    reviewer = client_for("reviewer")
    reviewer.patch(
        f"/api/v1/assessments/{artillery.pk}/",
        {"override_verdict": "possible", "override_reason": "Unclear who fired."},
        format="json",
        **if_match(artillery),
    )
    assert get(reader, january, "days=3")["totals"]["by_verdict"] == {
        "violation": 3.0,  # the eve bombing, Maaret al-Numan, the rockets
        "possible": round(2 + 72 / 552, 4),  # the artillery (overridden), the clashes, Taftanaz
        "not_violation": 0.0,
    }


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("days=0", {"days": ["Ensure this value is greater than or equal to 1."]}),
        ("days=366", {"days": ["Ensure this value is less than or equal to 365."]}),
        ("days=two", {"days": ["A valid integer is required."]}),
        ("basis=russia", {"basis": ["Use 'curated' or 'declaration:<id>'."]}),
        ("basis=declaration:x", {"basis": ["Use 'curated' or 'declaration:<id>'."]}),
        ("basis=declaration:99999", {"basis": ["Ceasefire {pk} has no declaration 99999."]}),
        ("window=3", {"window": ["Unknown query parameter. Known: basis, days, format."]}),
    ],
)
def test_bad_compliance_queries(reader, january, query, body):
    response = reader.get(f"/api/v1/ceasefires/{january.pk}/compliance/?{query}")
    expected = {k: [m.replace("{pk}", str(january.pk)) for m in v] for k, v in body.items()}
    assert (response.status_code, response.json()) == (400, expected)


def test_unknown_ceasefire_is_404(reader, idlib):
    assert reader.get("/api/v1/ceasefires/99999/compliance/").status_code == 404


def test_declaration_of_another_ceasefire_is_refused(reader, january):
    march = Ceasefire.objects.get(name__startswith="Moscow")
    other = Declaration.objects.filter(ceasefire=march).first()
    response = reader.get(f"/api/v1/ceasefires/{january.pk}/compliance/?basis=declaration:{other.pk}")
    assert response.status_code == 400


@pytest.mark.parametrize("query", ["days=3", "days=20", "basis=declaration"])
def test_compliance_query_count_is_constant(reader, january, query):
    """The ceasefire (with its ledger and pending recompute joined), its lifecycle, the tallies'
    two sums and the perpetrators' names: the same for a short or long series, on either basis
    (a declared basis reads its declaration). Its parties and declarations are not read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if query == "basis=declaration":
        declaration = january.declarations.exclude(claimed_start=None).first()
        query = f"basis=declaration:{declaration.pk}"
    get(reader, january, query)  # the first request also reads the curator's groups and permissions
    with CaptureQueriesContext(connection) as ctx:
        get(reader, january, query)
    assert len(ctx.captured_queries) == (6 if "declaration" in query else 5)
