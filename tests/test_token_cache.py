"""A valid API token is kept in the cache a few seconds with its user's permissions
(tracker/api/authentication.py): later requests read neither the token nor the permissions —
and revoking the token, deactivating its user or changing their roles takes effect at once."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tracker.models import ApiToken

pytestmark = pytest.mark.django_db

BODY = {"name": "Syrian Arab Army", "kind": "state"}


@pytest.fixture
def token_client(roles):
    user = UserFactory(username="service", roles=["curator"])
    token, key = ApiToken.issue(user=user, name="poller")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    client.user, client.token = user, token
    return client


def queries(client, method="get", path="/api/v1/parties/", **kwargs) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(path, **kwargs)
    return response.status_code, [q["sql"] for q in captured.captured_queries]


def about_auth(sql: list[str]) -> list[str]:
    return [q for q in sql if any(t in q for t in ("tracker_apitoken", "auth_permission", "auth_user", "auth_group"))]


def test_a_second_request_reads_neither_the_token_nor_the_permissions(token_client):
    status, first = queries(token_client, "post", "/api/v1/parties/", data=BODY, format="json")
    assert status == 201 and about_auth(first)
    status, second = queries(token_client, "post", "/api/v1/parties/", data={**BODY, "name": "Free Syrian Army"}, format="json")
    assert status == 201
    assert about_auth(second) == []


def test_without_the_cache_every_request_reads_them(token_client, settings):
    settings.TRACKER_TOKEN_CACHE_SECONDS = 0
    queries(token_client)
    assert about_auth(queries(token_client)[1])


def test_a_revoked_token_is_refused_at_once(token_client):
    assert queries(token_client)[0] == 200
    token_client.token.delete()
    response = token_client.get("/api/v1/parties/")
    assert (response.status_code, response.json()) == (401, {"detail": "Invalid token."})


def test_a_token_that_expires_while_cached_is_refused(token_client):
    assert queries(token_client)[0] == 200
    ApiToken.objects.filter(pk=token_client.token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert token_client.get("/api/v1/parties/").status_code == 200  # an UPDATE past the models: cached
    token = ApiToken.objects.get(pk=token_client.token.pk)
    token.save()  # as the admin saves it
    assert token_client.get("/api/v1/parties/").json() == {"detail": "Token has expired."}


def test_a_deactivated_user_is_refused_at_once(token_client):
    assert queries(token_client)[0] == 200
    token_client.user.is_active = False
    token_client.user.save()
    assert token_client.get("/api/v1/parties/").json() == {"detail": "User inactive or deleted."}


@pytest.mark.parametrize(
    "change",
    [
        lambda user: user.groups.remove(Group.objects.get(name="curator")),
        lambda user: Group.objects.get(name="curator").user_set.remove(user),
        lambda user: Group.objects.get(name="curator").permissions.remove(Permission.objects.get(codename="add_party")),
        lambda user: Permission.objects.get(codename="add_party").group_set.clear(),
    ],
    ids=["user's groups", "group's users", "group's permissions", "permission's groups"],
)
def test_a_lost_permission_is_lost_at_once(token_client, change):
    assert queries(token_client, "post", "/api/v1/parties/", data=BODY, format="json")[0] == 201
    change(token_client.user)
    response = token_client.post("/api/v1/parties/", {**BODY, "name": "Another"}, format="json")
    assert response.status_code == 403, response.content


def test_a_granted_permission_counts_at_once(roles):
    user = UserFactory(username="newcomer")
    _, key = ApiToken.issue(user=user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert client.post("/api/v1/parties/", BODY, format="json").status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="add_party"))
    assert client.post("/api/v1/parties/", BODY, format="json").status_code == 201
