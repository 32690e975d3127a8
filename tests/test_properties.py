"""Property tests of the validation layer: whatever JSON a client sends, the answer is a 2xx
or a 4xx whose body names the fields at fault — never a 500, never a silent partial write."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api_cases import RESOURCES
from tests.helpers import if_match
from tracker.representation import serializers

pytestmark = pytest.mark.django_db

FIELDS = {
    "parties": serializers.PartySerializer,
    "places": serializers.PlaceSerializer,
    "ceasefires": serializers.CeasefireSerializer,
    "sources": serializers.SourceSerializer,
    "reports": serializers.ReportSerializer,
    "incidents": serializers.IncidentSerializer,
    "citations": serializers.CitationSerializer,
}

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=12,
)


def bodies(route: str):
    """Objects whose keys are mostly the resource's own fields, with any JSON as values."""
    names = sorted(FIELDS[route]().fields)
    keys = st.sampled_from(names) | st.text(max_size=12)
    return st.dictionaries(keys, json_values, max_size=8) | json_values


def assert_clean_answer(response, route: str, sent):
    assert response.status_code < 500, response.content
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body, dict) and body, body
        # Errors name fields of the resource, or keys the client sent (unknown fields).
        known = set(FIELDS[route]().fields) | {"non_field_errors", "detail"} | (set(sent) if isinstance(sent, dict) else set())
        assert set(body) <= known, body
        for key, errors in body.items():
            # `detail` is a message, unless the client itself sent a `detail` field (then it is
            # refused like any unknown field, as a list of errors).
            if key == "detail" and not (isinstance(sent, dict) and "detail" in sent):
                assert isinstance(errors, str) and errors
            else:
                assert isinstance(errors, (list, dict)) and errors, body


SETTINGS = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI never flakes; widen max_examples to explore
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.parametrize("route", sorted(FIELDS))
def test_any_json_created_is_answered_cleanly(client_for, route):
    client = client_for("reviewer")

    @SETTINGS
    @given(body=bodies(route))
    def check(body):
        assert_clean_answer(client.post(f"/api/v1/{route}/", body, format="json"), route, body)

    check()


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.route)
def test_any_json_patch_is_answered_cleanly_and_a_refusal_changes_nothing(client_for, resource):
    client = client_for("reviewer")
    obj = resource.make()
    url = f"/api/v1/{resource.route}/{obj.pk}/"

    @SETTINGS
    @given(body=bodies(resource.route))
    def check(body):
        before = client.get(url).json()
        response = client.patch(url, body, format="json", **if_match(obj))
        assert_clean_answer(response, resource.route, body)
        if response.status_code >= 400:
            assert client.get(url).json() == before

    check()
