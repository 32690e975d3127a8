"""Unverified incidents (draft, in review) are seen only by users allowed to view incidents;
the public sees verified and disputed ones, and nothing derived from the others."""

import pytest

from tracker.models import Assessment, Ceasefire, Citation, Incident

pytestmark = pytest.mark.django_db

PUBLIC = {"verified", "disputed"}


def _ids(client, path: str) -> set[int]:
    response = client.get(path + ("&" if "?" in path else "?") + "page_size=1000")
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("role", "sees_all"), [("anonymous", False), ("no_permission", False), ("curator", True), ("ingest", True)]
)
def test_who_sees_unverified_incidents(assessed, client_for, role, sees_all):
    client = client_for(role)
    unverified = set(Incident.objects.exclude(status__in=PUBLIC).values_list("pk", flat=True))
    assert unverified  # the fixture has drafts and incidents in review
    everything = set(Incident.objects.values_list("pk", flat=True))
    want = everything if sees_all else everything - unverified
    assert _ids(client, "/api/v1/incidents/") == want
    for pk in unverified:
        assert client.get(f"/api/v1/incidents/{pk}/").status_code == (200 if sees_all else 404)

    citations = Citation.objects.all() if sees_all else Citation.objects.filter(incident__status__in=PUBLIC)
    assert _ids(client, "/api/v1/citations/") == set(citations.values_list("pk", flat=True))
    verdicts = Assessment.objects.all() if sees_all else Assessment.objects.filter(incident__status__in=PUBLIC)
    assert _ids(client, "/api/v1/assessments/") == set(verdicts.values_list("pk", flat=True))

    january = Ceasefire.objects.get(name="Idlib ceasefire (January 2020)")
    violating = Assessment.objects.filter(ceasefire=january, verdict__in=["violation", "possible"])
    if not sees_all:
        violating = violating.filter(incident__status__in=PUBLIC)
    assert _ids(client, f"/api/v1/ceasefires/{january.pk}/violations/") == set(violating.values_list("incident_id", flat=True))


def test_public_compliance_counts_only_public_incidents(assessed, client_for):
    january = Ceasefire.objects.get(name="Idlib ceasefire (January 2020)")
    url = f"/api/v1/ceasefires/{january.pk}/compliance/?days=3"
    # In the three days before the start, the 10 January clashes (in review) and the Taftanaz
    # bombing (a draft) are hidden.
    no_deaths = {"low": 0.0, "high": 0.0, "incidents_with_figures": 0.0}
    eve = {"low": 17.0, "high": 17.0, "incidents_with_figures": 1.0}  # the four towns: at least 17 killed
    assert client_for("anonymous").get(url).json()["totals"] == {
        "before": 2.0,
        "after": 1.0,
        "by_verdict": {"violation": 3.0, "possible": 0.0, "not_violation": 0.0},
        "deaths": {"before": eve, "after": no_deaths},
    }
    # 72 of the Taftanaz bombing's 552 hours fall in the series: it counts 0.1304. The rockets on
    # Aleppo (in review) count after the start, with their two dead.
    assert client_for("curator").get(url).json()["totals"] == {
        "before": 3.1304,
        "after": 2.0,
        "by_verdict": {"violation": 4.0, "possible": 1.1304, "not_violation": 0.0},
        "deaths": {"before": eve, "after": {"low": 2.0, "high": 2.0, "incidents_with_figures": 1.0}},
    }


# --- Hidden looks exactly like absent (the hostile review's findings 9 and 10) ------------------


def _hidden_incident():
    return Incident.objects.filter(status="in_review").exclude(citations=None).order_by("pk").first()


def _absent_id() -> int:
    return Incident.all_objects.order_by("-pk").values_list("pk", flat=True).first() + 1000


@pytest.mark.parametrize("role", ["anonymous", "no_permission"])
@pytest.mark.parametrize(("route", "param"), [("citations", "incident"), ("assessments", "incident")])
def test_an_id_the_reader_may_not_see_is_answered_like_one_that_never_existed(assessed, client_for, role, route, param):
    client = client_for(role)
    hidden, absent = _hidden_incident().pk, _absent_id()
    answers = [client.get(f"/api/v1/{route}/", {param: pk}) for pk in (hidden, absent)]
    assert [a.status_code for a in answers] == [400, 400]
    assert [a.json() for a in answers] == [{param: [f"No incident with id '{pk}'."]} for pk in (hidden, absent)]


