"""Management commands: roles, tokens, bootstrap (idempotent), and the OpenAPI schema."""

import io

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import CommandError

from tests.factories import UserFactory
from tests.helpers import external_assets
from tracker.models import ApiToken, Assessment, Incident, Place
from tracker.models.auth import hash_token

pytestmark = pytest.mark.django_db


def run(*args, **kwargs) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out, stderr=io.StringIO(), **kwargs)
    return out.getvalue()


def test_setup_roles_is_idempotent():
    run("setup_roles")
    first = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    assert "updated group curator" in run("setup_roles")
    again = {g.name: set(g.permissions.values_list("codename", flat=True)) for g in Group.objects.all()}
    assert first == again
    assert set(first) == {"curator", "reviewer", "ingest"}
    assert "review_incident" in first["reviewer"] and "review_incident" not in first["curator"]
    assert "change_ceasefire" in first["reviewer"] and "change_ceasefire" not in first["curator"]
    assert {"add_incident", "add_citation", "add_report"} <= first["ingest"] and "add_place" not in first["ingest"]


def test_issue_token_prints_the_key_last():
    UserFactory(username="feeder")
    key = run("issue_token", "feeder", "--read-only", "--expires-days", "30").strip().splitlines()[-1]
    token = ApiToken.objects.get()
    assert token.key_hash == hash_token(key) and token.read_only and token.expires_at is not None
    with pytest.raises(CommandError, match="No user named 'ghost'"):
        run("issue_token", "ghost")


def test_bootstrap_twice_loads_once(monkeypatch, settings):
    settings.DEBUG = True  # the development default password is only offered in DEBUG
    monkeypatch.delenv("DJANGO_SUPERUSER_USERNAME", raising=False)
    monkeypatch.delenv("DJANGO_SUPERUSER_PASSWORD", raising=False)
    first = run("bootstrap")
    assert "Installed 185 object(s)" in first and "username 'curator', password 'idlib-2020-demo'" in first
    counts = (Incident.objects.count(), Place.objects.count())
    second = run("bootstrap")
    assert "Data already present: fixture not loaded again." in second
    assert "Demo curator ready" in second
    assert (Incident.objects.count(), Place.objects.count()) == counts == (9, 23)
    assert "assessments: 10 created" in first and Assessment.objects.count() == 10


def test_bootstrap_takes_credentials_from_the_environment(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "amira")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "s3cret-enough-pass")
    run("bootstrap", "--fixture", "fixtures/idlib_2020.json")
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(username="amira")
    assert user.check_password("s3cret-enough-pass") and user.is_staff and user.groups.filter(name="curator").exists()


def test_bootstrap_refuses_a_default_password_in_production(monkeypatch, settings):
    settings.DEBUG = False
    for name in ("DJANGO_SUPERUSER_PASSWORD", "TRACKER_DEMO_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(CommandError, match="Set TRACKER_DEMO_PASSWORD"):
        run("bootstrap")


def test_openapi_schema_is_valid_without_warnings():
    schema = run("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json")
    assert '"/api/v1/incidents/"' in schema
    for parameter in ("kind", "bbox", "near", "radius_km", "place_name", "updated_since", "fatalities_min", "occurred_after"):
        assert f'"name": "{parameter}"' in schema
    assert '"IncidentKindEnum"' in schema and '"401"' in schema and '"409"' in schema


def test_list_endpoints_document_the_rows_they_serve():
    """Incident lists serve the list rows (tracker.representation.incident_rows): the violations of a
    ceasefire too, not the detail representation with claims."""
    import json

    paths = json.loads(run("spectacular", "--format", "openapi-json"))["paths"]
    for path in ("/api/v1/incidents/", "/api/v1/ceasefires/{id}/violations/"):
        body = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/PaginatedIncidentList"}, path


def test_swagger_ui_is_served_offline(client):
    page = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert external_assets(page) == []


@pytest.mark.django_db
def test_the_founding_fixture_loads_by_name():
    out = run("loaddata", "idlib_2020")
    assert "Installed 185 object(s) from 1 fixture(s)" in out
    assert Incident.objects.count() == 9
