"""Rows that break tidy assumptions, as the real ACLED and UCDP GED files hold them, written in
the datasets' own column layouts: no event is lost, what needs a curator is flagged and counted,
and the database an import leaves does not depend on the order files come in."""

import csv
import io
from pathlib import Path

import pytest

from tracker.models import Incident, Place
from tracker.services.imports import import_file

pytestmark = pytest.mark.django_db

# UCDP GED 23.1 (as the test file beside it) and 19.1 (without relid's sibling code_status).
GED_23 = Path(__file__).parent.joinpath("data", "ucdp_ged_idlib_2020.csv").read_text(encoding="utf-8-sig")
GED_23 = GED_23.splitlines()[0].split(",")
GED_19 = [c for c in GED_23 if c != "code_status"]
# ACLED: the current export, and the older one (data_id, event_id_no_cnty, iso3).
ACLED_NOW = Path(__file__).parent.joinpath("data", "acled_idlib_2020.csv").read_text(encoding="utf-8-sig").splitlines()[0]
ACLED_NOW = ACLED_NOW.split(",")
ACLED_OLD = Path(__file__).parent.joinpath("data", "acled_2020_old_columns.csv").read_text().splitlines()[0].split(",")


def csv_file(header: list[str], rows: list[dict]) -> io.BytesIO:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore")
    writer.writeheader()
    writer.writerows([{name: row.get(name, "") for name in header} for row in rows])
    return io.BytesIO(out.getvalue().encode())


def ged(ged_id: str, **values) -> dict:
    """A GED state-based event in Syria, 1 March 2019, 2 deaths."""
    return {
        "id": ged_id, "relid": f"SYR-2019-1-{ged_id}", "year": "2019", "active_year": "1", "code_status": "Clear",
        "type_of_violence": "1", "conflict_name": "Syria: Government", "dyad_name": "Government of Syria - Syrian insurgents",
        "side_a": "Government of Syria", "side_b": "Syrian insurgents", "number_of_sources": "1",
        "source_article": "SOHR,2019-03-01,Shelling on the town", "source_office": "SOHR", "source_date": "2019-03-01",
        "source_headline": "Shelling on the town", "where_prec": "1", "country": "Syria", "country_id": "652",
        "region": "Middle East", "event_clarity": "1", "date_prec": "1", "date_start": "2019-03-01",
        "date_end": "2019-03-01", "deaths_a": "0", "deaths_b": "2", "deaths_civilians": "0", "deaths_unknown": "0",
        "best": "2", "high": "2", "low": "2", "latitude": "33.5138", "longitude": "36.2765",
        **values,
    }  # fmt: skip


def acled(event_id: str, **values) -> dict:
    """An ACLED shelling in Turkey's Istanbul province, 1 May 2020."""
    return {
        "event_id_cnty": event_id, "event_date": "01 May 2020", "year": "2020", "time_precision": "1",
        "disorder_type": "Political violence", "event_type": "Explosions/Remote violence",
        "sub_event_type": "Remote explosive/landmine/IED", "actor1": "Unidentified Armed Group (Turkey)", "inter1": "3",
        "actor2": "Civilians (Turkey)", "inter2": "7", "interaction": "37", "civilian_targeting": "Civilian targeting",
        "iso": "792", "iso3": "TUR", "region": "Middle East", "country": "Turkey", "admin1": "Istanbul",
        "location": "Esenyurt", "latitude": "41.0343", "longitude": "28.6801", "geo_precision": "1", "source": "Evrensel",
        "source_scale": "National", "notes": "An explosive device went off.", "fatalities": "0", "timestamp": "1589232000",
        **values,
    }  # fmt: skip


def run(fmt: str, header: list[str], rows: list[dict]):
    return import_file(csv_file(header, rows), fmt)


def place_path(place: Place) -> tuple[tuple[str, str], ...]:
    path = []
    while place is not None:
        path.append((place.name, place.kind))
        place = place.parent
    return tuple(reversed(path))


def snapshot() -> dict:
    """The database as a user sees it: the places by their paths, the incidents by external id
    with their place, time and figures."""
    return {
        "places": sorted(place_path(p) for p in Place.objects.select_related("parent")),
        "incidents": {
            (i.external_source, i.external_id): (
                place_path(i.place), i.occurred_at, i.time_precision, i.geo_precision, i.killed_low, i.killed_high,
                i.kind, sorted(i.import_flags),
            )
            for i in Incident.objects.select_related("place")
        },
    }  # fmt: skip


