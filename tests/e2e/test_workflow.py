"""The curators' whole workflow in a real browser: enter, cite, review, verify, export; the
maps, the dashboard and the ceasefire page, each checked with axe-core as well."""

import csv
import io
import re

import pytest

from tests.e2e.helpers import choose, save
from tests.factories import CitationFactory, IncidentFactory
from tracker.choices import IncidentStatus, Verdict
from tracker.models import Assessment, Ceasefire, Incident, Place, Source

pytestmark = pytest.mark.e2e

JANUARY = "Idlib ceasefire (January 2020)"


def test_1_a_curator_creates_a_place_with_another_spelling_and_sets_its_point_on_the_map(people):
    curator = people("curator")
    page = curator.login("curator")
    page.goto(f"{curator.base_url}/admin/tracker/place/add/")
    page.fill("#id_name", "Kafr Nabl")
    page.select_option("#id_kind", "town")
    choose(page, "id_parent", "Idlib Governorate")
    page.fill("#id_country_code", "SY")
    page.fill("#id_alternate_names-0-name", "Kafranbel")
    the_map = page.locator("#tracker-point-map")
    the_map.scroll_into_view_if_needed()
    # No tile server here: the map says so and still works.
    page.wait_for_selector("#tracker-point-map[data-tiles=unavailable]")
    the_map.click()  # the middle of the map: the configured centre
    assert page.input_value("#id_latitude") != ""
    page.locator("#tracker-point-map .leaflet-marker-icon").wait_for()
    curator.shot(page, "place-form-with-point")
    curator.check_accessibility(page)
    save(page)
    place = Place.objects.get(name="Kafr Nabl")
    assert [n.name for n in place.alternate_names.all()] == ["Kafranbel"]
    assert place.parent.name == "Idlib Governorate"
    # The click landed within a few km of the map's centre (35.9, 36.6).
    assert abs(place.latitude - 35.9) < 0.05 and abs(place.longitude - 36.6) < 0.05
    assert page.js_errors == []


def test_2_a_curator_enters_an_incident_with_two_citations_and_sees_its_verdict(people):
    curator = people("curator")
    page = curator.login("curator")
    page.goto(f"{curator.base_url}/admin/tracker/incident/add/")
    page.fill("#id_title", "Airstrike on the market of Maarat al-Numan")
    page.select_option("#id_kind", "airstrike")
    page.fill("#id_occurred_at_0", "2020-01-15")
    page.fill("#id_occurred_at_1", "08:00:00")
    page.select_option("#id_time_precision", "hour")
    choose(page, "id_place", "Maaret al-Numan")
    page.select_option("#id_geo_precision", "town")
    choose(page, "id_perpetrator", "Russian Aerospace Forces")
    page.select_option("#id_attribution", "alleged")
    for _ in range(2):
        page.click(".inline-group#citations-group .add-row a")
    choose(page, "id_citations-0-report", "Russian-Led Air Strikes")
    page.select_option("#id_citations-0-stance", "reports")
    choose(page, "id_citations-1-report", "Idlib ceasefire to be implemented")
    choose(page, "id_citations-1-claimant", "Syrian Observatory")  # the monitoring group says so
    page.select_option("#id_citations-1-stance", "reports")
    curator.shot(page, "incident-form")
    curator.check_accessibility(page)
    save(page)
    incident = Incident.objects.get(title="Airstrike on the market of Maarat al-Numan")
    assert incident.citations.count() == 2
    assert incident.citations.get(claimant__isnull=False).claimant.name == "Syrian Observatory for Human Rights"
    assert incident.created_by.username == "curator"

    # Submitted for review from the list, with the list's action.
    page.goto(f"{curator.base_url}/admin/tracker/incident/?q=market+of+Maarat")
    page.check(f"input[name=_selected_action][value='{incident.pk}']")
    page.select_option("select[name=action]", "submit_for_review")
    page.click("button[name=index]")
    page.wait_for_selector(".messagelist .success")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.IN_REVIEW

    # Its page shows the computed verdict against the January 2020 ceasefire.
    page.goto(f"{curator.base_url}/admin/tracker/incident/{incident.pk}/change/")
    verdicts = page.locator("#assessments-group")
    row = verdicts.locator("tr", has_text=JANUARY)
    expected = Assessment.objects.get(incident=incident, ceasefire__name=JANUARY)
    assert expected.verdict == Verdict.VIOLATION
    assert "Violation" in row.inner_text()
    curator.shot(page, "incident-with-verdict")
    curator.check_accessibility(page)
    assert page.js_errors == []


@pytest.fixture
def in_review():
    """An incident a curator entered and submitted, as test 2 leaves it."""
    incident = IncidentFactory(
        title="Airstrike on the market of Maarat al-Numan",
        place=Place.objects.get(name="Maaret al-Numan"),
        status=IncidentStatus.IN_REVIEW,
    )
    CitationFactory(incident=incident, claimant=Source.objects.get(name__startswith="Syrian Observatory"))
    from tracker.services.assessments import assess_incident

    assess_incident(incident)
    return incident


