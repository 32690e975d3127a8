"""Who may do what: every endpoint × role × method, and refused requests change nothing."""

import pytest
from django.test import override_settings

from tests.api_cases import BY_ROUTE, RESOURCES
from tests.helpers import if_match

pytestmark = pytest.mark.django_db

CURATED = {"parties", "places", "sources", "reports", "incidents", "citations"}
INGEST = {"incidents", "citations", "reports"}
TRASHABLE = {"places", "reports", "incidents", "citations"}
ROLES = ["anonymous", "no_permission", "curator", "reviewer", "ingest", "read_only_token"]
OK = {"get": 200, "post": 201, "put": 200, "patch": 200, "delete": 204}


def expected(role: str, method: str, route: str) -> int:
    """The status the permission design promises for the resource endpoints."""
    ok = OK[method]
    if method == "get":
        return ok
    if role == "anonymous":
        return 401
    if role in ("no_permission", "read_only_token"):
        return 403
    if role == "curator":
        if method == "delete":
            return ok if route in TRASHABLE else 403
        return ok if route in CURATED else 403
    if role == "reviewer":
        return ok
    if role == "ingest":
        return ok if route in INGEST and method != "delete" else 403
    raise AssertionError(role)


def snapshot():
    """Every row of every tracker model with its version, trash state and history count."""
    from django.apps import apps

    state = {}
    for model in apps.get_app_config("tracker").get_models():
        manager = getattr(model, "all_objects", model._base_manager)
        fields = [f for f in ("pk", "version", "deleted_at") if f == "pk" or hasattr(model, f)]
        state[model._meta.label] = sorted(manager.values_list(*fields))
    return state


@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.route)
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete"])
def test_permission_matrix(resource, role, method, client_for):
    client = client_for(role)
    obj = resource.make()
    payload = resource.create() if method in ("post", "put") else None
    if method == "put" and hasattr(obj, "status"):
        payload["status"] = obj.status  # a status change is the review test's business
    before = snapshot()
    url = f"/api/v1/{resource.route}/{obj.pk}/"
    if method == "get":
        responses = [client.get(f"/api/v1/{resource.route}/"), client.get(url)]
    elif method == "post":
        responses = [client.post(f"/api/v1/{resource.route}/", payload, format="json")]
    elif method == "put":
        responses = [client.put(url, payload, format="json", **if_match(obj))]
    elif method == "patch":
        responses = [client.patch(url, resource.patch, format="json", **if_match(obj))]
    else:
        responses = [client.delete(url, **if_match(obj))]
    want = expected(role, method, resource.route)
    for response in responses:
        assert response.status_code == want, response.content
        if want >= 400:
            assert "detail" in response.json()  # a JSON body that says why
    if want >= 400:
        assert snapshot() == before, "a refused request changed data"


def _extra_expected(role: str, endpoint: str, route: str) -> int:
    """History, trash, restore, purge, verdict overrides, violations and compliance."""
    if endpoint in ("violations", "compliance", "assessment-get", "export", "aggregate"):
        return 200
    if endpoint in ("export-post", "aggregate-post"):
        return {"anonymous": 401, "no_permission": 403, "read_only_token": 403}.get(role, 405)
    if role == "anonymous":
        return 401
    if role == "no_permission":
        return 403
    if endpoint == "history":
        return 200
    if endpoint == "trash":
        return 200 if role in ("curator", "reviewer", "read_only_token") else 403
    if endpoint == "restore":
        return 200 if role in ("curator", "reviewer") else 403
    if endpoint in ("purge", "assessment-patch"):
        return {"reviewer": 204 if endpoint == "purge" else 200}.get(role, 403)
    if endpoint in ("assessment-post", "assessment-delete"):
        return 403  # nobody has add/delete_assessment: verdicts are computed
    if endpoint == "assessment-put":
        return 405 if role == "reviewer" else 403  # overrides are PATCHed
    raise AssertionError(endpoint)


