"""Each filter returns exactly the records it promises, on the Idlib 2020 data."""

import pytest

from tests.factories import IncidentFactory, PlaceFactory
from tracker.models import Incident, Party, Place, Report, Source

pytestmark = pytest.mark.django_db

# Incident titles in the fixture, by a short key.
T = {
    "maaret": "Airstrikes on Maaret al-Numan and surrounding villages",
    "clash": "Clashes between government forces and opposition fighters in eastern Idlib",
    "taftanaz": "Bombing of Taftanaz by a government warplane",
    "eve": "Bombing of four towns in Idlib on the eve of the ceasefire",
    "rockets": "Insurgent rockets on residential areas of Aleppo",
    "artillery": "Artillery shelling of at least a dozen towns after the ceasefire took effect",
    "shelter": "Russian airstrike on a shelter for displaced people near Ma'arrat Misrin",
    "wednesday": "Airstrikes and shelling on cities in Idlib and the Aleppo area",
    "soleimani": "US drone strike at Baghdad airport killing Qassem Soleimani",
}
KEY = {title: key for key, title in T.items()}


def incidents(api, query: str) -> set[str]:
    response = api.get(f"/api/v1/incidents/?page_size=1000&{query}")
    assert response.status_code == 200, response.content
    return {KEY.get(row["title"], row["title"]) for row in response.json()["results"]}


def pk(model, **lookup) -> int:
    return model.objects.get(**lookup).pk


@pytest.fixture
def api_idlib(idlib, client_for):
    """A curator's client: filters are tested over every incident, drafts included (what the
    public sees is tests/test_visibility.py's business)."""
    return client_for("curator")


def test_no_filter_returns_everything(api_idlib):
    assert incidents(api_idlib, "") == set(T)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=airstrike", {"maaret", "taftanaz", "eve", "shelter"}),
        ("kind=airstrike&kind=artillery_shelling", {"maaret", "taftanaz", "eve", "shelter", "artillery"}),
        ("kind=drone_strike", {"soleimani"}),
        ("kind=barrel_bomb", set()),
        ("status=in_review", {"clash", "rockets", "wednesday"}),
        ("status=draft&status=in_review", {"clash", "rockets", "wednesday", "taftanaz"}),
        # Instants: a date is 00:00 UTC; datetimes carry offsets. after is inclusive, before exclusive.
        ("occurred_after=2020-01-11T21:01:00Z", {"rockets", "artillery", "shelter", "wednesday"}),
        ("occurred_after=2020-01-12T00:01:00%2B03:00", {"rockets", "artillery", "shelter", "wednesday"}),
        ("occurred_before=2020-01-11T21:01:00Z", {"maaret", "clash", "taftanaz", "eve", "soleimani"}),
        # Saturday 11 Jan in Idlib began at 22:00 UTC on the 10th, so "the eve" falls on the UTC 10th.
        ("occurred_after=2020-01-10&occurred_before=2020-01-11", {"clash", "eve"}),
        ("occurred_after=2020-03-01", {"shelter", "wednesday"}),
        ("fatalities_min=13", {"eve", "shelter", "wednesday"}),
        ("fatalities_min=0", {"eve", "rockets", "shelter", "wednesday", "soleimani"}),
        ("country=SY", set(T) - {"soleimani"}),
        ("country=iq", {"soleimani"}),
        ("country=TR", set()),
        ("q=shelter", {"shelter"}),
        ("q=maarat al-numan", {"maaret"}),  # an alternate spelling of the place
        ("q=MAARRAT AL NUMAN", {"maaret"}),  # marks and case ignored
        ("q=Aleppo", {"rockets", "wednesday"}),
        ("q=nothing-like-this", set()),
        ("ordering=-fatalities&kind=drone_strike", {"soleimani"}),
        ("attribution=confirmed", {"soleimani"}),
        ("attribution=unknown&attribution=claimed", {"wednesday"}),
        ("attribution=alleged&kind=armed_clash", {"clash"}),  # the government's side, named by the sources
        ("initiator=unknown", {"clash"}),
        ("initiator=perpetrator&initiator=target", set(T) - {"clash"}),
    ],
)
def test_incident_filters(api_idlib, query, expected):
    assert incidents(api_idlib, query) == expected