# --- 1. A place named like the unit it lies in --------------------------------------------------

DAMASCUS = {"where_coordinates": "Damascus city", "where_description": "Damascus city", "adm_1": "Damascus governorate"}


@pytest.mark.parametrize("header", [GED_23, GED_19], ids=["GED 23.1", "GED 19.1"])
def test_ged_damascus_city_in_damascus_district_in_damascus_governorate(db, header):
    rows = [
        ged("1", **DAMASCUS, adm_2="Damascus district"),  # the city, its district named
        ged("2", **DAMASCUS, adm_2=""),  # the city, no district named
        ged("3", **DAMASCUS, adm_2="Damascus district", where_prec="3"),  # the district
        ged("4", **DAMASCUS, adm_2="", where_prec="4"),  # the governorate
    ]
    summary = run("ucdp", header, rows)
    assert (summary.created, summary.failed) == (4, 0), summary.lines()
    paths = {i.external_id: place_path(i.place) for i in Incident.objects.all()}
    city = (("Syria", "country"), ("Damascus", "governorate"), ("Damascus", "district"), ("Damascus", "town"))
    assert paths == {"1": city, "2": city, "3": city[:3], "4": city[:2]}


def test_the_fixture_city_and_a_district_of_its_name(idlib):
    """The fixture files Damascus (city) directly under Damascus Governorate; GED names a
    Damascus district there too: both exist, the curated city is not moved."""
    before = place_path(Place.objects.get(name="Damascus", kind="city"))
    summary = run("ucdp", GED_23, [ged("1", **DAMASCUS, adm_2="Damascus district", where_prec="3"), ged("2", **DAMASCUS)])
    assert (summary.created, summary.failed) == (2, 0), summary.lines()
    assert place_path(Place.objects.get(name="Damascus", kind="city")) == before
    assert place_path(Incident.objects.get(external_id="2").place) == before
    assert place_path(Incident.objects.get(external_id="1").place)[-1] == ("Damascus", "district")


@pytest.mark.parametrize("header", [ACLED_NOW, ACLED_OLD], ids=["ACLED now", "ACLED before 2023"])
def test_acled_towns_named_like_their_district(db, header):
    rows = [
        acled("TUR1", admin2="Esenyurt"),
        acled("TUR2", admin2=""),  # the same town, its district not named
        acled("TUR3", admin2="Bagcilar", location="Bagcilar", latitude="41.0392", longitude="28.8567"),
        acled("TUR4", admin2="Esenyurt", admin3="Esenyurt"),
    ]
    summary = run("acled", header, rows)
    assert (summary.created, summary.failed) == (4, 0), summary.lines()
    istanbul = (("Turkey", "country"), ("Istanbul", "governorate"))
    # One town Esenyurt, filed under the deepest levels any row names for it.
    esenyurt = (*istanbul, ("Esenyurt", "district"), ("Esenyurt", "subdistrict"), ("Esenyurt", "town"))
    assert {i.external_id: place_path(i.place) for i in Incident.objects.all()} == {
        "TUR1": esenyurt,
        "TUR2": esenyurt,
        "TUR3": (*istanbul, ("Bagcilar", "district"), ("Bagcilar", "town")),
        "TUR4": esenyurt,
    }


# --- 2. The outcome does not depend on what the database held before ----------------------------

FILE_A = [
    ged("10", **DAMASCUS, adm_2=""),
    ged("11", where_coordinates="Kafr Nabl town", adm_1="Idlib governorate", adm_2="Maarrat al-Numan district"),
    ged("12", where_coordinates="Saraqib town", adm_1="Idlib governorate", adm_2=""),
]
FILE_B = [
    ged("20", **DAMASCUS, adm_2="Damascus district"),
    ged("21", where_coordinates="Kafr Nabl", adm_1="Idlib governorate", adm_2=""),
    ged("22", where_coordinates="Saraqib city", adm_1="Idlib governorate", adm_2="Idlib district"),
    ged("23", where_coordinates="Kafr Nabudah village", adm_1="Hama governorate", adm_2="Al-Suqaylabiyah district"),
]