def _extra_cases():
    cases = [(r.route, "history") for r in RESOURCES] + [("assessments", "history")]
    cases += [(route, e) for route in sorted(TRASHABLE) for e in ("trash", "restore", "purge")]
    cases += [
        ("assessments", e)
        for e in ("assessment-get", "assessment-patch", "assessment-post", "assessment-put", "assessment-delete")
    ]
    cases += [("ceasefires", "violations"), ("ceasefires", "compliance"), ("incidents", "export"), ("incidents", "export-post")]
    cases += [("incidents", "aggregate"), ("incidents", "aggregate-post")]
    return cases


@pytest.mark.parametrize(("route", "endpoint"), _extra_cases(), ids=lambda v: v)
@pytest.mark.parametrize("role", ROLES)
def test_permission_matrix_of_the_other_endpoints(route, endpoint, role, client_for):
    from tests.factories import AssessmentFactory, CeasefireFactory

    client = client_for(role)
    if route == "assessments":
        obj = AssessmentFactory()
    elif endpoint in ("violations", "compliance"):
        obj = CeasefireFactory()
    else:
        obj = BY_ROUTE[route].make()
    if endpoint in ("restore", "purge"):
        from tracker.services.common import delete

        delete(obj, user=None)
    before = snapshot()
    url = f"/api/v1/{route}/{obj.pk}/"
    response = {
        "history": lambda: client.get(url + "history/"),
        "trash": lambda: client.get(f"/api/v1/{route}/trash/"),
        "restore": lambda: client.post(url + "restore/"),
        "purge": lambda: client.delete(url + "purge/", **if_match(obj)),
        "assessment-get": lambda: client.get(url),
        "assessment-patch": lambda: client.patch(
            url, {"override_verdict": "possible", "override_reason": "Checked."}, format="json", **if_match(obj)
        ),
        "assessment-post": lambda: client.post(f"/api/v1/{route}/", {}, format="json"),
        "assessment-put": lambda: client.put(url, {"override_verdict": "possible"}, format="json", **if_match(obj)),
        "assessment-delete": lambda: client.delete(url, **if_match(obj)),
        "violations": lambda: client.get(f"/api/v1/ceasefires/{obj.pk}/violations/"),
        "compliance": lambda: client.get(f"/api/v1/ceasefires/{obj.pk}/compliance/"),
        "export": lambda: client.get("/api/v1/incidents/export/?format=csv"),
        "export-post": lambda: client.post("/api/v1/incidents/export/", {}, format="json"),
        "aggregate": lambda: client.get("/api/v1/incidents/aggregate/?group_by=kind"),
        "aggregate-post": lambda: client.post("/api/v1/incidents/aggregate/?group_by=kind", {}, format="json"),
    }[endpoint]()
    want = _extra_expected(role, endpoint, route)
    assert response.status_code == want, response.content
    if want >= 400:
        assert "detail" in response.json()
        assert snapshot() == before, "a refused request changed data"


@override_settings(TRACKER_PUBLIC_READ=False)
@pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.route)
@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("no_permission", 403), ("curator", 200), ("ingest", 200)])
def test_private_read_needs_view_permission(resource, role, status, client_for):
    obj = resource.make()
    client = client_for(role)
    assert client.get(f"/api/v1/{resource.route}/").status_code == status
    assert client.get(f"/api/v1/{resource.route}/{obj.pk}/").status_code == status


@override_settings(TRACKER_PUBLIC_READ=False)
@pytest.mark.parametrize(("role", "status"), [("anonymous", 401), ("no_permission", 403), ("curator", 200), ("ingest", 200)])
def test_private_read_covers_verdicts_violations_and_compliance(role, status, client_for):
    from tests.factories import AssessmentFactory

    assessment = AssessmentFactory()
    client = client_for(role)
    ceasefire = assessment.ceasefire_id
    for path in (
        "/api/v1/assessments/",
        f"/api/v1/assessments/{assessment.pk}/",
        f"/api/v1/ceasefires/{ceasefire}/violations/",
        f"/api/v1/ceasefires/{ceasefire}/compliance/",
        "/api/v1/incidents/export/?format=csv",
        "/api/v1/incidents/aggregate/?group_by=kind",
    ):
        assert client.get(path).status_code == status, path


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