def test_place_includes_places_below(api_idlib):
    idlib_gov = pk(Place, name="Idlib Governorate")
    assert incidents(api_idlib, f"place={idlib_gov}") == {
        "maaret",
        "clash",
        "taftanaz",
        "eve",
        "artillery",
        "shelter",
        "wednesday",
    }
    assert incidents(api_idlib, f"place={pk(Place, name='Syria')}") == set(T) - {"soleimani"}
    assert incidents(api_idlib, f"place={pk(Place, name='Maaret al-Numan')}") == {"maaret"}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Maaret al-Numan", {"maaret"}),
        ("maarat al-numan", {"maaret"}),
        ("Ma'arrat al-Nu'man", {"maaret"}),
        ("Ma’rat Masrin", {"shelter"}),
        ("Idlib province", {"maaret", "clash", "taftanaz", "eve", "artillery", "shelter", "wednesday"}),
        ("Halab", {"rockets"}),
        ("Maaret", set()),  # a name, not a fragment: use q for free text
    ],
)
def test_place_name_matches_any_spelling(api_idlib, name, expected):
    from urllib.parse import quote

    assert incidents(api_idlib, f"place_name={quote(name)}") == expected


def test_perpetrator_includes_sub_units(api_idlib):
    assert incidents(api_idlib, f"perpetrator={pk(Party, name='Russia')}") == {"maaret", "shelter"}
    # The 10 January clashes name the government's forces on one side (the initiator unknown).
    assert incidents(api_idlib, f"perpetrator={pk(Party, name='Syrian government')}") == {
        "taftanaz",
        "eve",
        "artillery",
        "clash",
    }
    assert incidents(api_idlib, f"perpetrator={pk(Party, name='Syrian Arab Army')}") == {"artillery"}
    assert incidents(api_idlib, f"perpetrator={pk(Party, name='Turkey')}") == set()
    assert incidents(api_idlib, f"target_party={pk(Party, name='Syrian armed opposition')}") == {"clash"}
    assert incidents(api_idlib, f"target_party={pk(Party, name='Russia')}") == set()


def test_source_and_report(api_idlib):
    assert incidents(api_idlib, f"source={pk(Source, name='Syrian Observatory for Human Rights')}") == {"maaret", "clash"}
    assert incidents(api_idlib, f"source={pk(Source, name='Asharq Al-Awsat')}") == {"maaret", "clash", "taftanaz"}
    assert incidents(api_idlib, f"source={pk(Source, name='Syrian Civil Defence (White Helmets)')}") == {"shelter", "wednesday"}
    assert incidents(api_idlib, f"report={pk(Report, source__name='The Moscow Times')}") == {"eve", "rockets", "artillery"}
    assert incidents(api_idlib, f"report={pk(Report, title__startswith='Lavrov')}") == set()


def test_bbox_uses_exact_point_or_place_point(api_idlib):
    # Around Maaret al-Numan only.
    assert incidents(api_idlib, "bbox=36.6,35.6,36.7,35.7") == {"maaret"}
    # Northern Idlib: Taftanaz and Ma'arrat Misrin (not the governorate's own point at 35.83).
    assert incidents(api_idlib, "bbox=36.6,35.95,36.9,36.1") == {"taftanaz", "shelter"}
    exact = IncidentFactory(
        title="exact", place=Place.objects.get(name="Aleppo"), latitude=35.64, longitude=36.67, geo_precision="exact"
    )
    assert incidents(api_idlib, "bbox=36.6,35.6,36.7,35.7") == {"maaret", exact.title}


def test_near_with_radius(api_idlib):
    # Maaret al-Numan (35.64, 36.67): Ma'arrat Misrin is ~41 km north, Idlib governorate's point ~21 km.
    assert incidents(api_idlib, "near=35.6433,36.6747&radius_km=5") == {"maaret"}
    assert incidents(api_idlib, "near=35.6433,36.6747&radius_km=25") == {"maaret", "clash", "eve", "artillery", "wednesday"}
    assert incidents(api_idlib, "near=35.6433,36.6747&radius_km=45") == {
        "maaret",
        "clash",
        "eve",
        "artillery",
        "wednesday",
        "shelter",
        "taftanaz",
    }


