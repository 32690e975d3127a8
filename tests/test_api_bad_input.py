"""Malformed input is a 400 that names the parameter or field, never a 500 or a silent no-op."""

import json
from datetime import UTC, datetime

import pytest

from tests.factories import IncidentFactory, PartyFactory, PlaceFactory
from tests.helpers import if_match

pytestmark = pytest.mark.django_db

LIST_CASES = [
    # (route, query, parameter named in the error, message)
    (
        "incidents",
        "occurred_after=yesterday",
        "occurred_after",
        "Enter an ISO 8601 date (2020-01-12) or datetime with offset (2020-01-12T00:01:00+03:00).",
    ),
    (
        "incidents",
        "occurred_before=2020-13-45",
        "occurred_before",
        "Enter an ISO 8601 date (2020-01-12) or datetime with offset (2020-01-12T00:01:00+03:00).",
    ),
    (
        "incidents",
        "occurred_after=2020-01-12T00:01:00",
        "occurred_after",
        "Include a UTC offset (2020-01-12T00:01:00+03:00 or ...Z); a time without one is ambiguous.",
    ),
    (
        "incidents",
        "updated_since=not-a-date",
        "updated_since",
        "Enter an ISO 8601 date (2020-01-12) or datetime with offset (2020-01-12T00:01:00+03:00).",
    ),
    ("incidents", "kind=napalm", "kind", "Select a valid choice. napalm is not one of the available choices."),
    ("incidents", "kind=airstrike&kind=bogus", "kind", "Select a valid choice. bogus is not one of the available choices."),
    ("incidents", "status=approved", "status", "Select a valid choice. approved is not one of the available choices."),
    ("incidents", "bbox=36,35,37", "bbox", "Expected 4 comma-separated numbers (min_lon,min_lat,max_lon,max_lat); got 3."),
    ("incidents", "bbox=a,b,c,d", "bbox", "Expected 4 comma-separated numbers (min_lon,min_lat,max_lon,max_lat)."),
    (
        "incidents",
        "bbox=37,35,36,36",
        "bbox",
        "min_lon must not exceed max_lon (boxes across the antimeridian are not supported).",
    ),
    ("incidents", "bbox=36,200,37,201", "bbox", "Latitude 200.0 is out of range (-90 to 90)."),
    ("incidents", "bbox=36,nan,37,36", "bbox", "Numbers must be finite."),
    ("incidents", "near=200,36&radius_km=5", "near", "Latitude 200.0 is out of range (-90 to 90)."),
    ("incidents", "near=35.6&radius_km=5", "near", "Expected 2 comma-separated numbers (lat,lon); got 1."),
    ("incidents", "near=35.6,36.6", "radius_km", "radius_km is required with near."),
    ("incidents", "radius_km=5", "near", "near=lat,lon is required with radius_km."),
    ("incidents", "near=35.6,36.6&radius_km=-1", "radius_km", "Ensure this value is greater than or equal to 0."),
    ("incidents", "near=35.6,36.6&radius_km=1e300", "radius_km", "Ensure this value is less than or equal to 20000."),
    ("incidents", "place=abc", "place", "No place with id 'abc'."),
    ("incidents", "place=999999", "place", "No place with id '999999'."),
    ("incidents", "perpetrator=1.5", "perpetrator", "No party with id '1.5'."),
    ("incidents", "target_party=99999", "target_party", "No party with id '99999'."),
    ("incidents", "initiator=nobody", "initiator", "Select a valid choice. nobody is not one of the available choices."),
    ("incidents", "source=-1", "source", "No source with id '-1'."),
    ("incidents", "report=x", "report", "No report with id 'x'."),
    ("incidents", "country=Syria", "country", "'Syria' is not an ISO 3166-1 alpha-2 country code (e.g. SY)."),
    ("incidents", "country=XX", "country", "'XX' is not an ISO 3166-1 alpha-2 country code (e.g. SY)."),
    ("incidents", "fatalities_min=many", "fatalities_min", "Enter a number."),
    ("incidents", "fatalities_min=-3", "fatalities_min", "Ensure this value is greater than or equal to 0."),
    ("incidents", "ordering=title", "ordering", "Select a valid choice. title is not one of the available choices."),
    ("incidents", "ordering=-occurred_at,,", "ordering", "An empty ordering term: name a field between the commas."),
    ("incidents", "ordering=,occurred_at", "ordering", "An empty ordering term: name a field between the commas."),
    ("incidents", "ordering=occurred_at,-occurred_at", "ordering", "'occurred_at' is ordered by twice."),
    ("incidents", "q=%00", "q", "Null characters are not allowed."),
    ("incidents", "place_name=Idlib%00", "place_name", "Null characters are not allowed."),
    ("incidents", "page_size=100000", "page_size", "Must be at most 1000."),
    ("incidents", "page_size=0", "page_size", "Must be at least 1."),
    ("incidents", "page_size=ten", "page_size", "A whole number is required; got 'ten'."),
    ("incidents", "page=first", "page", "A whole number is required; got 'first'."),
    ("incidents", "page=5", "page", "Invalid page."),
    ("incidents", "page=5&count=true", "page", "Invalid page."),
    ("sources", "page=46870586178997208849733258313728&page_size=447", "page", "Invalid page."),
    ("sources", "page=46870586178997208849733258313728&count=true", "page", "Invalid page."),
    ("incidents", "count=yes", "count", "Must be true or false; got 'yes'."),
    ("incidents", "count=1", "count", "Must be true or false; got '1'."),
    ("incidents", "updated_since=2020-01-01&count=true", "count", "The change feed (updated_since, cursor) has no total."),
    ("parties", "count=TRUE", "count", "Must be true or false; got 'TRUE'."),
    (
        "ceasefires",
        "active_at=tomorrow",
        "active_at",
        "Enter an ISO 8601 date (2020-01-12) or datetime with offset (2020-01-12T00:01:00+03:00).",
    ),
    ("ceasefires", "party=abc", "party", "No party with id 'abc'."),
    (
        "reports",
        "published_after=2020-01-01T10:00",
        "published_after",
        "Include a UTC offset (2020-01-12T00:01:00+03:00 or ...Z); a time without one is ambiguous.",
    ),
    ("sources", "kind=blog", "kind", "Select a valid choice. blog is not one of the available choices."),
    ("places", "country=sy1", "country", "'sy1' is not an ISO 3166-1 alpha-2 country code (e.g. SY)."),
    ("places", "country=%25E", "country", "'%E' is not an ISO 3166-1 alpha-2 country code (e.g. SY)."),
    ("incidents", "country=100%25", "country", "'100%' is not an ISO 3166-1 alpha-2 country code (e.g. SY)."),
    ("places", "parent=0", "parent", "No place with id '0'."),
    ("parties", "kind=gang", "kind", "Select a valid choice. gang is not one of the available choices."),
]

