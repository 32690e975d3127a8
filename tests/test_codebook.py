"""The codebook (tracker/codebook.toml) is the vocabularies' one home: what it says is what the
models store, the filters accept and the API's schema lists."""

import re

import pytest
from django.apps import apps
from django.db import models

from tracker import choices
from tracker.choices import CODEBOOK, PartyRole, Reason, Verdict


def test_every_codebook_vocabulary_is_exposed_as_choices_and_documented():
    exposed = {name for name, value in vars(choices).items() if isinstance(value, type) and issubclass(value, models.TextChoices)}
    assert exposed - {"TextChoices"} == set(CODEBOOK)
    for name, entry in CODEBOOK.items():
        assert set(entry) == {"about", "terms"}, name
        assert entry["about"].strip() and entry["terms"], name
        assert getattr(choices, name).__doc__ == entry["about"]


def test_members_carry_the_codebooks_values_and_labels():
    assert Verdict.choices == [
        ("violation", "Violation"),
        ("possible", "Possible violation"),
        ("not_violation", "Not a violation"),
    ]
    assert PartyRole.EXEMPT.label == "Exempt (excluded by the terms)"
    assert Reason("by_origin") is Reason.BY_ORIGIN
    assert Verdict.VIOLATION == "violation" and isinstance(Verdict.VIOLATION, str)


@pytest.mark.parametrize("name", sorted(CODEBOOK))
def test_values_are_unique_and_snake_case_within_a_vocabulary(name):
    values = [term[0] for term in CODEBOOK[name]["terms"].values()]
    assert len(values) == len(set(values))
    # Reliability keeps the Admiralty scale's own letters; the automatic syndication decision is "".
    pattern = r"[A-F]" if name == "Reliability" else r"|[a-z][a-z0-9_]*"
    assert all(re.fullmatch(pattern, value) for value in values), values


def test_every_model_field_with_choices_uses_a_codebook_vocabulary():
    vocabularies = {tuple(getattr(choices, name).choices) for name in CODEBOOK}
    for model in apps.get_app_config("tracker").get_models():
        for field in model._meta.fields:
            if field.choices and not model.__name__.startswith("Historical"):
                assert tuple(field.choices) in vocabularies, f"{model.__name__}.{field.name}"


# --- served: /api/v1/codebook/, README's tables, the admin's link ---------------------------------

from pathlib import Path  # noqa: E402

from django.test import override_settings  # noqa: E402

from tracker.domain.verdicts import RULES_VERSION  # noqa: E402
from tracker.management.commands.codebook import replaced  # noqa: E402
from tracker.selectors.codebook import markdown  # noqa: E402

README = Path(__file__).resolve().parent.parent / "README.md"


@pytest.mark.django_db
@override_settings(TRACKER_PUBLIC_READ=False, TRACKER_OVERLAP_THRESHOLD=0.8)
def test_the_codebook_endpoint_serves_every_vocabulary_and_the_rules_in_force(api):
    response = api.get("/api/v1/codebook/")  # anonymous, on a private deployment: it holds no data
    assert response.status_code == 200
    body = response.json()
    assert body["rules"]["version"] == RULES_VERSION
    assert body["rules"]["parameters"]["overlap_threshold"] == 0.8  # in force here, not the default
    assert [v["name"] for v in body["vocabularies"]] == list(CODEBOOK)
    served = {v["name"]: v for v in body["vocabularies"]}
    assert [(t["value"], t["label"]) for t in served["Verdict"]["terms"]] == Verdict.choices
    assert served["Verdict"]["used_by"][:2] == ["Assessment.verdict", "Assessment.override_verdict"]
    assert "Incident.kind" in served["IncidentKind"]["used_by"]
    possible = next(t for t in served["Verdict"]["terms"] if t["value"] == "possible")
    assert possible["definition"].startswith("No condition fails, but one is uncertain")
    assert all(t["definition"] for name in ("Verdict", "Reason", "PartyRole", "TimePrecision") for t in served[name]["terms"])
    assert all(v["used_by"] for v in body["vocabularies"]), "a vocabulary no field uses"


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_the_codebook_is_read_only(client_for, method):
    response = getattr(client_for("curator"), method)("/api/v1/codebook/", {}, format="json")
    assert response.status_code == 405


def test_readmes_tables_are_the_codebooks():
    text = README.read_text(encoding="utf-8")
    assert replaced(text, markdown()) == text, "README's codebook tables drifted: run manage.py codebook --readme README.md"
    assert "| `possible` | Possible violation | No condition fails, but one is uncertain" in text


def test_the_command_rewrites_only_between_the_markers(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(
        "# Title\n<!-- codebook:start (manage.py codebook --readme README.md) -->\nSTALE\n<!-- codebook:end -->\nTail\n"
    )
    from django.core.management import call_command

    call_command("codebook", readme=str(readme), stdout=__import__("io").StringIO())
    text = readme.read_text()
    assert text.startswith("# Title\n<!-- codebook:start") and text.endswith("<!-- codebook:end -->\nTail\n")
    assert "STALE" not in text and "**Verdict** — " in text


@pytest.mark.django_db
def test_the_admin_home_links_to_the_codebook(client_for):
    from django.test import Client

    from tests.factories import UserFactory

    client = Client()
    client.force_login(UserFactory(username="curator-home", roles=["curator"]))
    assert b'href="/api/v1/codebook/"' in client.get("/admin/").content