# Subscriptions are their owner's (tracker.api.permissions.OwnSubscriptions): every signed-in
# account may hold and change its own — another's is a 404, as if it did not exist; a read-only
# token may only read them; the anonymous are asked to sign in.
SUBSCRIPTION_ENDPOINTS = {
    # endpoint: (method, path after /api/v1/subscriptions/, body, status for the owner)
    "list": ("get", "", None, 200),
    "get": ("get", "{id}/", None, 200),
    "post": ("post", "", {"name": "n", "target_url": "https://hooks.example.org/x", "events": ["incident.created"]}, 201),
    "put": ("put", "{id}/", {"name": "n", "target_url": "https://hooks.example.org/y", "events": ["incident.changed"]}, 200),
    "patch": ("patch", "{id}/", {"active": False}, 200),
    "delete": ("delete", "{id}/", None, 204),
    "rotate-secret": ("post", "{id}/rotate-secret/", {}, 200),
    "deliveries": ("get", "{id}/deliveries/", None, 200),
    "delivery": ("get", "{id}/deliveries/{delivery}/", None, 200),
    "redeliver": ("post", "{id}/deliveries/{delivery}/redeliver/", None, 202),
    "trash": ("get", "trash/", None, 200),
    "restore": ("post", "{trashed}/restore/", None, 200),
    "purge": ("delete", "{trashed}/purge/", None, 404),  # not through the API: a superuser's, in the admin
}


def _subscription_expected(role: str, endpoint: str, owned: bool) -> int:
    method, path, _, ok = SUBSCRIPTION_ENDPOINTS[endpoint]
    if endpoint == "purge":
        return 404  # no such route, for anyone
    if role == "anonymous":
        return 401
    if role == "read_only_token" and method != "get":
        return 403
    if not owned and "{" in path:
        return 404
    return ok


@pytest.mark.parametrize("endpoint", list(SUBSCRIPTION_ENDPOINTS))
@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("owned", [True, False], ids=["own", "another's"])
def test_permission_matrix_of_subscriptions(endpoint, role, owned, client_for, user_for, settings):
    from tests.factories import DeliveryFactory, SubscriptionFactory, UserFactory
    from tracker.services.common import delete

    settings.TRACKER_WEBHOOK_ALLOW_PRIVATE = False
    client = client_for(role)
    owner = client.user if owned and client.user is not None else UserFactory(username="someone-else")
    subscription = SubscriptionFactory(owner=owner)
    delivery = DeliveryFactory(subscription=subscription)
    trashed = SubscriptionFactory(owner=owner)
    delete(trashed, user=None)
    method, path, body, _ = SUBSCRIPTION_ENDPOINTS[endpoint]
    url = "/api/v1/subscriptions/" + path.format(id=subscription.pk, delivery=delivery.pk, trashed=trashed.pk)
    headers = if_match(trashed if "{trashed}" in path else subscription) if method in ("put", "patch", "delete") else {}
    before = snapshot()
    response = getattr(client, method)(url, body, format="json", **headers)
    want = _subscription_expected(role, endpoint, owned)
    assert response.status_code == want, response.content
    if want >= 400:
        assert "detail" in response.json()
        assert snapshot() == before, "a refused request changed data"


@override_settings(TRACKER_PUBLIC_READ=False)
@pytest.mark.parametrize(("role", "status"), [("no_permission", 403), ("curator", 201), ("ingest", 201)])
def test_without_public_read_only_those_who_may_read_incidents_subscribe(role, status, client_for):
    response = client_for(role).post(
        "/api/v1/subscriptions/",
        {"name": "n", "target_url": "https://hooks.example.org/x", "events": ["incident.created"]},
        format="json",
    )
    assert response.status_code == status, response.content
    if status == 403:
        assert response.json() == {"detail": "Subscriptions deliver incidents, which this account may not read."}
