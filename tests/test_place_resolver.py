"""Places whatever their spelling: the transliteration key, the ranked resolver
(`/api/v1/places/resolve/`), the `place_name` filter and the admin search that use it."""

import pytest
from django.urls import reverse

from tests.factories import IncidentFactory, PlaceFactory, PlaceNameFactory, UserFactory
from tracker.domain.names import transliteration_key
from tracker.selectors.places import resolve

pytestmark = pytest.mark.django_db

# A gazetteer of north-west Syria as GeoNames and OCHA spell it (one name each; reports use others).
GAZETTEER = {
    "Maarat al-Numan": "SY",
    "Maarat Misrin": "SY",
    "Idlib": "SY",
    "Saraqib": "SY",
    "Kafr Nabl": "SY",
    "Kafr Nabudah": "SY",
    "Khan Shaykhun": "SY",
    "Jisr al-Shughur": "SY",
    "Ariha": "SY",
    "Binnish": "SY",
    "Sarmin": "SY",
    "Taftanaz": "SY",
    "Deir ez-Zor": "SY",
    "Tell Rifaat": "SY",
    "Ras al-Ayn": "SY",
    "Hama": "SY",
    "Homs": "SY",
    "Darat Izza": "SY",
    "Al-Atarib": "SY",
}

# Spellings met in reports, the seeds and other gazetteers, and the place each must resolve to.
VARIANTS = [
    ("Maaret al-Numan", "Maarat al-Numan"),
    ("Ma'arrat al-Nu'man", "Maarat al-Numan"),
    ("Maarat an-Numan", "Maarat al-Numan"),
    ("MAARET AL NUMAN", "Maarat al-Numan"),
    ("Ma`arrat an Nu`man", "Maarat al-Numan"),
    ("Ma‘arrat al-Nu‘mān", "Maarat al-Numan"),
    ("Maarat al-Nouman", "Maarat al-Numan"),
    ("Maaret Alnuman", "Maarat al-Numan"),
    ("Ma'rat Masrin", "Maarat Misrin"),
    ("Ma'arrat Misrin", "Maarat Misrin"),
    ("Maaret Mesrin", "Maarat Misrin"),
    ("Marat Misreen", "Maarat Misrin"),
    ("Idleb", "Idlib"),
    ("Edlib", "Idlib"),
    ("IDLIB", "Idlib"),
    ("Saraqeb", "Saraqib"),
    ("Sarakib", "Saraqib"),
    ("Kafranbel", "Kafr Nabl"),
    ("Kfar Nabl", "Kafr Nabl"),
    ("Kafr Nabel", "Kafr Nabl"),
    ("Kafr Nabuda", "Kafr Nabudah"),
    ("Kafr Naboudeh", "Kafr Nabudah"),
    ("Khan Sheikhoun", "Khan Shaykhun"),
    ("Khan Shaykhoun", "Khan Shaykhun"),
    ("Khan Shekhoun", "Khan Shaykhun"),
    ("Jisr ash-Shughur", "Jisr al-Shughur"),
    ("Jisr esh-Shugur", "Jisr al-Shughur"),
    ("Jisr al-Shoghour", "Jisr al-Shughur"),
    ("Areeha", "Ariha"),
    ("Arīḥā", "Ariha"),
    ("Binnesh", "Binnish"),
    ("Binish", "Binnish"),
    ("Sarmeen", "Sarmin"),
    ("Taftnaz", "Taftanaz"),
    ("Dayr az-Zawr", "Deir ez-Zor"),
    ("Deir al-Zour", "Deir ez-Zor"),
    ("Tal Rifat", "Tell Rifaat"),
    ("Ras al-Ain", "Ras al-Ayn"),
    ("Ra's al 'Ayn", "Ras al-Ayn"),
    ("Hamah", "Hama"),
    ("Hims", "Homs"),
    ("Daret Azzeh", "Darat Izza"),
    ("Al Atareb", "Al-Atarib"),
    ("Atarib", "Al-Atarib"),
]


@pytest.fixture
def gazetteer():
    return {name: PlaceFactory(name=name, country_code=country) for name, country in GAZETTEER.items()}


def test_at_least_thirty_variants():
    assert len(VARIANTS) >= 30 and len({v for v, _ in VARIANTS}) == len(VARIANTS)


@pytest.mark.parametrize(("spelling", "place"), VARIANTS)
def test_variant_spellings_resolve_to_the_right_place(gazetteer, spelling, place):
    best = resolve(spelling, country="SY")[0]
    assert best.place.name == place
    assert best.match in ("exact", "transliteration") and best.score >= 0.9


@pytest.mark.parametrize(
    ("spelling", "right", "wrong"),
    [
        ("Maarat al-Numan", "Maarat al-Numan", "Maarat Misrin"),
        ("Maarat Misrin", "Maarat Misrin", "Maarat al-Numan"),
        ("Kafr Nabl", "Kafr Nabl", "Kafr Nabudah"),
        ("Kafr Nabudah", "Kafr Nabudah", "Kafr Nabl"),
    ],
)
def test_near_misses_do_not_resolve(gazetteer, spelling, right, wrong):
    found = {c.place.name: c for c in resolve(spelling, country="SY")}
    assert found[right].score >= 0.9
    assert wrong not in found
    # Without the right place in the gazetteer the near miss is at most a suggestion, never a match.
    gazetteer[right].delete()
    others = resolve(spelling, country="SY")
    assert all(c.match == "similar" and c.score < 0.9 for c in others)


