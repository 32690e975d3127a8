"""The curation admin, as a curator and a reviewer use it."""

import pytest
from django.urls import reverse

from tests.factories import UserFactory
from tracker.models import Ceasefire, Citation, Declaration, Incident, Party, Place, Report, Source

pytestmark = pytest.mark.django_db

MODELS = [Party, Place, Source, Report, Incident, Citation, Ceasefire, Declaration]
SEARCHES = {
    Party: ("regime warplanes", "Syrian Arab Air Force"),
    Place: ("Ma'rat Masrin", "Ma&#x27;arrat Misrin"),
    Source: ("White Helmets", "Syrian Civil Defence (White Helmets)"),
    Report: ("Moscow Times", "Russian-Led Air Strikes Suspended in Idlib After Ceasefire"),
    # An incident is found by any name of its place, by its perpetrator's alias, by its sources.
    Incident: ("Maarat al-Numan", "Airstrikes on Maaret al-Numan and surrounding villages"),
    Citation: ("Smart News", "Smart News Agency"),
    Ceasefire: ("M4", "Moscow agreement on Idlib (March 2020)"),
    Declaration: ("Moscow time", "Idlib ceasefire (January 2020)"),
}


@pytest.fixture
def curator(client, roles, idlib):
    client.force_login(UserFactory(username="curator", roles=["curator"]))
    return client


@pytest.fixture
def reviewer(client, roles, idlib):
    client.force_login(UserFactory(username="reviewer", roles=["reviewer"]))
    return client


