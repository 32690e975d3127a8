"""Production settings, login brute-force protection, throttles, CORS and request limits."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent
PRODUCTION = {
    "DJANGO_ENV": "production",
    "DJANGO_SECRET_KEY": "x7Jq-3vN_s9LkP2wR8tY5uE1iO4aZ6cV0bM-hG7fD2sA9qW3eR5tY8uI1oP4",
    "DJANGO_ALLOWED_HOSTS": "tracker.example.org",
}


def manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TRACKER_"))}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_the_deploy_check():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_collectstatic_with_the_production_manifest_storage(tmp_path):
    """The hostile review's finding: collectstatic failed on leaflet.js's source map, no manifest
    was written, and every page with static files answered 500 under gunicorn."""
    result = manage("collectstatic", "--noinput", "-v0", **PRODUCTION, DJANGO_STATIC_ROOT=str(tmp_path))
    assert result.returncode == 0, result.stderr
    manifest = json.loads((tmp_path / "staticfiles.json").read_text())["paths"]
    for name in ("tracker/vendor/leaflet/leaflet.js", "tracker/admin/maps.js", "admin/css/base.css"):
        assert (tmp_path / manifest[name]).is_file(), name
    hashed = (tmp_path / manifest["tracker/vendor/leaflet/leaflet.js"]).read_text()
    assert hashed.rstrip().endswith(f"sourceMappingURL={Path(manifest['tracker/vendor/leaflet/leaflet.js.map']).name}")


@pytest.mark.parametrize(
    ("missing", "message"),
    [
        ("DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is false (DJANGO_ENV=production)"),
        ("DJANGO_ALLOWED_HOSTS", "DJANGO_ALLOWED_HOSTS must list the host names the tracker is served under"),
    ],
)
def test_production_refuses_to_start_without(missing, message):
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = manage("check", **env)
    assert result.returncode != 0
    assert message in result.stderr


def test_production_refuses_debug_and_unknown_environments():
    assert "DJANGO_DEBUG must not be true" in manage("check", **PRODUCTION, DJANGO_DEBUG="true").stderr
    assert "DJANGO_ENV must be 'development' or 'production'" in manage("check", DJANGO_ENV="prod").stderr


def test_admin_login_locks_out_after_five_failures_with_a_cool_off(client, settings):
    UserFactory(username="curator")
    login = reverse("admin:login")
    for _ in range(5):
        page = client.post(login, {"username": "curator", "password": "wrong", "next": "/admin/"})
        assert page.status_code in (200, 429)
    locked = client.post(login, {"username": "curator", "password": "pw-for-tests-1", "next": "/admin/"})
    assert locked.status_code == 429
    assert "Account locked" in locked.content.decode()
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    # Another address may still log in as the same user.
    other = client.post(login, {"username": "curator", "password": "pw-for-tests-1"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


@pytest.mark.parametrize(("role", "allowed"), [("anonymous", 3), ("curator", 4), ("ingest", 5)])
def test_throttles_per_scope_answer_429_with_retry_after(client_for, settings, role, allowed):
    rates = {"anon": "3/min", "user": "4/min", "ingest": "5/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    client = client_for(role)
    statuses = [client.get("/api/v1/parties/").status_code for _ in range(allowed + 1)]
    assert statuses == [200] * allowed + [429]
    refused = client.get("/api/v1/parties/")
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert refused.json()["detail"].startswith("Request was throttled. Expected available in")


def test_a_scope_throttled_off_is_not_limited(client_for, settings):
    rates = {"anon": "off", "user": "2/min", "ingest": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    anonymous, curator = client_for("anonymous"), client_for("curator")
    assert {anonymous.get("/api/v1/parties/").status_code for _ in range(5)} == {200}
    assert [curator.get("/api/v1/parties/").status_code for _ in range(3)] == [200, 200, 429]


def test_a_forged_x_forwarded_for_gets_no_fresh_throttle_bucket(api, settings):
    """The hostile review's finding: 150 requests with a random X-Forwarded-For all got 200."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "3/min"}}
    statuses = [api.get("/api/v1/parties/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code for n in range(6)]
    assert statuses == [200, 200, 200, 429, 429, 429]


def test_behind_trusted_proxies_the_client_is_what_the_outer_proxy_saw(api, settings):
    settings.TRACKER_PROXY_COUNT = 2
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "2/min"}}

    def get(forwarded):
        return api.get("/api/v1/parties/", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR="10.0.0.2").status_code

    # Whatever the client puts left of the proxies' entries, it is the same client (198.51.100.7).
    assert [get(f"{n}.1.1.1, 198.51.100.7, 10.0.0.1") for n in range(3)] == [200, 200, 429]
    # Another client behind the same proxies has its own bucket.
    assert get("198.51.100.8, 10.0.0.1") == 200