# Instants near the calendar's edges overflowed while converted to UTC (500s): every date
# filter refuses what lies outside the tracker's range (tracker.instants).
OUT_OF_RANGE = (
    "{} is outside the instants the tracker accepts: from 1800-01-01T00:00:00Z up to, not including, 2200-01-01T00:00:00Z."
)
EDGE_INSTANTS = [
    ("0001-01-01T00:00:00%2B05:00", "0001-01-01T00:00:00+05:00"),
    ("9999-12-31T23:59:59-05:00", "9999-12-31T23:59:59-05:00"),
    ("0001-01-01", "0001-01-01T00:00:00+00:00"),
    ("1799-12-31T23:59:59Z", "1799-12-31T23:59:59+00:00"),
    ("2200-01-01T00:00:00-01:00", "2200-01-01T00:00:00-01:00"),
]
DATE_FILTERS = [
    ("incidents", "updated_since"),
    ("incidents", "occurred_after"),
    ("incidents", "occurred_before"),
    ("ceasefires", "active_at"),
    ("reports", "published_after"),
    ("reports", "published_before"),
    ("places", "updated_since"),
]
LIST_CASES += [
    (route, f"{name}={sent}", name, OUT_OF_RANGE.format(shown)) for route, name in DATE_FILTERS for sent, shown in EDGE_INSTANTS
]


@pytest.mark.parametrize(("route", "query", "param", "message"), LIST_CASES, ids=[f"{c[0]}?{c[1]}" for c in LIST_CASES])
def test_bad_query_parameters(api, route, query, param, message):
    response = api.get(f"/api/v1/{route}/?{query}")
    past_the_end = param == "page" and message == "Invalid page."
    assert response.status_code == (404 if past_the_end else 400), response.content
    assert response.json() == ({"detail": message, param: [message]} if past_the_end else {param: [message]})


def test_unknown_parameter_is_an_error_not_no_filter(api):
    response = api.get("/api/v1/incidents/?kinds=airstrike")
    assert response.status_code == 400
    assert list(response.json()) == ["kinds"]
    assert response.json()["kinds"][0].startswith(
        "Unknown query parameter. Known: as_of, attribution, bbox, ceasefire, confidence, confidence_disagrees, contested, count, country, "
        "cursor, "
        "fatalities_min,"
    )