def test_a_reader_who_may_see_it_filters_by_it(assessed, client_for):
    hidden = _hidden_incident()
    rows = client_for("curator").get("/api/v1/citations/", {"incident": hidden.pk}).json()["results"]
    assert {r["id"] for r in rows} == set(hidden.citations.values_list("pk", flat=True))


def test_the_filter_form_is_not_shared_between_readers(assessed, client_for):
    """The filter form class is built once per filterset: its id queryset must not carry the
    first reader's view to the next."""
    hidden = _hidden_incident()
    assert client_for("curator").get("/api/v1/citations/", {"incident": hidden.pk}).status_code == 200
    assert client_for("anonymous").get("/api/v1/citations/", {"incident": hidden.pk}).status_code == 400
    assert client_for("curator").get("/api/v1/citations/", {"incident": hidden.pk}).status_code == 200


def _merge(draft_kept: bool):
    """A duplicate merged into another: the kept one a draft, or the merged one a draft."""
    from tests.factories import IncidentFactory
    from tracker.services.incidents import incident_merge

    place = Incident.objects.first().place
    merged = IncidentFactory(status="draft" if not draft_kept else "verified", place=place)
    kept = IncidentFactory(status="draft" if draft_kept else "verified", place=place)
    incident_merge(merged=merged, kept=kept, user=None)
    return merged, kept


@pytest.mark.parametrize("draft_kept", [True, False], ids=["into a draft", "a draft merged"])
def test_a_merge_involving_a_draft_is_a_plain_404_to_the_public(assessed, client_for, draft_kept):
    merged, kept = _merge(draft_kept)
    public = client_for("anonymous").get(f"/api/v1/incidents/{merged.pk}/")
    assert (public.status_code, public.json()) == (404, {"detail": "No Incident matches the given query."})
    assert "Location" not in public
    curator = client_for("curator").get(f"/api/v1/incidents/{merged.pk}/")
    assert curator.status_code == 301 and curator["Location"].endswith(f"/api/v1/incidents/{kept.pk}/")


def test_a_public_merge_still_redirects_the_public(assessed, client_for):
    from tests.factories import IncidentFactory
    from tracker.services.incidents import incident_merge

    place = Incident.objects.first().place
    merged, kept = IncidentFactory(status="verified", place=place), IncidentFactory(status="verified", place=place)
    incident_merge(merged=merged, kept=kept, user=None)
    answer = client_for("anonymous").get(f"/api/v1/incidents/{merged.pk}/")
    assert answer.status_code == 301 and answer["Location"].endswith(f"/api/v1/incidents/{kept.pk}/")


@pytest.fixture
def citation_viewer(roles, client):
    """A user who may view citations and verdicts (and their history) but not unverified incidents."""
    from django.contrib.auth.models import Permission

    from tests.factories import UserFactory

    user = UserFactory(username="auditor")
    user.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_citation", "view_assessment"], content_type__app_label="tracker")
    )
    client.force_login(user)
    return client


def test_history_follows_the_visibility_rule(assessed, citation_viewer):
    hidden = _hidden_incident()
    citation = hidden.citations.order_by("pk").first()
    verdict = Assessment.objects.filter(incident=hidden).order_by("pk").first()
    assert citation_viewer.get(f"/api/v1/citations/{citation.pk}/").status_code == 404
    for url in (f"/api/v1/citations/{citation.pk}/history/", f"/api/v1/assessments/{verdict.pk}/history/"):
        answer = citation_viewer.get(url)
        assert (answer.status_code, answer.json()) == (404, {"detail": "No such record."}), url
    public = Citation.objects.filter(incident__status="verified").order_by("pk").first()
    assert citation_viewer.get(f"/api/v1/citations/{public.pk}/history/").status_code == 200
