"""No lost updates: ETag on reads, If-Match on writes, 428 without it, 412 when stale."""

import pytest

from tests.api_cases import RESOURCES
from tests.factories import IncidentFactory
from tracker.models import Incident

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(client_for):
    return client_for("reviewer")


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.route)
def test_get_returns_the_version_as_a_strong_etag_and_writes_move_it(reviewer, resource):
    obj = resource.make()
    url = f"/api/v1/{resource.route}/{obj.pk}/"
    read = reviewer.get(url)
    assert read["ETag"] == '"1"' and read.json()["version"] == 1
    written = reviewer.patch(url, resource.patch, format="json", HTTP_IF_MATCH='"1"')
    assert written.status_code == 200, written.content
    assert written["ETag"] == '"2"' and written.json()["version"] == 2
    assert reviewer.get(url)["ETag"] == '"2"'


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.route)
@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_writes_without_if_match_are_428_and_change_nothing(reviewer, resource, method):
    obj = resource.make()
    url = f"/api/v1/{resource.route}/{obj.pk}/"
    body = reviewer.get(url).json()
    response = getattr(reviewer, method)(url, body if method != "delete" else None, format="json")
    assert response.status_code == 428
    assert response.json() == {
        "detail": 'This request must carry an If-Match header with the ETag of the version it changes (GET the record, send its ETag, e.g. If-Match: "3").'
    }
    assert reviewer.get(url).json() == body


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.route)
@pytest.mark.parametrize("method", ["patch", "delete"])
def test_stale_writes_are_412_with_the_current_version(reviewer, resource, method):
    obj = resource.make()
    url = f"/api/v1/{resource.route}/{obj.pk}/"
    assert reviewer.patch(url, resource.patch, format="json", HTTP_IF_MATCH='"1"').status_code == 200
    before = reviewer.get(url).json()
    response = getattr(reviewer, method)(url, resource.patch if method == "patch" else None, format="json", HTTP_IF_MATCH='"1"')
    assert response.status_code == 412
    assert response["ETag"] == '"2"'
    name = type(obj)._meta.verbose_name
    assert response.json() == {
        "detail": f"{name} {obj.pk} has changed since you read it: it is at version 2, not 1.",
        "current_version": 2,
    }
    assert reviewer.get(url).json() == before


@pytest.mark.parametrize(
    ("header", "status", "body"),
    [
        ("*", 428, {"detail": 'If-Match: * does not say which version you read; send the record\'s ETag (e.g. "3").'}),
        ('W/"1"', 400, {"If-Match": ['\'W/"1"\' is not an ETag of this API; send the ETag a GET returned, e.g. "3".']}),
        ("1", 400, {"If-Match": ["'1' is not an ETag of this API; send the ETag a GET returned, e.g. \"3\"."]}),
        ('"one"', 400, {"If-Match": ['\'"one"\' is not an ETag of this API; send the ETag a GET returned, e.g. "3".']}),
        (
            '"9999999999999"',
            400,
            {"If-Match": ['\'"9999999999999"\' is not an ETag of this API; send the ETag a GET returned, e.g. "3".']},
        ),
    ],
)
def test_malformed_if_match_is_refused(reviewer, header, status, body):
    incident = IncidentFactory()
    response = reviewer.patch(f"/api/v1/incidents/{incident.pk}/", {"title": "X"}, format="json", HTTP_IF_MATCH=header)
    assert (response.status_code, response.json()) == (status, body)
    assert Incident.objects.get(pk=incident.pk).title != "X"


def test_if_match_may_list_several_versions(reviewer):
    incident = IncidentFactory()
    response = reviewer.patch(f"/api/v1/incidents/{incident.pk}/", {"title": "X"}, format="json", HTTP_IF_MATCH='"7", "1"')
    assert response.status_code == 200 and response["ETag"] == '"2"'


def test_a_failed_validation_does_not_use_up_the_version(reviewer):
    incident = IncidentFactory()
    url = f"/api/v1/incidents/{incident.pk}/"
    bad = reviewer.patch(url, {"killed_low": 5, "killed_high": 1}, format="json", HTTP_IF_MATCH='"1"')
    assert bad.status_code == 400
    assert reviewer.patch(url, {"title": "Fixed"}, format="json", HTTP_IF_MATCH='"1"').status_code == 200


def test_two_clients_with_the_same_etag_only_one_wins(client_for):
    incident = IncidentFactory(title="Original")
    url = f"/api/v1/incidents/{incident.pk}/"
    alice, bob = client_for("reviewer"), client_for("curator")
    etag = alice.get(url)["ETag"]
    assert bob.get(url)["ETag"] == etag
    assert alice.patch(url, {"title": "Alice's"}, format="json", HTTP_IF_MATCH=etag).status_code == 200
    lost = bob.patch(url, {"title": "Bob's"}, format="json", HTTP_IF_MATCH=etag)
    assert lost.status_code == 412 and lost.json()["current_version"] == 2
    assert Incident.objects.get(pk=incident.pk).title == "Alice's"


def test_unknown_record_with_if_match_is_404(reviewer):
    assert reviewer.patch("/api/v1/incidents/999999/", {"title": "X"}, format="json", HTTP_IF_MATCH='"1"').status_code == 404


def test_audit_fields_cannot_be_mass_assigned(client_for):
    reviewer, curator = client_for("reviewer"), client_for("curator")
    incident = IncidentFactory()
    url = f"/api/v1/incidents/{incident.pk}/"
    # Read-only fields in a body are ignored (a served body can be sent back)...
    ignored = curator.patch(
        url, {"version": 99, "id": 12345, "created_at": "2000-01-01T00:00:00Z", "title": "T"}, format="json", HTTP_IF_MATCH='"1"'
    )
    assert ignored.status_code == 200 and ignored.json()["version"] == 2 and ignored.json()["id"] == incident.pk
    assert ignored.json()["created_at"] != "2000-01-01T00:00:00Z"
    # ...fields the API does not have are refused by name, and nothing is written.
    refused = curator.patch(
        url,
        {"created_by": reviewer.user.pk, "deleted_at": "2020-01-01T00:00:00Z", "kiled_high": 3},
        format="json",
        HTTP_IF_MATCH='"2"',
    )
    assert (refused.status_code, refused.json()) == (
        400,
        {"created_by": ["Unknown field."], "deleted_at": ["Unknown field."], "kiled_high": ["Unknown field."]},
    )
    current = Incident.objects.get(pk=incident.pk)
    assert (current.version, current.created_by, current.deleted_at) == (2, None, None)
    # Status changes reserved to reviewers stay reserved whatever the body says.
    response = curator.patch(url, {"status": "rejected"}, format="json", HTTP_IF_MATCH='"2"')
    assert response.status_code == 403 and Incident.objects.get(pk=incident.pk).status == incident.status
