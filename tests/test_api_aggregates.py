"""/api/v1/incidents/aggregate/: counts and casualty sums per group, over the list's own filters
and visibility — exact answers on a small gazetteer, a property test against the list's count,
the bad inputs, the formats and the query count."""

from datetime import UTC, datetime

import h3
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories as f
from tracker.choices import IncidentKind, IncidentStatus, PlaceKind

pytestmark = pytest.mark.django_db

URL = "/api/v1/incidents/aggregate/"


@pytest.fixture
def world(db):
    """Two countries, each with a governorate (admin1) and, in Syria, a district (admin2); a town
    in each; a country-wide place; Russia's air force under Russia; five incidents."""
    syria = f.PlaceFactory(name="Syria", kind=PlaceKind.COUNTRY, timezone="Asia/Damascus", latitude=35.0, longitude=38.0)
    idlib = f.PlaceFactory(name="Idlib", kind=PlaceKind.GOVERNORATE, parent=syria, timezone="", latitude=35.9, longitude=36.6)
    ariha = f.PlaceFactory(name="Ariha District", kind=PlaceKind.DISTRICT, parent=idlib, latitude=35.8, longitude=36.6)
    maaret = f.PlaceFactory(name="Maaret al-Numan", kind=PlaceKind.TOWN, parent=ariha, latitude=35.64, longitude=36.67)
    turkey = f.PlaceFactory(
        name="Turkey", kind=PlaceKind.COUNTRY, country_code="TR", timezone="Europe/Istanbul", latitude=39.0, longitude=35.0
    )
    hatay = f.PlaceFactory(name="Hatay", kind=PlaceKind.GOVERNORATE, country_code="TR", parent=turkey, latitude=36.4)
    reyhanli = f.PlaceFactory(
        name="=Reyhanli", kind=PlaceKind.TOWN, country_code="TR", parent=hatay, latitude=36.27, longitude=36.57
    )
    russia = f.PartyFactory(name="Russia")
    vks = f.PartyFactory(name="Russian Aerospace Forces", parent=russia)
    hts = f.PartyFactory(name="HTS")

    def incident(**fields):
        return f.IncidentFactory(**fields, attribution="alleged" if fields.get("perpetrator") else "unknown")

    found = {
        # 22:30 UTC on 5 March 2020 is 00:30 on the 6th in Idlib (UTC+2 until 27 March 2020).
        "night": incident(
            place=maaret, occurred_at=datetime(2020, 3, 5, 22, 30, tzinfo=UTC), perpetrator=vks, killed_low=3, killed_high=5
        ),
        "day": incident(
            place=maaret, occurred_at=datetime(2020, 3, 6, 9, 0, tzinfo=UTC), perpetrator=russia, target_party=hts, killed_low=1
        ),
        "turkey": incident(
            place=reyhanli,
            kind=IncidentKind.ARTILLERY_SHELLING,
            occurred_at=datetime(2020, 3, 31, 21, 30, tzinfo=UTC),  # 1 April, 00:30 in Istanbul (UTC+3)
            perpetrator=hts,
            injured_low=2,
        ),
        # Country-wide: above every admin level, and no point of its own but Syria's.
        "syria": incident(place=syria, occurred_at=datetime(2020, 2, 10, 12, 0, tzinfo=UTC), killed_low=10),
        "draft": incident(place=maaret, status=IncidentStatus.DRAFT, occurred_at=datetime(2020, 3, 6, 10, 0, tzinfo=UTC)),
    }
    return {"places": locals(), "parties": {"russia": russia, "vks": vks, "hts": hts}, "incidents": found}


def rows(api, query: str) -> list[dict]:
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_months_in_each_places_local_calendar(api, world):
    assert rows(api, "group_by=month") == [
        {"month": "2020-02-01", "count": 1},
        {"month": "2020-03-01", "count": 2},
        {"month": "2020-04-01", "count": 1},  # 31 March 21:30 UTC is April in Reyhanli
    ]
    assert rows(api, "group_by=month&time_zone=UTC") == [
        {"month": "2020-02-01", "count": 1},
        {"month": "2020-03-01", "count": 3},
    ]


