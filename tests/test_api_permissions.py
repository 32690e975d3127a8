"""Who may do what: every endpoint × role × method, and refused requests change nothing."""

import pytest
from django.test import override_settings

from tests.api_cases import RESOURCES
from tests.helpers import if_match

pytestmark = pytest.mark.django_db

CURATED = {"parties", "places", "sources", "reports", "incidents", "citations"}
INGEST = {"incidents", "citations", "reports"}


def expected(role: str, method: str, route: str) -> int:
    """The status the permission design promises."""
    ok = {"get": 200, "post": 201, "patch": 200, "delete": 204}[method]
    if method == "get":
        return ok
    if role == "anonymous":
        return 401
    if role in ("no_permission", "read_only_token"):
        return 403
    if role == "curator":
        return ok if route in CURATED and method != "delete" else 403
    if role == "reviewer":
        return ok
    if role == "ingest":
        return ok if route in INGEST and method != "delete" else 403
    raise AssertionError(role)


def snapshot(model):
    return sorted(model.objects.values_list("pk", "version"))


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.route)
@pytest.mark.parametrize("role", ["anonymous", "no_permission", "curator", "reviewer", "ingest", "read_only_token"])
@pytest.mark.parametrize("method", ["get", "post", "patch", "delete"])
def test_permission_matrix(resource, role, method, client_for):
    client = client_for(role)
    obj = resource.make()
    model = type(obj)
    payload = resource.create() if method == "post" else None
    before = snapshot(model)
    if method == "get":
        responses = [client.get(f"/api/v1/{resource.route}/"), client.get(f"/api/v1/{resource.route}/{obj.pk}/")]
    elif method == "post":
        responses = [client.post(f"/api/v1/{resource.route}/", payload, format="json")]
    elif method == "patch":
        responses = [client.patch(f"/api/v1/{resource.route}/{obj.pk}/", resource.patch, format="json", **if_match(obj))]
    else:
        responses = [client.delete(f"/api/v1/{resource.route}/{obj.pk}/", **if_match(obj))]
    want = expected(role, method, resource.route)
    for response in responses:
        assert response.status_code == want, response.content
        if want >= 400:
            assert "detail" in response.json()  # a JSON body that says why
    if want >= 400:
        assert snapshot(model) == before, "a refused request changed data"
    elif method == "post":
        assert len(snapshot(model)) == len(before) + 1


@override_settings(TRACKER_PUBLIC_READ=False)
@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.route)
@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("no_permission", 403), ("curator", 200), ("ingest", 200)])
def test_private_read_needs_view_permission(resource, role, status, client_for):
    obj = resource.make()
    client = client_for(role)
    assert client.get(f"/api/v1/{resource.route}/").status_code == status
    assert client.get(f"/api/v1/{resource.route}/{obj.pk}/").status_code == status


def test_anonymous_write_is_401_with_token_challenge(api):
    response = api.post("/api/v1/parties/", {"name": "X", "kind": "state"}, format="json")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json() == {"detail": "Authentication credentials were not provided."}


def test_invalid_and_expired_tokens_are_refused(api, user_for):
    from datetime import timedelta

    from django.utils import timezone

    from tracker.models import ApiToken

    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert api.get("/api/v1/parties/").json() == {"detail": "Invalid token."}
    _, key = ApiToken.issue(user=user_for("curator"), expires_at=timezone.now() - timedelta(seconds=1))
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api.get("/api/v1/parties/")
    assert (response.status_code, response.json()) == (401, {"detail": "Token has expired."})


def test_tokens_are_stored_hashed(user_for):
    from tracker.models import ApiToken

    token, key = ApiToken.issue(user=user_for("ingest"))
    stored = ApiToken.objects.filter(pk=token.pk).values_list("key_hash", "prefix").get()
    assert key not in stored[0] and stored[1] == key[:8] and len(stored[0]) == 64


def test_only_reviewers_verify(client_for):
    from tests.factories import IncidentFactory

    incident = IncidentFactory(status="in_review")
    curator = client_for("curator")
    response = curator.patch(f"/api/v1/incidents/{incident.pk}/", {"status": "verified"}, format="json", **if_match(incident))
    assert response.status_code == 403
    assert response.json() == {"detail": "Only reviewers may change an incident's status from 'in_review' to 'verified'."}
    incident.refresh_from_db()
    assert incident.status == "in_review"
    reviewer = client_for("reviewer")
    assert (
        reviewer.patch(
            f"/api/v1/incidents/{incident.pk}/", {"status": "verified"}, format="json", **if_match(incident)
        ).status_code
        == 200
    )
