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
    body = get(reader, january, "days=3")
    assert (body["basis"], body["basis_party"], body["starts_at"], body["timezone"]) == (
        "curated",
        None,
        "2020-01-11T21:01:00Z",
        "Asia/Damascus",
    )
    # Local days in Damascus; day 0 is the start's local day (23:01 on 11 January).
    assert [(d["date"], d["day"], d["total"]) for d in body["series"]] == [
        ("2020-01-08", -3, 0), ("2020-01-09", -2, 0), ("2020-01-10", -1, 2),
        ("2020-01-11", 0, 2), ("2020-01-12", 1, 0), ("2020-01-13", 2, 0),
    ]  # fmt: skip
    assert body["series"][2]["by_kind"] == {"airstrike": 1, "armed_clash": 1}
    # The eve bombing begins on day 0 but before the start; the artillery after it.
    assert body["series"][3]["by_verdict"] == {"violation": 1, "possible": 0, "not_violation": 1}
    assert body["totals"] == {"before": 3, "after": 1, "by_verdict": {"violation": 1, "possible": 0, "not_violation": 3}}
    assert (body["daily_rate_before"], body["daily_rate_after"], body["rate_ratio"]) == (1.0, 0.3333, 0.3333)
    by_party = {(row["party"] or {}).get("name"): (row["before"], row["after"]) for row in body["by_perpetrator"]}
    assert by_party == {"Russian Aerospace Forces": (1, 0), None: (1, 0), "Syrian government": (1, 0), "Syrian Arab Army": (0, 1)}


def test_russias_declared_start(reader, january):
    russia = Declaration.objects.get(ceasefire=january, party__name="Russia", report__source__name="Duvar English")
    body = get(reader, january, f"days=3&basis=declaration:{russia.pk}")
    assert (body["basis"], body["basis_party"]["name"], body["starts_at"]) == (
        f"declaration:{russia.pk}",
        "Russia",
        "2020-01-09T11:00:00Z",
    )
    # Under Russia's start everything from 10 January on is after it: the strikes become violations.
    assert body["totals"] == {"before": 0, "after": 4, "by_verdict": {"violation": 3, "possible": 1, "not_violation": 0}}
    assert body["rate_ratio"] is None


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
    assert get(reader, january, "days=3")["totals"]["by_verdict"] == {"violation": 0, "possible": 1, "not_violation": 3}


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