def test_nul_byte_in_a_parameter_name(api):
    response = api.get("/api/v1/places/?q%00=x")
    assert (response.status_code, response.json()) == (400, {"q\\x00": ["Null characters are not allowed."]})


def test_non_numeric_detail_id_is_404(api):
    assert api.get("/api/v1/incidents/abc/").status_code == 404


@pytest.fixture
def writer(client_for):
    return client_for("reviewer")


def write_cases():
    return [
        # (route, payload builder, field, message)
        (
            "places",
            lambda: {"name": "X", "kind": "town", "latitude": 200, "longitude": 36},
            "latitude",
            "Latitude must be between -90 and 90.",
        ),
        (
            "places",
            lambda: {"name": "X", "kind": "town", "latitude": 35},
            "longitude",
            "Latitude and longitude must be given together.",
        ),
        ("places", lambda: {"name": "X", "kind": "planet"}, "kind", '"planet" is not a valid choice.'),
        (
            "places",
            lambda: {
                "name": "X",
                "kind": "zone",
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]},
            },
            "geometry",
            "Geometry is not valid: Self-intersection[0.5 0.5].",
        ),
        (
            "places",
            lambda: {"name": "X", "kind": "town", "timezone": "Idlib/Local"},
            "timezone",
            "Idlib/Local is not an IANA time zone name (e.g. Asia/Damascus).",
        ),
        ("places", lambda: {"name": "X\x00", "kind": "town"}, "name", "Null characters are not allowed."),
        ("parties", lambda: {"name": "", "kind": "state"}, "name", "This field may not be blank."),
        (
            "parties",
            lambda: {"name": "X", "kind": "state", "parent": 999999},
            "parent",
            'Invalid pk "999999" - object does not exist.',
        ),
        (
            "parties",
            lambda: {"name": "X", "kind": "state", "country_code": "XX"},
            "country_code",
            "XX is not an ISO 3166-1 alpha-2 country code (e.g. SY).",
        ),
        (
            "incidents",
            lambda: {"title": "X", "kind": "airstrike", "occurred_at": "2020-01-12 10:00", "place": PlaceFactory().pk},
            "occurred_at",
            "Include a UTC offset, e.g. 2020-01-12T00:01:00+03:00 or 2020-01-11T21:01:00Z.",
        ),
        (
            "incidents",
            lambda: {"title": "X", "kind": "airstrike", "occurred_at": "soon", "place": PlaceFactory().pk},
            "occurred_at",
            "Datetime has wrong format. Use one of these formats instead: YYYY-MM-DDThh:mm[:ss[.uuuuuu]][+HH:MM|-HH:MM|Z].",
        ),
        (
            "incidents",
            lambda: {
                "title": "X",
                "kind": "airstrike",
                "occurred_at": "2020-01-12T10:00:00Z",
                "place": PlaceFactory().pk,
                "killed_low": 5,
                "killed_high": 1,
            },
            "killed_high",
            "killed_high must be greater than or equal to killed_low.",
        ),
        (
            "incidents",
            lambda: {
                "title": "X",
                "kind": "airstrike",
                "occurred_at": "2020-01-12T10:00:00Z",
                "place": PlaceFactory().pk,
                "injured_low": -2,
            },
            "injured_low",
            "Must not be negative.",
        ),
        (
            "incidents",
            lambda: {
                "title": "X",
                "kind": "airstrike",
                "occurred_at": "2020-01-12T10:00:00Z",
                "place": PlaceFactory().pk,
                "time_precision": "interval",
            },
            "occurred_until",
            "An interval needs an end.",
        ),
        (
            "incidents",
            lambda: {"title": "X", "kind": "airstrike", "occurred_at": "2020-01-12T10:00:00Z", "place": "abc"},
            "place",
            "Incorrect type. Expected pk value, received str.",
        ),
        (
            "incidents",
            lambda: {
                "title": "X",
                "kind": "airstrike",
                "occurred_at": "2020-01-12T10:00:00Z",
                "place": PlaceFactory().pk,
                "attribution": "alleged",
            },
            "attribution",
            "Name a perpetrator, or set attribution to 'unknown'.",
        ),
        (
            "incidents",
            lambda: {
                "title": "X",
                "kind": "airstrike",
                "occurred_at": "2020-01-12T10:00:00Z",
                "place": PlaceFactory().pk,
                "external_source": "acled",
                "external_id": IncidentFactory(external_source="acled", external_id="SYR1").external_id,
            },
            "external_id",
            "An incident with this external id already exists for this external source.",
        ),
        *(
            (
                "incidents",
                lambda extra=extra: {
                    "title": "X",
                    "kind": "airstrike",
                    "occurred_at": "2020-01-12T10:00:00Z",
                    "place": PlaceFactory().pk,
                    **extra,
                },
                field,
                message,
            )
            for extra, field, message in (
                ({"origin_latitude": 1000, "origin_longitude": 36}, "origin_latitude", "Latitude must be between -90 and 90."),
                ({"origin_latitude": 35.5}, "origin_longitude", "Latitude and longitude must be given together."),
                ({"origin_geo_precision": "exact"}, "origin_geo_precision", "An exact origin needs its latitude and longitude."),
                ({"origin_geo_precision": "galaxy"}, "origin_geo_precision", '"galaxy" is not a valid choice.'),
                (
                    {"initiator": "target"},
                    "initiator",
                    "The target party can open fire only when one is named: name it, or set the initiator to 'unknown'.",
                ),
                ({"initiator": "nobody"}, "initiator", '"nobody" is not a valid choice.'),
                ({"target_party": 999999}, "target_party", 'Invalid pk "999999" - object does not exist.'),
                ({"responds_to": 999999}, "responds_to", 'Invalid pk "999999" - object does not exist.'),
                ({"origin_place": "<b>x</b>"}, "origin_place", "Incorrect type. Expected pk value, received str."),
            )
        ),
        (
            "ceasefires",
            lambda: {
                "name": "X",
                "scope": PlaceFactory().pk,
                "starts_at": "2020-01-12T00:00:00Z",
                "ends_at": "2020-01-01T00:00:00Z",
                "type": "bilateral",
                "purpose": "humanitarian",
            },
            "ends_at",
            "The end must be after the start.",
        ),
        (
            "ceasefires",
            lambda: {
                "name": "X",
                "scope": PlaceFactory().pk,
                "starts_at": "2020-01-12T00:00:00Z",
                "type": "bilateral",
                "purpose": "humanitarian",
                "parties": [{"party": 999999, "role": "signatory"}],
            },
            "parties",
            None,
        ),
        ("reports", lambda: {"title": "X", "source": 999999}, "source", 'Invalid pk "999999" - object does not exist.'),
        ("reports", lambda: {"title": "X", "source": None}, "source", "This field may not be null."),
        ("sources", lambda: {"name": "X", "kind": "ngo", "reliability": "Z"}, "reliability", '"Z" is not a valid choice.'),
    ]


