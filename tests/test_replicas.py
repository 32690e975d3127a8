"""Read replicas (tracker.replicas): which database each read goes to.

The test database has no replica, so these tests give the router a replica alias and look at
its decisions (a view that ran queries on the alias would fail: there is no such server)."""

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse
from django.test import RequestFactory

from tests.factories import UserFactory
from tracker.api.authentication import HashedTokenAuthentication
from tracker.models import Incident
from tracker.models.auth import ApiToken
from tracker.replicas import PIN_COOKIE, ReplicaPinMiddleware, ReplicaRouter

router = ReplicaRouter()


@pytest.fixture
def with_replica(settings):
    settings.TRACKER_REPLICAS = ["replica1"]
    settings.TRACKER_REPLICA_PIN_SECONDS = 10


def serve(request, status: int = 200) -> tuple[HttpResponse, dict]:
    """Run `request` through the middleware; the view records where its reads would go."""
    seen = {}

    def view(request):
        seen.update(
            incident=router.db_for_read(Incident),
            user=router.db_for_read(get_user_model()),
            token=router.db_for_read(ApiToken),
        )
        return HttpResponse(status=status)

    return ReplicaPinMiddleware(view)(request), seen


def test_without_replicas_everything_is_the_primary(db):
    response, seen = serve(RequestFactory().post("/api/v1/incidents/"))
    assert seen == {"incident": "default", "user": "default", "token": "default"}
    assert PIN_COOKIE not in response.cookies
    assert router.db_for_write(Incident) == "default"


def test_reads_go_to_the_replica_except_accounts_and_tokens(with_replica, db):
    response, seen = serve(RequestFactory().get("/api/v1/incidents/"))
    assert seen == {"incident": "replica1", "user": "default", "token": "default"}
    assert PIN_COOKIE not in response.cookies
    assert router.db_for_write(Incident) == "default"
    assert (router.allow_migrate("default", "tracker"), router.allow_migrate("replica1", "tracker")) == (True, False)


def test_a_write_reads_the_primary_and_pins_its_client(with_replica, db):
    user = UserFactory()
    request = RequestFactory().patch("/api/v1/incidents/1/")
    request.user = user
    response, seen = serve(request)
    assert seen["incident"] == "default"
    cookie = response.cookies[PIN_COOKIE]
    assert (cookie.value, cookie["max-age"], cookie["httponly"]) == ("1", 10, True)
    # The same browser's next read: the primary.
    follow = RequestFactory().get("/api/v1/incidents/1/")
    follow.COOKIES[PIN_COOKIE] = "1"
    assert serve(follow)[1]["incident"] == "default"
    # Another client: the replica.
    assert serve(RequestFactory().get("/api/v1/incidents/1/"))[1]["incident"] == "replica1"


def test_a_refused_write_pins_nothing(with_replica, db):
    request = RequestFactory().post("/api/v1/incidents/")
    request.user = UserFactory()
    response, seen = serve(request, status=400)
    assert seen["incident"] == "default" and PIN_COOKIE not in response.cookies


def test_a_token_client_reads_its_own_writes(with_replica, db):
    user = UserFactory()
    _, key = ApiToken.issue(user=user)

    def read_with_token():
        seen = {}

        def view(request):
            HashedTokenAuthentication().authenticate_credentials(key)
            seen["incident"] = router.db_for_read(Incident)
            return HttpResponse()

        ReplicaPinMiddleware(view)(RequestFactory().get("/api/v1/incidents/"))
        return seen["incident"]

    assert read_with_token() == "replica1"
    write = RequestFactory().post("/api/v1/incidents/")
    write.user = user  # as DRF sets it on the request once the token is authenticated
    serve(write, status=201)
    assert read_with_token() == "default"  # marked in the shared cache for the pin time
