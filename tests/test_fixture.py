"""The curated Idlib 2020 data loads, is valid, and holds the facts the articles give."""

import pytest

from tests.helpers import utc
from tracker.models import Ceasefire, Citation, Declaration, Incident, Party, Place, Report, Source

pytestmark = pytest.mark.django_db


def test_every_record_passes_model_validation(idlib):
    for model in (Party, Place, Source, Report, Ceasefire, Declaration, Incident, Citation):
        for obj in model.objects.all():
            obj.full_clean()


def test_ceasefire_starts_are_curated_in_utc(idlib):
    january = Ceasefire.objects.get(name="Idlib ceasefire (January 2020)")
    march = Ceasefire.objects.get(name="Moscow agreement on Idlib (March 2020)")
    # Turkey: one minute past midnight on 12 January, Turkey time (UTC+3).
    assert january.starts_at == utc(2020, 1, 11, 21, 1)
    # Superseded when the Moscow agreement took effect, a minute after midnight on 6 March (UTC+3).
    assert march.starts_at == utc(2020, 3, 5, 21, 1)
    assert january.ends_at == march.starts_at
    assert march.supersedes == january
    assert january.zone.name == "Idlib de-escalation zone" and january.zone.geometry["type"] == "Polygon"


def test_conflicting_declared_starts_are_kept_as_data(idlib):
    january = Ceasefire.objects.get(name="Idlib ceasefire (January 2020)")
    russia = {(d.report.source.name, d.claimed_start) for d in january.declarations.filter(party__name="Russia")}
    assert russia == {
        ("Duvar English", utc(2020, 1, 9, 11, 0)),  # 2 p.m. Moscow time
        ("Asharq Al-Awsat", utc(2020, 1, 9, 11, 0)),  # 1100 GMT
        ("CBC News", utc(2020, 1, 9, 23, 0)),  # 6 p.m. Eastern: the outlier
    }
    assert set(january.declarations.filter(party__name="Turkey").values_list("claimed_start", flat=True)) == {
        utc(2020, 1, 11, 21, 1)
    }


def test_parties_bound_by_both_ceasefires(idlib):
    for ceasefire in Ceasefire.objects.all():
        roles = {(r.party.name, r.role) for r in ceasefire.party_roles.all()}
        assert roles == {
            ("Russia", "signatory"),
            ("Turkey", "signatory"),
            ("Syrian government", "bound"),
            ("Syrian armed opposition", "bound"),
        }


def test_incident_times_respect_local_days_and_windows(idlib):
    friday = Incident.objects.get(title__startswith="Airstrikes on Maaret al-Numan")
    assert (friday.occurred_at, friday.time_precision) == (utc(2020, 1, 9, 22, 0), "day")  # 10 Jan 00:00 Damascus (UTC+2)
    eve = Incident.objects.get(title__contains="on the eve of the ceasefire")
    assert (eve.occurred_at, eve.occurred_until) == (
        utc(2020, 1, 10, 22, 0),
        utc(2020, 1, 11, 21, 1),
    )  # ends when the ceasefire starts
    rockets = Incident.objects.get(kind="rocket_attack")
    assert rockets.occurred_at == utc(2020, 1, 11, 21, 1)  # after the ceasefire came into force on Sunday
    assert (rockets.killed_low, rockets.killed_high, rockets.place.name) == (2, 2, "Aleppo")


def test_incidents_and_their_claimants(idlib):
    assert Incident.objects.count() == 9
    maaret = Incident.objects.get(title__startswith="Airstrikes on Maaret al-Numan")
    claimants = {(c.report.source.name, c.claimant.name if c.claimant else None) for c in maaret.citations.all()}
    assert claimants == {
        ("Asharq Al-Awsat", "Syrian Observatory for Human Rights"),
        ("Asharq Al-Awsat", "Smart News Agency"),
        ("Asharq Al-Awsat", "Opposition activists (unnamed)"),
        ("CBC News", "Agence France-Presse"),
    }
    assert maaret.perpetrator.name == "Russian Aerospace Forces"
    shelter = Incident.objects.get(place__name="Ma'arrat Misrin")
    assert (shelter.killed_low, shelter.civilians_killed_low, shelter.injured_low) == (13, 13, 20)
    # Context events that are not hostilities (a presidential visit) are not incidents.
    assert not Incident.objects.filter(title__icontains="visit").exists()


def test_place_spellings_from_the_articles(idlib):
    maaret = Place.objects.get(name="Maaret al-Numan")
    names = set(maaret.alternate_names.values_list("name", flat=True))
    assert {"Maarat al-Numan", "Ma'arrat al-Nu'man"} <= names
    assert "Ma'rat Masrin" in Place.objects.get(name="Ma'arrat Misrin").alternate_names.values_list("name", flat=True)
    assert (maaret.latitude, maaret.longitude) == pytest.approx((35.64, 36.67), abs=0.02)


def test_reports_hold_summaries_not_article_text(idlib):
    assert Report.objects.count() == 6
    assert not Report.objects.exclude(body="").exists()
    assert Report.objects.get(source__name="The Moscow Times").url.endswith("a68869")
