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
    values = [value for value, _label in CODEBOOK[name]["terms"].values()]
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