def test_client_address_rule():
    from django.test import RequestFactory, override_settings

    from tracker.proxies import client_address

    request = RequestFactory().get("/", HTTP_X_FORWARDED_FOR="1.1.1.1, 2.2.2.2, 3.3.3.3", REMOTE_ADDR="4.4.4.4")
    expected = {0: "4.4.4.4", 1: "3.3.3.3", 2: "2.2.2.2", 3: "1.1.1.1", 5: "1.1.1.1"}
    for count, address in expected.items():
        with override_settings(TRACKER_PROXY_COUNT=count):
            assert client_address(request) == address
    with override_settings(TRACKER_PROXY_COUNT=1):
        assert client_address(RequestFactory().get("/", REMOTE_ADDR="4.4.4.4")) == "4.4.4.4"


def test_login_lockout_uses_the_same_client_rule(client, settings):
    """django-axes asks tracker.proxies: a forged header does not reset the failure count."""
    UserFactory(username="curator")
    login = reverse("admin:login")
    for n in range(5):
        client.post(login, {"username": "curator", "password": "wrong"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
    locked = client.post(login, {"username": "curator", "password": "pw-for-tests-1"}, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert locked.status_code == 429


def test_request_logs_name_the_client_behind_the_proxies(api, settings, caplog):
    import logging

    from tracker.proxies import ClientAddressFilter

    settings.TRACKER_PROXY_COUNT = 1
    caplog.handler.addFilter(ClientAddressFilter())
    with caplog.at_level(logging.WARNING, logger="django.request"):
        api.get("/api/v1/no-such-thing/", HTTP_X_FORWARDED_FOR="198.51.100.7", REMOTE_ADDR="10.0.0.1")
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.client == "198.51.100.7"


def test_request_body_over_the_limit_is_413(client_for, settings):
    settings.TRACKER_MAX_BODY_BYTES = 1000
    response = client_for("curator").post("/api/v1/parties/", {"name": "x" * 2000, "kind": "state"}, format="json")
    assert response.status_code == 413
    assert response.json()["detail"].endswith("the limit is 1000 bytes.")


def test_too_many_values_for_one_filter_is_400(api):
    response = api.get("/api/v1/incidents/?" + "&".join(["kind=airstrike"] * 51))
    assert (response.status_code, response.json()) == (400, {"kind": ["At most 50 values may be given (51 were)."]})


def test_too_many_query_parameters_is_a_json_400(api):
    response = api.get("/api/v1/incidents/?" + "&".join(f"p{i}=1" for i in range(300)))
    assert response.status_code == 400
    assert "detail" in response.json()


def test_cors_is_off_by_default_and_allows_only_listed_origins(api, settings):
    assert "Access-Control-Allow-Origin" not in api.get("/api/v1/parties/", HTTP_ORIGIN="https://dash.example.org")
    settings.CORS_ALLOWED_ORIGINS = ["https://dash.example.org"]
    allowed = api.get("/api/v1/parties/", HTTP_ORIGIN="https://dash.example.org")
    assert allowed["Access-Control-Allow-Origin"] == "https://dash.example.org"
    assert "ETag" in allowed["Access-Control-Expose-Headers"]
    assert "Access-Control-Allow-Origin" not in api.get("/api/v1/parties/", HTTP_ORIGIN="https://evil.example.com")
    preflight = api.options(
        "/api/v1/incidents/1/",
        HTTP_ORIGIN="https://dash.example.org",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="PATCH",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="if-match, authorization",
    )
    assert "if-match" in preflight["Access-Control-Allow-Headers"]


def test_healthz_answers_without_auth_or_throttle(client, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"anon": "1/min"}}
    for _ in range(3):
        response = client.get("/healthz")
        assert (response.status_code, response.json()) == (200, {"status": "ok"})