def _import_in_order(order: str) -> dict:
    for name in order:
        summary = run("ucdp", GED_23, FILE_A if name == "A" else FILE_B)
        assert summary.failed == 0, summary.lines()
    return snapshot()


@pytest.mark.parametrize("with_fixture", [False, True], ids=["empty database", "the Idlib fixture"])
def test_a_then_b_gives_the_same_database_as_b_then_a(db, with_fixture, django_db_blocker):
    from django.db import transaction

    from tracker.services.fixtures import load_fixture

    results = {}
    for order in ("AB", "BA"):
        sid = transaction.savepoint()
        if with_fixture:
            load_fixture("fixtures/idlib_2020.json")
        results[order] = _import_in_order(order)
        # Importing again changes nothing.
        for rows in (FILE_A, FILE_B):
            again = run("ucdp", GED_23, rows)
            assert (again.created, again.updated, again.failed) == (0, 0, 0), again.lines()
        transaction.savepoint_rollback(sid)
    assert results["AB"] == results["BA"]
    saraqib = results["AB"]["incidents"][("ucdp", "12")][0]
    assert saraqib[-2:] == (("Idlib", "district"), ("Saraqib", "town")) or saraqib[-1][0] == "Saraqib"


# --- 3. low above high -----------------------------------------------------------------------------


def test_ged_low_above_high_is_imported_in_order_and_flagged(db):
    summary = run("ucdp", GED_23, [ged("1", **DAMASCUS, low="18", best="18", high="17"), ged("2", **DAMASCUS)])
    assert (summary.created, summary.failed) == (2, 0), summary.lines()
    incident = Incident.objects.get(external_id="1")
    assert (incident.killed_low, incident.killed_high, incident.import_flags) == (17, 18, ["figures_reordered"])
    assert "Low estimate of deaths as published: 18" in incident.description
    assert "High estimate of deaths as published: 17" in incident.description
    assert Incident.objects.get(external_id="2").import_flags == []
    assert (
        "  note 1: flagged figures_reordered: the source's low was above its high; the range is stored in order and "
        "the published figures are in the description"
    ) in summary.lines()


# --- 4. where_prec 5-7 with no admin names -----------------------------------------------------


@pytest.mark.parametrize(
    ("where_prec", "values", "path", "precision", "flags"),
    [
        ("5", {"where_coordinates": "Operation Peace Spring"}, (("Syria", "country"),), "region", ["placed_coarser"]),
        (
            "5",
            {"where_coordinates": "Road between Deir ez Zor and Al Hasakah", "adm_1": "Deir ez Zor governorate"},
            (("Syria", "country"), ("Deir ez Zor", "governorate")),
            "region",
            [],
        ),
        ("6", {"where_coordinates": "Syria"}, (("Syria", "country"),), "region", []),
        (
            "2",
            {"where_coordinates": "Kafr Nabl town", "adm_1": "Idlib governorate", "adm_2": "Maarrat an Numan district"},
            (("Syria", "country"), ("Idlib", "governorate"), ("Maarrat an Numan", "district"), ("Kafr Nabl", "town")),
            "within_25km",
            [],
        ),
        ("7", {"where_coordinates": "Northern Iraq", "country": "Iraq", "country_id": "645"}, (("Iraq", "country"),), "region", []),
        ("1", {"where_coordinates": "", "adm_1": "Idlib governorate"}, (("Syria", "country"), ("Idlib", "governorate")), "region", ["placed_coarser"]),
    ],
    ids=["5, nothing named", "5, governorate named", "6", "2, within 25 km", "7", "1, no location"],
)  # fmt: skip
def test_events_without_a_place_at_their_precision_are_placed_at_the_deepest_level_named(
    db, where_prec, values, path, precision, flags
):
    row = ged("1", **{"where_prec": where_prec, "where_description": "", "adm_1": "", "adm_2": "", **values})
    summary = run("ucdp", GED_19, [row])
    assert (summary.created, summary.failed) == (1, 0), summary.lines()
    incident = Incident.objects.get()
    assert (place_path(incident.place), incident.geo_precision, incident.import_flags) == (path, precision, flags)
    if values.get("where_coordinates"):
        assert f"Where (as UCDP names it): {values['where_coordinates']}" in incident.description


# --- 5 and 6. ACLED ids and places -------------------------------------------------------------