def test_the_key_ignores_what_transliterations_disagree_on():
    assert {transliteration_key(v) for v, p in VARIANTS if p == "Maarat al-Numan"} == {"mrtnmn"}
    assert transliteration_key("Maarat Misrin") == "mrtmsrn"
    assert transliteration_key("Kafr Nabl") != transliteration_key("Kafr Nabudah")


def test_alternate_names_and_the_closest_spelling_rank_first(gazetteer):
    PlaceNameFactory(place=gazetteer["Maarat al-Numan"], name="Ma'arrat an-Nu'man")
    [best] = resolve("Maarrat an Nooman", country="SY")  # closer to the alternate name than to the name
    assert (best.place.name, best.matched_name, best.match) == ("Maarat al-Numan", "Ma'arrat an-Nu'man", "transliteration")
    exact = resolve("MA'ARRAT AN NU'MAN")[0]
    assert (exact.score, exact.match) == (1.0, "exact")


def test_country_restricts_candidates(gazetteer):
    jericho = PlaceFactory(name="Ariha", country_code="PS", latitude=31.86, longitude=35.46)
    assert {c.place.pk for c in resolve("Areeha")} == {gazetteer["Ariha"].pk, jericho.pk}
    assert [c.place.pk for c in resolve("Areeha", country="PS")] == [jericho.pk]


def test_similar_names_are_suggested_when_nothing_matches(gazetteer):
    found = resolve("Taftanas", country="SY")  # a typo in a consonant, not a transliteration
    assert [c.place.name for c in found] == ["Taftanaz"] and found[0].match == "similar" and found[0].score < 0.9
    assert resolve("Taftanas", country="SY", similar=False) == []


def test_a_new_place_is_suggested_at_once(gazetteer, roles):
    from tracker.services import gazetteer as gazetteer_services

    assert [c.place.name for c in resolve("Hazanu", country="SY")] == []  # builds the index
    gazetteer_services.place_create(data={"name": "Hazano", "kind": "town", "country_code": "SY"}, user=None)
    assert [(c.place.name, c.match) for c in resolve("Hazanu", country="SY")] == [("Hazano", "transliteration")]
    assert [(c.place.name, c.match) for c in resolve("Hazanoz", country="SY")] == [("Hazano", "similar")]


def test_resolve_endpoint(gazetteer, client_for):
    response = client_for("anonymous").get("/api/v1/places/resolve/", {"name": "Maaret an-Nouman", "country": "sy"})
    assert response.status_code == 200
    body = response.json()
    assert body["key"] == "mrtnmn"
    [first] = body["results"]
    assert first["place"] == {
        "id": gazetteer["Maarat al-Numan"].pk,
        "name": "Maarat al-Numan",
        "kind": "town",
        "country_code": "SY",
        "parent": None,
    }
    assert first["match"] == "transliteration" and 0.9 <= first["score"] < 1


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ("", {"name": ["This field is required."]}),
        ("name=", {"name": ["This field may not be blank."]}),
        ("name=Idlib&country=XX", {"country": ["'XX' is not an ISO 3166-1 alpha-2 country code (e.g. SY)."]}),
        ("name=Idlib&country=SYR", {"country": ["Ensure this field has no more than 2 characters."]}),
        ("name=Idlib&limit=0", {"limit": ["Ensure this value is greater than or equal to 1."]}),
        ("name=Idlib&limit=51", {"limit": ["Ensure this value is less than or equal to 50."]}),
        ("name=Idlib&similar=maybe", {"similar": ["Must be a valid boolean."]}),
        ("name=Idlib&q=Idlib", {"q": ["Unknown query parameter. Known: country, format, limit, name, similar."]}),
        ("name=" + "a" * 201, {"name": ["Ensure this field has no more than 200 characters."]}),
    ],
)
def test_resolve_bad_input(client_for, query, error):
    response = client_for("anonymous").get(f"/api/v1/places/resolve/?{query}")
    assert (response.status_code, response.json()) == (400, error)


def test_place_name_filter_uses_the_transliteration_key(gazetteer, client_for):
    numan = IncidentFactory(place=gazetteer["Maarat al-Numan"])
    IncidentFactory(place=gazetteer["Maarat Misrin"])
    api = client_for("anonymous")
    for spelling in ("Ma'arrat an-Nu'man", "MAARET AL NUMAN", "Maarat al-Nouman"):
        body = api.get("/api/v1/incidents/", {"place_name": spelling}).json()
        assert [r["id"] for r in body["results"]] == [numan.pk], spelling


def test_admin_search_finds_any_transliteration(gazetteer, client, roles):
    IncidentFactory(place=gazetteer["Khan Shaykhun"], title="Strike on the market")
    IncidentFactory(place=gazetteer["Saraqib"], title="Shelling of the bypass")
    client.force_login(UserFactory(username="curator", roles=["curator"]))
    page = client.get(reverse("admin:tracker_incident_changelist"), {"q": "Khan Sheikhoun"}).content.decode()
    assert "Strike on the market" in page and "Shelling of the bypass" not in page
    places = client.get(reverse("admin:tracker_place_changelist"), {"q": "Saraqeb"}).content.decode()
    assert ">Saraqib<" in places and "Khan Shaykhun" not in places