def test_days_cross_midnight_where_the_incident_happened(api, world):
    assert rows(api, "group_by=day&kind=airstrike") == [
        {"day": "2020-02-10", "count": 1},
        {"day": "2020-03-06", "count": 2},  # the night strike is the 6th in Idlib
    ]
    assert rows(api, "group_by=day&kind=airstrike&time_zone=UTC") == [
        {"day": "2020-02-10", "count": 1},
        {"day": "2020-03-05", "count": 1},
        {"day": "2020-03-06", "count": 1},
    ]
    assert rows(api, "group_by=week&time_zone=UTC")[-1] == {"week": "2020-03-30", "count": 1}  # a Monday


def test_areas_of_the_gazetteer_with_the_countrywide_incident_in_the_null_group(api, world):
    p = world["places"]
    assert rows(api, "group_by=admin1&metric=killed_low,injured_low") == [
        {"admin1": p["idlib"].pk, "admin1_name": "Idlib", "count": 2, "killed_low": 4, "injured_low": None},
        {"admin1": p["hatay"].pk, "admin1_name": "Hatay", "count": 1, "killed_low": None, "injured_low": 2},
        {"admin1": None, "admin1_name": None, "count": 1, "killed_low": 10, "injured_low": None},  # Syria-wide
    ]
    assert rows(api, "group_by=admin2") == [
        {"admin2": p["ariha"].pk, "admin2_name": "Ariha District", "count": 2},
        {"admin2": None, "admin2_name": None, "count": 2},
    ]
    assert rows(api, "group_by=country") == [
        {"country": "SY", "country_name": "Syria", "count": 3},
        {"country": "TR", "country_name": "Türkiye", "count": 1},
    ]


def test_parties_their_top_level_and_dyads(api, world):
    q = world["parties"]
    by_top = {r["perpetrator_top_name"]: r["count"] for r in rows(api, "group_by=perpetrator_top")}
    assert by_top == {"Russia": 2, "HTS": 1, None: 1}  # the air force counts for Russia
    dyads = {(r["dyad_perpetrator"], r["dyad_target"]): r["count"] for r in rows(api, "group_by=dyad")}
    assert dyads == {(q["vks"].pk, None): 1, (q["russia"].pk, q["hts"].pk): 1, (q["hts"].pk, None): 1, (None, None): 1}


def test_verdicts_against_the_ceasefire_given(api, world):
    ceasefire, other = f.CeasefireFactory(), f.CeasefireFactory()
    i = world["incidents"]
    f.AssessmentFactory(incident=i["night"], ceasefire=ceasefire, verdict="violation")
    f.AssessmentFactory(
        incident=i["day"], ceasefire=ceasefire, verdict="violation", override_verdict="possible", override_reason="Checked"
    )
    f.AssessmentFactory(incident=i["turkey"], ceasefire=ceasefire, verdict="not_violation")
    f.AssessmentFactory(incident=i["syria"], ceasefire=other, verdict="violation")
    assert rows(api, f"group_by=verdict&ceasefire={ceasefire.pk}") == [
        {"verdict": "not_violation", "verdict_name": "Not a violation", "count": 1},
        {"verdict": "possible", "verdict_name": "Possible violation", "count": 1},  # the override counts
        {"verdict": "violation", "verdict_name": "Violation", "count": 1},
    ]
    assert rows(api, f"group_by=kind&ceasefire={ceasefire.pk}&verdict=violation&verdict=possible") == [
        {"kind": "airstrike", "kind_name": "Airstrike", "count": 2}
    ]


def test_h3_cells_of_the_points(api, world):
    found = rows(api, "group_by=h3&h3_resolution=4")
    maaret = h3.latlng_to_cell(35.64, 36.67, 4)
    assert {r["h3"]: r["count"] for r in found} == {
        maaret: 2,
        h3.latlng_to_cell(36.27, 36.57, 4): 1,
        h3.latlng_to_cell(35.0, 38.0, 4): 1,
    }


def test_the_totals_are_the_lists_count_and_unpublished_incidents_count_only_for_those_who_see_them(client_for, world):
    public = client_for("anonymous").get(f"{URL}?group_by=status").json()
    assert public["totals"] == {"count": 4}
    assert [r["status"] for r in public["results"]] == ["verified"]
    curator = client_for("curator").get(f"{URL}?group_by=status").json()
    assert {r["status"]: r["count"] for r in curator["results"]} == {"draft": 1, "verified": 4}
    assert curator["totals"] == {"count": 5}