def test_acled_row_without_event_id_falls_back_to_data_id(db):
    summary = run("acled", ACLED_OLD, [acled("", data_id="7311532"), acled("", data_id="")])
    assert (summary.created, summary.failed) == (1, 1), summary.lines()
    assert Incident.objects.get().external_id == "data_id:7311532"
    assert "  failed row 3: event_id_cnty: Neither event_id_cnty nor data_id is given." in summary.lines()
    again = run("acled", ACLED_OLD, [acled("", data_id="7311532")])
    assert (again.created, again.unchanged) == (0, 1)


def test_only_a_row_with_no_country_and_no_location_fails(db):
    rows = [
        acled("TUR1", admin1="", admin2="", location=""),  # the country only: placed there, flagged
        acled("TUR2", country="", iso="", iso3="", admin1="", location=""),
    ]
    summary = run("acled", ACLED_NOW, rows)
    assert (summary.created, summary.failed) == (1, 1), summary.lines()
    incident = Incident.objects.get()
    assert (place_path(incident.place), incident.import_flags) == ((("Turkey", "country"),), ["placed_coarser"])
    assert "  failed row 3: location: The row names no country and no location." in summary.lines()
    ged_summary = run("ucdp", GED_23, [ged("9", country="", adm_1="", adm_2="", where_coordinates="", where_description="")])
    assert ged_summary.failures[0].message == "The row names no country and no location."


# --- 7. Suffixes and near-namesakes -------------------------------------------------------------


def test_ged_suffixes_are_one_place_and_near_namesakes_are_not(db):
    rows = [
        ged("1", where_coordinates="Kafr Nabl town", adm_1="Idlib governorate"),
        ged("2", where_coordinates="Kafr Nabl", adm_1="Idlib governorate"),
        ged("3", where_coordinates="Kafr Nabl village", adm_1="Idlib governorate"),
        ged("4", where_coordinates="Kafr Nabl city", adm_1="Idlib governorate"),
        ged("5", where_coordinates="Kafr Nabl area", adm_1="Idlib governorate"),
        ged("6", where_coordinates="Kafr Nabudah town", adm_1="Idlib governorate"),
        ged("7", where_coordinates="Atmeh camp", adm_1="Idlib governorate"),
        ged("8", where_coordinates="Atmeh", adm_1="Idlib governorate"),
        ged("9", where_coordinates="Atmeh camp", adm_1="Idlib governorate"),
    ]
    summary = run("ucdp", GED_23, rows)
    assert (summary.created, summary.failed) == (9, 0), summary.lines()
    place = {i.external_id: i.place_id for i in Incident.objects.all()}
    assert len({place[n] for n in "12345"}) == 1
    assert len({place["1"], place["6"], place["7"], place["8"]}) == 4
    assert place["7"] == place["9"]
    assert Place.objects.get(pk=place["7"]).name == "Atmeh camp"


def test_the_admin_lists_flagged_incidents(db, client, roles):
    from tests.factories import UserFactory

    run("ucdp", GED_23, [ged("1", **DAMASCUS, low="18", best="18", high="17"), ged("2", **DAMASCUS)])
    client.force_login(UserFactory(username="curator", roles=["curator"]))
    page = client.get("/admin/tracker/incident/", {"import_flag": "figures_reordered"})
    assert [i.external_id for i in page.context["cl"].result_list] == ["1"]
    flagged = Incident.objects.get(external_id="1")
    assert "figures_reordered" in client.get(f"/admin/tracker/incident/{flagged.pk}/change/").content.decode()


@pytest.mark.parametrize("bulk", [False, True], ids=["row by row", "bulk"])
def test_a_failed_row_forgets_only_what_it_created(db, bulk):
    """The places earlier rows created stay found after a row fails (the run's gazetteer
    forgets only the failed row's own)."""
    rows = [
        ged("1", **DAMASCUS, adm_2="Damascus district"),
        ged("2", **DAMASCUS, adm_2="Damascus district", type_of_violence="9"),  # fails
        ged("3", where_coordinates="Harasta town", adm_1="Rif Dimashq governorate", adm_2="Duma district", date_start="x"),
        ged("4", **DAMASCUS, adm_2="Damascus district", where_prec="3"),  # another path through the same places
    ]
    summary = import_file(csv_file(GED_23, rows), "ucdp", bulk=bulk)
    assert (summary.created, summary.failed) == (2, 2), summary.lines()
    assert Place.objects.filter(name="Damascus").count() == 3