@pytest.mark.parametrize(
    ("route", "payload", "field", "message"), write_cases(), ids=[f"{c[0]}-{c[2]}-{i}" for i, c in enumerate(write_cases())]
)
def test_bad_write_input(writer, route, payload, field, message):
    response = writer.post(f"/api/v1/{route}/", payload(), format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert list(body) == [field]
    if message is not None:
        assert body[field] == [message]


def test_instants_at_the_range_bounds_are_accepted(api):
    for value in ("1800-01-01T00:00:00Z", "2199-12-31T23:59:59Z", "1800-01-01T02:00:00%2B02:00"):
        assert api.get(f"/api/v1/incidents/?occurred_after={value}").status_code == 200


@pytest.mark.parametrize("instant", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
def test_a_cursor_at_the_calendar_edge_is_400(api, instant):
    from tracker.api.pagination import encode_cursor

    raw = encode_cursor(datetime.fromisoformat(instant), 1)
    for url in (f"/api/v1/incidents/?cursor={raw}", f"/api/v1/incidents/deleted/?since=2020-01-01T00:00:00Z&cursor={raw}"):
        response = api.get(url)
        assert response.status_code == 400, (url, response.content)
        assert response.json() == {"cursor": ["Not a cursor this API gave: pass the `next` link's cursor unchanged."]}


EDGE_WRITES = [
    # (occurred_at, time_precision)
    ("9999-12-31T23:00:00Z", "hour"),
    ("0001-01-01T00:00:00Z", "hour"),
    ("0001-01-01T00:00:00Z", "day"),
    ("0001-01-01T00:00:00Z", "month"),
    ("0001-01-01T00:00:00+05:00", "minute"),
    ("9999-12-31T00:00:00Z", "week"),
]


@pytest.mark.parametrize(("occurred_at", "precision"), EDGE_WRITES)
def test_an_incident_outside_the_range_is_refused(writer, occurred_at, precision):
    place = PlaceFactory()
    payload = {"title": "X", "kind": "airstrike", "occurred_at": occurred_at, "time_precision": precision, "place": place.pk}
    response = writer.post("/api/v1/incidents/", payload, format="json")
    assert (response.status_code, response.json()) == (400, {"occurred_at": [OUT_OF_RANGE.format(occurred_at)]})


def test_an_interval_ending_outside_the_range_is_refused(writer):
    payload = {
        "title": "X",
        "kind": "airstrike",
        "occurred_at": "2199-12-31T00:00:00Z",
        "occurred_until": "2200-01-02T00:00:00Z",
        "time_precision": "interval",
        "place": PlaceFactory().pk,
    }
    response = writer.post("/api/v1/incidents/", payload, format="json")
    assert (response.status_code, response.json()) == (400, {"occurred_until": [OUT_OF_RANGE.format("2200-01-02T00:00:00Z")]})


def test_other_records_refuse_instants_outside_the_range(writer):
    scope = PlaceFactory()
    ceasefire = {
        "name": "X",
        "scope": scope.pk,
        "starts_at": "0001-01-01T00:00:00Z",
        "type": "bilateral",
        "purpose": "humanitarian",
    }
    response = writer.post("/api/v1/ceasefires/", ceasefire, format="json")
    assert (response.status_code, response.json()) == (400, {"starts_at": [OUT_OF_RANGE.format("0001-01-01T00:00:00Z")]})


def test_the_model_refuses_what_the_api_refuses():
    """Imports and the admin write through the model's validation: the same range holds there."""
    from django.core.exceptions import ValidationError

    incident = IncidentFactory.build(place=PlaceFactory(), occurred_at=datetime(1, 1, 1, tzinfo=UTC), time_precision="hour")
    with pytest.raises(ValidationError) as refused:
        incident.full_clean()
    assert refused.value.message_dict["occurred_at"] == [OUT_OF_RANGE.format("0001-01-01T00:00:00+00:00")]


def test_a_bulk_item_outside_the_range_is_an_item_error_and_the_rest_are_saved(client_for):
    place = PlaceFactory()

    def item(external_id, occurred_at):
        return {
            "title": "Shelling",
            "kind": "artillery_shelling",
            "occurred_at": occurred_at,
            "time_precision": "hour",
            "place": place.pk,
            "external_source": "monitor-x",
            "external_id": external_id,
        }

    batch = [item("a", "2020-01-12T10:00:00Z"), item("b", "0001-01-01T00:00:00Z"), item("c", "2020-01-13T10:00:00Z")]
    response = client_for("ingest").post("/api/v1/incidents/bulk/", batch, format="json")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == ["created", "error", "created"]
    assert results[1]["errors"] == {"occurred_at": [OUT_OF_RANGE.format("0001-01-01T00:00:00Z")]}


DEEP = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", "/api/v1/incidents/"),
        ("post", "/api/v1/incidents/bulk/"),
        ("post", "/api/v1/places/"),
        ("post", "/api/v1/parties/"),
        ("patch", "/api/v1/parties/{party}/"),
    ],
)
def test_deeply_nested_json_is_400(client_for, method, url):
    url = url.format(party=PartyFactory().pk)
    response = getattr(client_for("reviewer"), method)(url, DEEP, content_type="application/json", HTTP_IF_MATCH='"1"')
    assert (response.status_code, response.json()) == (400, {"detail": "JSON nested deeper than 32 levels is not accepted."})


def test_nesting_below_the_parser_limit_is_refused_too(writer):
    """A geometry 500 levels deep parses, but would recurse again in later checks."""
    geometry = {"type": "Polygon", "coordinates": json.loads("[" * 500 + "]" * 500)}
    response = writer.post("/api/v1/places/", {"name": "X", "kind": "zone", "geometry": geometry}, format="json")
    assert (response.status_code, response.json()) == (400, {"detail": "JSON nested deeper than 32 levels is not accepted."})


def test_malformed_json_body_is_400(writer):
    response = writer.post("/api/v1/parties/", "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["detail"].startswith("JSON parse error")


def test_an_incident_cannot_respond_to_itself(writer):
    incident = IncidentFactory()
    response = writer.patch(
        f"/api/v1/incidents/{incident.pk}/", {"responds_to": incident.pk}, format="json", **if_match(incident)
    )
    assert (response.status_code, response.json()) == (400, {"responds_to": ["An incident cannot respond to itself."]})