def test_the_response_cache_never_serves_one_class_the_others_aggregates(client_for, world, settings):
    settings.TRACKER_RESPONSE_CACHE_SECONDS = 60
    curator = client_for("curator").get(f"{URL}?group_by=status")
    public = client_for("anonymous").get(f"{URL}?group_by=status")
    also_public = client_for("no_permission").get(f"{URL}?group_by=status")  # signed in, may not see drafts
    reviewer = client_for("read_only_token").get(f"{URL}?group_by=status")  # may see them
    assert [r["X-Cache"] for r in (curator, public, also_public, reviewer)] == ["MISS", "MISS", "HIT", "HIT"]
    assert b"draft" in curator.content and b"draft" not in public.content
    assert also_public.content == public.content and reviewer.content == curator.content


def test_csv_has_its_header_when_empty_and_neutralises_names(api, world):
    response = api.get(f"{URL}?group_by=admin1,kind&kind=barrel_bomb&format=csv")
    assert response.status_code == 200
    assert response.content == b"admin1,admin1_name,kind,kind_name,count\r\n"
    body = api.get(f"{URL}?group_by=admin2,country&country=TR&format=csv").content.decode()
    assert body == "admin2,admin2_name,country,country_name,count\r\n,,TR,Türkiye,1\r\n"
    f.PlaceFactory(name="=HYPERLINK(1)", kind=PlaceKind.GOVERNORATE, parent=world["places"]["turkey"])
    hostile = world["places"]["reyhanli"]
    hostile.parent = type(hostile).objects.get(name="=HYPERLINK(1)")
    hostile.save()
    body = api.get(f"{URL}?group_by=admin1&country=TR&format=csv").content.decode()
    assert ",'=HYPERLINK(1),1\r\n" in body


def test_geojson_features_carry_the_areas_shapes(api, world):
    idlib, hatay = world["places"]["idlib"], world["places"]["hatay"]
    idlib.geometry = {"type": "Polygon", "coordinates": [[[36, 35], [37, 35], [37, 36], [36, 36], [36, 35]]]}
    idlib.save()
    body = api.get(f"{URL}?group_by=admin1&format=geojson").json()
    shapes = {feature["properties"]["admin1_name"]: feature["geometry"] for feature in body["features"]}
    assert shapes == {
        "Idlib": idlib.geometry,
        "Hatay": {"type": "Point", "coordinates": [hatay.longitude, 36.4]},  # no shape: its point
        None: None,  # the Syria-wide incident: no area, no geometry, still a feature
    }
    cells = api.get(f"{URL}?group_by=h3&h3_resolution=2&format=geojson").json()["features"]
    for feature in cells:
        ring = feature["geometry"]["coordinates"][0]
        assert feature["geometry"]["type"] == "Polygon" and ring[0] == ring[-1] and len(ring) in (6, 7)
        assert h3.latlng_to_cell(ring[0][1], ring[0][0], 2) in h3.grid_disk(feature["properties"]["h3"], 1)


BAD = [
    ("", "group_by", "This field is required."),
    ("group_by=", "group_by", "This field may not be blank."),
    ("group_by=governorate", "group_by", "Unknown: governorate. Known: day, week, month, country, admin1, admin2, "
     "perpetrator, perpetrator_top, dyad, kind, status, verdict, h3."),
    ("group_by=kind,kind", "group_by", "Each name may be given once."),
    ("group_by=day,month", "group_by", "At most one of day, week and month."),
    ("group_by=verdict", "group_by", "verdict needs `ceasefire`: the verdict against which ceasefire."),
    ("group_by=h3", "h3_resolution", "h3_resolution (0-15) is given with group_by=h3, and only with it."),
    ("group_by=kind&h3_resolution=3", "h3_resolution", "h3_resolution (0-15) is given with group_by=h3, and only with it."),
    ("group_by=h3&h3_resolution=16", "h3_resolution", "Ensure this value is less than or equal to 15."),
    ("group_by=h3&h3_resolution=x", "h3_resolution", "A valid integer is required."),
    ("group_by=kind&metric=deaths", "metric", "Unknown: deaths. Known: count, killed_low, killed_high, "
     "civilians_killed_low, civilians_killed_high, children_killed_low, children_killed_high, injured_low, injured_high."),
    ("group_by=month&time_zone=Mars/Olympus", "time_zone", "Unknown time zone 'Mars/Olympus': give an IANA name or `place`."),
    ("group_by=month&time_zone=../../etc/passwd", "time_zone", "Unknown time zone '../../etc/passwd': give an IANA name or `place`."),
    ("group_by=kind&time_zone=UTC", "time_zone", "time_zone applies to group_by day, week or month only."),
    ("group_by=kind&ordering=-occurred_at", "ordering", "Does not apply to aggregates: groups come in their keys' order."),
    ("group_by=kind&page=2", "page", None),
    ("group_by=kind&kind=bombing", "kind", "Select a valid choice. bombing is not one of the available choices."),
    ("group_by=kind&format=geojson", "format", "GeoJSON needs an area among the groups: h3, admin2, admin1, country."),
]  # fmt: skip