def test_updated_since(api_idlib):
    from datetime import timedelta

    from django.utils import timezone

    assert incidents(api_idlib, "updated_since=2000-01-01") == set(T)
    later = (timezone.now() + timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    assert incidents(api_idlib, f"updated_since={later}") == set()


def test_ordering(api_idlib):
    rows = api_idlib.get("/api/v1/incidents/?ordering=occurred_at").json()["results"]
    assert KEY[rows[0]["title"]] == "taftanaz" and KEY[rows[-1]["title"]] == "shelter"
    rows = api_idlib.get("/api/v1/incidents/?ordering=-fatalities&fatalities_min=1").json()["results"]
    assert [r["killed_low"] for r in rows] == [17, 13, 13, 2, 1]
    default = api_idlib.get("/api/v1/incidents/").json()["results"]
    assert [r["occurred_at"] for r in default] == sorted((r["occurred_at"] for r in default), reverse=True)


def names(api, route: str, query: str) -> set[str]:
    response = api.get(f"/api/v1/{route}/?page_size=1000&{query}")
    assert response.status_code == 200, response.content
    return {row.get("name") or row.get("title") for row in response.json()["results"]}


JAN, MAR = "Idlib ceasefire (January 2020)", "Moscow agreement on Idlib (March 2020)"


def test_ceasefire_filters(api_idlib):
    assert names(api_idlib, "ceasefires", "active_at=2020-01-12T00:00:00Z") == {JAN}
    assert names(api_idlib, "ceasefires", "active_at=2020-01-11T21:00:00Z") == set()
    assert names(api_idlib, "ceasefires", "active_at=2020-03-05T21:01:00Z") == {MAR}  # January ends as March starts
    assert names(api_idlib, "ceasefires", "active_at=2024-01-01") == {MAR}
    assert names(api_idlib, "ceasefires", f"party={pk(Party, name='Russia')}") == {JAN, MAR}
    assert names(api_idlib, "ceasefires", f"party={pk(Party, name='Iran')}") == set()
    assert names(api_idlib, "ceasefires", f"place={pk(Place, name='Maaret al-Numan')}") == {JAN, MAR}
    assert names(api_idlib, "ceasefires", f"place={pk(Place, name='Syria')}") == {JAN, MAR}
    assert names(api_idlib, "ceasefires", f"place={pk(Place, name='Baghdad')}") == set()
    assert names(api_idlib, "ceasefires", "q=M4") == {MAR}


def test_report_filters(api_idlib):
    asharq = pk(Source, name="Asharq Al-Awsat")
    assert names(api_idlib, "reports", f"source={asharq}") == {
        "Turkey Announces Idlib Ceasefire for Jan. 12 as Strikes Continue",
        "Lavrov: Moscow Maintains Communication with Damascus, Will Not Withdraw from the Region",
    }
    assert names(api_idlib, "reports", "published_after=2020-03-01&published_before=2021-01-01") == {
        "Russia and Turkey agree to cease-fire in Syria's Idlib"
    }
    assert names(api_idlib, "reports", "q=suspended") == {"Russian-Led Air Strikes Suspended in Idlib After Ceasefire"}


def test_source_filters(api_idlib):
    assert names(api_idlib, "sources", "kind=monitoring_group") == {"Syrian Observatory for Human Rights"}
    assert names(api_idlib, "sources", "kind=ngo&kind=wire_agency") == {
        "Syrian Civil Defence (White Helmets)", "Reuters", "Agence France-Presse", "Associated Press", "United Press International", "TASS",
    }  # fmt: skip
    assert names(api_idlib, "sources", "q=white helmets") == {"Syrian Civil Defence (White Helmets)"}


def test_place_filters(api_idlib):
    idlib_gov = pk(Place, name="Idlib Governorate")
    assert names(api_idlib, "places", f"parent={idlib_gov}") == {
        "Maaret al-Numan",
        "Taftanaz",
        "Ma'arrat Misrin",
        "M4 highway security corridor",
    }
    assert names(api_idlib, "places", "kind=country") == {"Syria", "Turkey", "Iraq", "Russia"}
    assert names(api_idlib, "places", "country=IQ") == {"Iraq", "Baghdad", "Baghdad International Airport"}
    assert names(api_idlib, "places", "q=nu'man") == {"Maaret al-Numan"}
    assert names(api_idlib, "places", "q=masrin") == {"Ma'arrat Misrin"}


def test_party_filters(api_idlib):
    assert names(api_idlib, "parties", f"parent={pk(Party, name='Syrian government')}") == {
        "Syrian Arab Army",
        "Syrian Arab Air Force",
    }
    assert names(api_idlib, "parties", "kind=state") == {"Russia", "Turkey", "Iran", "United States"}
    assert names(api_idlib, "parties", "q=regime warplanes") == {"Syrian Arab Air Force"}
    assert names(api_idlib, "parties", "q=VKS") == {"Russian Aerospace Forces"}


def test_citation_filters(api_idlib):
    maaret = pk(Incident, title=T["maaret"])
    rows = api_idlib.get(f"/api/v1/citations/?incident={maaret}").json()["results"]
    assert len(rows) == 4 and {r["incident"] for r in rows} == {maaret}
    sohr = pk(Source, name="Syrian Observatory for Human Rights")
    rows = api_idlib.get(f"/api/v1/citations/?claimant={sohr}").json()["results"]
    assert {r["incident"] for r in rows} == {maaret, pk(Incident, title=T["clash"])}


def test_place_filter_on_new_hierarchy(api):
    country = PlaceFactory(kind="country", name="Testland")
    town = PlaceFactory(parent=country)
    street = PlaceFactory(parent=town, kind="neighbourhood")
    IncidentFactory(title="in street", place=street)
    IncidentFactory(title="elsewhere")
    assert incidents(api, f"place={country.pk}") == {"in street"}