def test_3_a_reviewer_verifies_from_the_queue_and_overrides_a_verdict_with_a_reason(people, in_review):
    reviewer = people("reviewer")
    page = reviewer.login("reviewer")
    queue = page.locator("#review-queue")
    assert "Review queue (4 waiting)" in queue.inner_text()
    reviewer.shot(page, "dashboard")
    reviewer.check_accessibility(page)
    queue.get_by_role("link", name=in_review.title).click()
    page.wait_for_selector("#incident_form")
    page.select_option("#id_status", "verified")
    row = page.locator("#assessments-group tr", has_text=JANUARY)
    row.locator("select[name$=override_verdict]").select_option("possible")
    row.locator("[name$=override_reason]").fill("Only one claimant; the time is approximate.")
    page.fill("#id_change_reason", "Verified against the monitoring group's report.")
    reviewer.shot(page, "review-form")
    reviewer.check_accessibility(page)
    save(page)
    in_review.refresh_from_db()
    assert in_review.status == IncidentStatus.VERIFIED
    assessment = Assessment.objects.get(incident=in_review, ceasefire__name=JANUARY)
    assert (assessment.effective_verdict, assessment.override_by.username) == ("possible", "reviewer")
    assert assessment.override_reason == "Only one claimant; the time is approximate."
    assert page.js_errors == []


def test_4_history_shows_both_users_and_a_stale_edit_is_refused_without_losing_anything(people, in_review):
    curator, reviewer = people("curator"), people("reviewer")
    change_url = f"{curator.base_url}/admin/tracker/incident/{in_review.pk}/change/"
    # The curator adds the target, then opens the incident again in a second tab.
    first = curator.login("curator")
    first.goto(change_url)
    first.fill("#id_target_description", "The vegetable market")
    save(first)
    second_tab = curator.new_page()
    second_tab.goto(change_url)
    # Meanwhile the reviewer changes the death toll.
    other = reviewer.login("reviewer")
    other.goto(change_url)
    other.fill("#id_killed_low", "3")
    save(other)
    # The curator's save from the second tab, opened before the reviewer's, is refused; what
    # they typed is still in the form, and the reviewer's change stands.
    second_tab.fill("#id_description", "Three killed near the market, according to the Observatory.")
    second_tab.click("input[name=_save]")
    second_tab.wait_for_selector(".errornote, .messagelist .error")
    assert "was changed by reviewer after you opened it" in second_tab.content()
    assert second_tab.input_value("#id_description") == "Three killed near the market, according to the Observatory."
    curator.shot(second_tab, "stale-edit-conflict")
    in_review.refresh_from_db()
    assert (in_review.killed_low, in_review.target_description, in_review.description) == (3, "The vegetable market", "")

    # The history names both, newest first.
    second_tab.goto(f"{curator.base_url}/admin/tracker/incident/{in_review.pk}/history/")
    rows = [row.inner_text() for row in second_tab.locator("#change-history tbody tr").all()]
    assert "reviewer" in rows[0] and "curator" in rows[1], rows
    curator.shot(second_tab, "history")
    curator.check_accessibility(second_tab)


def test_5_the_list_filtered_by_verdict_exports_the_matching_rows(people):
    curator = people("curator")
    page = curator.login("curator")
    january = Ceasefire.objects.get(name=JANUARY)
    query = f"?assessments__ceasefire__id__exact={january.pk}&assessments__verdict=violation"
    page.goto(f"{curator.base_url}/admin/tracker/incident/{query}")
    shown = {
        int(re.search(r"/incident/(\d+)/", a.get_attribute("href")).group(1))
        for a in page.locator("#result_list tbody th a").all()
    }
    curator.shot(page, "filtered-list")
    with page.expect_download() as download:
        page.get_by_role("link", name="Export CSV").click()
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    expected = set(
        Incident.objects.filter(assessments__ceasefire=january, assessments__verdict="violation").values_list("pk", flat=True)
    )
    assert {int(row["id"]) for row in rows} == shown == expected
    assert len(expected) == 5  # Russia's side held from its own 9 January commitment; the rockets by their origin


def test_6_the_ceasefire_page_shows_the_chart_and_the_map_shows_the_markers(people):
    curator = people("curator")
    page = curator.login("curator")
    january = Ceasefire.objects.get(name=JANUARY)
    page.goto(f"{curator.base_url}/admin/tracker/ceasefire/{january.pk}/change/")
    chart = page.locator("svg[aria-labelledby='cc-title cc-desc']")
    assert chart.locator("rect").count() > 3
    # One mark per party and claimed instant (six declarations, three distinct claims).
    claims = set(january.declarations.exclude(claimed_start=None).values_list("party", "claimed_start"))
    assert page.locator("svg[aria-labelledby='ds-title ds-desc'] circle").count() == len(claims) == 3
    curator.shot(page, "ceasefire-page")
    curator.check_accessibility(page)

    page.goto(f"{curator.base_url}/admin/tracker/incident/?assessments__ceasefire__id__exact={january.pk}")
    page.wait_for_selector("#tracker-incident-map[data-markers]")
    markers = int(page.get_attribute("#tracker-incident-map", "data-markers"))
    assert markers > 0
    assert page.locator("#tracker-incident-map path.tracker-marker").count() == markers
    assert page.locator("#tracker-incident-map path.verdict-violation").count() == 5
    curator.shot(page, "incident-map")
    curator.check_accessibility(page)
    assert page.js_errors == []