@pytest.mark.parametrize(("query", "field", "message"), BAD, ids=[q or "nothing" for q, _, _ in BAD])
def test_bad_input_is_a_400_naming_the_parameter(api, world, query, field, message):
    response = api.get(f"{URL}?{query}")
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body) == [field]
    if message is not None:
        assert body[field] == [message]


def test_too_many_groups_is_a_400(api, world, settings):
    settings.TRACKER_AGGREGATE_MAX_GROUPS = 2
    response = api.get(f"{URL}?group_by=day")
    assert response.status_code == 400
    assert response.json() == {"group_by": ["More than 2 groups: group more coarsely or filter to fewer incidents."]}
    assert api.get(f"{URL}?group_by=country").status_code == 200


@pytest.mark.parametrize("n", [2, 6])
def test_the_query_count_does_not_grow_with_the_data(api, n):
    for _i in range(n):
        town = f.PlaceFactory(parent=f.PlaceFactory(kind=PlaceKind.GOVERNORATE))
        f.IncidentFactory(
            place=town, perpetrator=f.PartyFactory(parent=f.PartyFactory()), target_party=f.PartyFactory(), attribution="alleged"
        )
    with CaptureQueriesContext(connection) as ctx:
        response = api.get(f"{URL}?group_by=month,admin1,perpetrator_top,dyad&metric=killed_low")
    assert response.status_code == 200 and len(response.json()["results"]) == n
    # places' zones, places' levels, parties' tree, the groups, the totals, places' and parties' names
    assert len(ctx.captured_queries) == 7


GROUPINGS = st.lists(st.sampled_from(["month", "country", "admin1", "admin2", "perpetrator_top", "dyad", "kind", "h3"]),
                     min_size=1, max_size=3, unique=True)  # fmt: skip
FILTERS = st.fixed_dictionaries(
    {},
    optional={
        "kind": st.sampled_from(["airstrike", "artillery_shelling"]),
        "country": st.sampled_from(["SY", "TR"]),
        "occurred_after": st.sampled_from(["2020-03-01", "2020-03-06T00:00:00+02:00"]),
        "fatalities_min": st.integers(0, 4),
        "q": st.sampled_from(["Maaret", "a"]),
    },
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(groups=GROUPINGS, filters=FILTERS)
def test_groups_add_up_to_the_lists_count(client_for, world, groups, filters):
    """Whatever the filters and groups, every incident the list returns is in exactly one group."""
    api = client_for("curator")
    query = "&".join(f"{k}={v}".replace("+", "%2B") for k, v in filters.items())
    listed = api.get(f"/api/v1/incidents/?{query}&count=true").json()["count"]
    if "h3" in groups:
        query += "&h3_resolution=6"
    body = api.get(f"{URL}?group_by={','.join(groups)}&metric=killed_low&{query}").json()
    assert sum(r["count"] for r in body["results"]) == body["totals"]["count"] == listed
    killed = [r["killed_low"] for r in body["results"] if r["killed_low"] is not None]
    assert (sum(killed) if killed else None) == body["totals"]["killed_low"]


def test_the_readmes_example_on_the_fixture(api, idlib):
    body = api.get(f"{URL}?group_by=week,admin1&metric=killed_low,killed_high").json()
    assert body["columns"] == ["week", "admin1", "admin1_name", "count", "killed_low", "killed_high"]
    assert body["totals"] == {"count": 5, "killed_low": 31, "killed_high": None}
    assert [(r["week"], r["admin1_name"], r["count"], r["killed_low"]) for r in body["results"]] == [
        ("2019-12-30", None, 1, 1),
        ("2020-01-06", "Idlib Governorate", 3, 17),
        ("2020-03-02", "Idlib Governorate", 1, 13),
    ]