def url(model, view: str, *args) -> str:
    return reverse(f"admin:tracker_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_curator_pages_for_every_model(curator, model):
    obj = model.objects.order_by("pk").first()
    assert curator.get(url(model, "changelist")).status_code == 200
    assert curator.get(url(model, "change", obj.pk)).status_code == 200
    can_add = model not in (Ceasefire, Declaration)  # ceasefires are the reviewers'
    assert curator.get(url(model, "add")).status_code == (200 if can_add else 403)
    term, expected = SEARCHES[model]
    response = curator.get(url(model, "changelist"), {"q": term})
    assert response.status_code == 200
    assert expected in response.content.decode()


def test_incident_changelist_filters_and_date_hierarchy(curator):
    response = curator.get(url(Incident, "changelist"), {"status__exact": "in_review", "occurred_at__year": "2020"})
    page = response.content.decode()
    assert "3 incidents" in page
    assert "Insurgent rockets on residential areas of Aleppo" in page


def test_admin_add_incident_with_citation_goes_through_services(curator):
    place, report, sohr = (
        Place.objects.get(name="Taftanaz"),
        Report.objects.get(source__name="Asharq Al-Awsat", title__startswith="Turkey"),
        Source.objects.get(name__startswith="Syrian Observatory"),
    )
    data = {
        "title": "Shelling of Taftanaz",
        "kind": "artillery_shelling",
        "description": "",
        "status": "draft",
        "confidence": "weak",
        "occurred_at_0": "2020-01-13",
        "occurred_at_1": "08:00:00",
        "time_precision": "hour",
        "place": place.pk,
        "geo_precision": "town",
        "attribution": "unknown",
        "target_description": "",
        "initiator": "perpetrator",
        "origin_geo_precision": "town",
        "external_source": "",
        "external_id": "",
        "citations-TOTAL_FORMS": "1",
        "citations-INITIAL_FORMS": "0",
        "citations-MIN_NUM_FORMS": "0",
        "citations-MAX_NUM_FORMS": "1000",
        "citations-0-report": report.pk,
        "citations-0-claimant": sohr.pk,
        "citations-0-stance": "reports",
        "citations-0-quote": "",
        "citations-0-notes": "",
    }
    response = curator.post(url(Incident, "add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    incident = Incident.objects.get(title="Shelling of Taftanaz")
    assert incident.created_by.username == "curator" and incident.version == 1
    citation = incident.citations.get()
    assert (citation.claimant, citation.created_by.username) == (sohr, "curator")


def test_admin_validation_error_is_shown_on_the_form(curator):
    place = Place.objects.get(name="Aleppo")
    data = {"name": place.name, "kind": "city", "latitude": "95", "longitude": "37", "country_code": "SY", "parent": place.parent_id,
            "alternate_names-TOTAL_FORMS": "0", "alternate_names-INITIAL_FORMS": "0", "alternate_names-MIN_NUM_FORMS": "0", "alternate_names-MAX_NUM_FORMS": "1000"}  # fmt: skip
    response = curator.post(url(Place, "change", place.pk), data)
    assert response.status_code == 200
    assert "Latitude must be between -90 and 90." in response.content.decode()
    place.refresh_from_db()
    assert place.latitude == pytest.approx(36.2021)


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        ("[" * 100_000 + "]" * 100_000, "JSON nested deeper than 32 levels is not accepted."),
        (
            '{"type": "Polygon", "coordinates": ' + "[" * 500 + "]" * 500 + "}",
            "JSON nested deeper than 32 levels is not accepted.",
        ),
    ],
    ids=["parser limit", "below the parser limit"],
)
def test_admin_geometry_nested_too_deep_is_a_form_error(curator, geometry, message):
    place = Place.objects.get(name="Aleppo")
    data = {"name": place.name, "kind": "city", "latitude": "36.2", "longitude": "37.1", "country_code": "SY", "parent": place.parent_id,
            "geometry": geometry, "based_on_version": place.version,
            "alternate_names-TOTAL_FORMS": "0", "alternate_names-INITIAL_FORMS": "0", "alternate_names-MIN_NUM_FORMS": "0", "alternate_names-MAX_NUM_FORMS": "1000"}  # fmt: skip
    response = curator.post(url(Place, "change", place.pk), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["geometry"] == [message]


def test_admin_refuses_an_incident_outside_the_instant_range(curator):
    incident = Incident.objects.get(status="draft")
    response = curator.post(
        url(Incident, "add"),
        {"title": "Year one", "kind": "airstrike", "occurred_at_0": "0001-01-01", "occurred_at_1": "00:00:00",
         "time_precision": "hour", "place": incident.place_id, "status": "draft", "attribution": "unknown",
         "citations-TOTAL_FORMS": "0", "citations-INITIAL_FORMS": "0", "citations-MIN_NUM_FORMS": "0", "citations-MAX_NUM_FORMS": "1000"},
    )  # fmt: skip
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["occurred_at"] == [
        "0001-01-01T00:00:00+00:00 is outside the instants the tracker accepts: from 1800-01-01T00:00:00Z up to, "
        "not including, 2200-01-01T00:00:00Z."
    ]
    assert not Incident.objects.filter(title="Year one").exists()


def test_curator_submits_for_review_but_cannot_verify(curator):
    draft = Incident.objects.get(status="draft")
    response = curator.post(
        url(Incident, "changelist"), {"action": "submit_for_review", "_selected_action": [draft.pk]}, follow=True
    )
    assert "1 incident(s) submitted for review." in response.content.decode()
    draft.refresh_from_db()
    assert draft.status == "in_review" and draft.version == 2
    page = curator.get(url(Incident, "changelist")).content.decode()
    assert "submit_for_review" in page and 'value="verify"' not in page


def test_reviewer_verifies_and_rejects(reviewer):
    pending = list(Incident.objects.filter(status="in_review").order_by("pk"))
    response = reviewer.post(
        url(Incident, "changelist"), {"action": "verify", "_selected_action": [i.pk for i in pending]}, follow=True
    )
    assert "3 incident(s) verified." in response.content.decode()
    assert set(Incident.objects.filter(pk__in=[i.pk for i in pending]).values_list("status", flat=True)) == {"verified"}
    response = reviewer.post(url(Incident, "changelist"), {"action": "reject", "_selected_action": [pending[0].pk]}, follow=True)
    assert "1 incident(s) rejected." in response.content.decode()


def test_protected_delete_is_refused_in_admin(reviewer):
    place = Place.objects.get(name="Aleppo")
    response = reviewer.post(url(Place, "delete", place.pk), {"post": "yes"})
    assert response.status_code == 200  # Django shows the protected objects instead of deleting
    assert Place.objects.filter(pk=place.pk).exists()


def test_incident_page_shows_verdicts_and_filters_by_them(curator, assessed):
    from tracker.models import Assessment

    artillery = Incident.objects.get(title__startswith="Artillery shelling")
    page = curator.get(url(Incident, "change", artillery.pk)).content.decode()
    assert "Idlib ceasefire (January 2020)" in page and "Violation" in page
    # The commitment it was measured against: the government's, committed by Russia.
    assert "Syrian government&#x27;s commitment, from 2020-01-09 11:00 UTC (curated on the party&#x27;s role)" in page
    listing = curator.get(url(Incident, "changelist"), {"assessments__verdict": "violation"}).content.decode()
    assert "5 incidents" in listing  # four strikes of Russia's side, and the rockets fired from the zone
    assert curator.get(url(Assessment, "changelist")).status_code == 200


def test_reviewer_overrides_in_admin(reviewer, assessed):
    from tracker.models import Assessment

    assessment = Assessment.objects.get(incident__title__startswith="Artillery shelling")
    opened = {"based_on_version": 1}
    page = reviewer.post(
        url(Assessment, "change", assessment.pk), {"override_verdict": "possible", "override_reason": "", **opened}
    )
    assert "An override needs a reason." in page.content.decode()
    response = reviewer.post(
        url(Assessment, "change", assessment.pk),
        {"override_verdict": "possible", "override_reason": "One-sided claim.", **opened},
    )
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert (assessment.effective_verdict, assessment.override_by.username, assessment.version) == ("possible", "reviewer", 2)


def test_ceasefire_page_shows_compliance_chart_and_declared_starts(curator, assessed):
    january = Ceasefire.objects.get(name="Idlib ceasefire (January 2020)")
    page = curator.get(url(Ceasefire, "change", january.pk)).content.decode()
    assert "<svg" in page and "Incidents per day before and after the start, by verdict" in page
    # On the start's local day: the eve bombing (Russia's side, bound since 9 January) and the
    # first 59 minutes of 1,499 of the artillery and of the rockets (counts are weighted by time).
    assert "2020-01-11: 1.08 violation" in page
    assert f"/api/v1/ceasefires/{january.pk}/violations/" in page
    assert "Under each party&#x27;s declared start" in page or "Under each party's declared start" in page
    # Russia's 9 January start turns three strikes into violations (plus the artillery).
    assert "<td>Russia</td><td>2020-01-09 11:00</td>" in page


def test_ceasefire_lifecycle_and_undertakings_saved_inline_recompute_its_verdicts(reviewer, assessed, monkeypatch):
    """The roles and lifecycle are edited inline on the ceasefire page; saving them recomputes
    the verdicts (they decide them) — once for the whole form, not once per inline row."""
    from tests.helpers import admin_form_data
    from tracker.models import Assessment, CeasefireStatus
    from tracker.services import recompute

    requested = []
    request = recompute.request_ceasefire_verdicts
    monkeypatch.setattr(recompute, "request_ceasefire_verdicts", lambda c: requested.append(c.pk) or request(c))

    january = Ceasefire.objects.get(name="Idlib ceasefire (January 2020)")
    page = reviewer.get(url(Ceasefire, "change", january.pk))
    data = admin_form_data(page)
    # A collapse on 1 March (a test's assumption, not the articles'), added as a new inline row.
    first_new = int(data["lifecycle-TOTAL_FORMS"])
    data["lifecycle-TOTAL_FORMS"] = str(first_new + 1)
    data.update(
        {
            f"lifecycle-{first_new}-status": "collapsed",
            f"lifecycle-{first_new}-effective_at_0": "2020-03-01",
            f"lifecycle-{first_new}-effective_at_1": "00:00:00",
            f"lifecycle-{first_new}-notes": "<script>alert(1)</script>",
        }
    )
    # The opposition's role (Turkey's side) undertakes to stop artillery only.
    role_rows = [k for k, v in data.items() if k.startswith("party_roles-") and k.endswith("-party")]
    opposition = Party.objects.get(name="Syrian armed opposition")
    row = next(k for k in role_rows if str(data[k]) in (str(opposition.pk), f"['{opposition.pk}']")).rsplit("-", 1)[0]
    data[f"{row}-barred_kinds"] = ["artillery_shelling"]
    data["change_reason"] = "Lifecycle and undertakings"
    response = reviewer.post(url(Ceasefire, "change", january.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert requested == [january.pk]
    step = CeasefireStatus.objects.get(ceasefire=january, status="collapsed")
    assert step.history.get().history_user.username == "reviewer"
    verdict = {a.incident.title[:19]: (a.verdict, a.reasons) for a in Assessment.objects.filter(ceasefire=january)}
    # 3-5 March: after the collapse now.
    assert verdict["Russian airstrike o"] == ("not_violation", ["after_collapse"])
    # The rockets are not artillery: not an act the opposition undertook to stop.
    assert verdict["Insurgent rockets o"] == ("not_violation", ["act_not_barred", "by_origin"])
    shown = reviewer.get(url(Ceasefire, "change", january.pk)).content.decode()
    assert "<script>alert(1)</script>" not in shown and "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
