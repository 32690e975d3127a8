"""Invalid states are impossible: model validation names the field, and the database refuses
the same states through named constraints when validation is bypassed."""

from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from tests.factories import CeasefireFactory, CitationFactory, IncidentFactory, PartyFactory, PlaceFactory, ReportFactory
from tracker.domain.names import normalize_name

pytestmark = pytest.mark.django_db


def errors_of(obj) -> dict:
    with pytest.raises(ValidationError) as exc:
        obj.full_clean()
    return exc.value.message_dict


@pytest.mark.parametrize(
    ("factory", "attrs", "field", "constraint"),
    [
        (PlaceFactory, {"latitude": 91.0}, "latitude", "place_latitude_range"),
        (PlaceFactory, {"longitude": -181.0}, "longitude", "place_longitude_range"),
        (IncidentFactory, {"latitude": -95.0, "longitude": 36.0}, "latitude", "incident_latitude_range"),
        (IncidentFactory, {"killed_low": 5, "killed_high": 2}, "killed_high", "incident_killed_low_le_high"),
        (IncidentFactory, {"injured_low": -1}, "injured_low", "incident_injured_low_nonneg"),
        (
            CitationFactory,
            {"children_killed_low": 3, "children_killed_high": 1},
            "children_killed_high",
            "citation_children_killed_low_le_high",
        ),
        (CeasefireFactory, {"ends_at": datetime(2020, 1, 1, tzinfo=UTC)}, "ends_at", "ceasefire_ends_after_start"),
    ],
)
def test_range_rules_at_both_layers(factory, attrs, field, constraint):
    obj = factory()
    for name, value in attrs.items():
        setattr(obj, name, value)
    assert field in errors_of(obj)
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        obj.save()


def test_report_url_is_unique_but_may_be_empty():
    first = ReportFactory(url="https://example.org/a")
    duplicate = ReportFactory.build(url="https://example.org/a", source=first.source)
    assert errors_of(duplicate) == {"url": ["A report with this URL already exists."]}
    ReportFactory(url="")
    ReportFactory(url="")  # several reports without URL are fine
    with pytest.raises(IntegrityError, match="report_url_unique|tracker_report.url"), transaction.atomic():
        duplicate.save()


def test_external_id_is_unique_per_external_source():
    IncidentFactory(external_source="acled", external_id="SYR1")
    IncidentFactory(external_source="ucdp", external_id="SYR1")
    clash = IncidentFactory.build(external_source="acled", external_id="SYR1", place=PlaceFactory())
    assert "external_id" in errors_of(clash)
    with (
        pytest.raises(IntegrityError, match="incident_external_id_unique|tracker_incident.external_source"),
        transaction.atomic(),
    ):
        clash.save()


def test_geojson_geometry_must_be_valid():
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    assert "Self-intersection" in errors_of(PlaceFactory.build(geometry=bowtie))["geometry"][0]
    assert "type one of" in errors_of(PlaceFactory.build(geometry={"type": "Feature"}))["geometry"][0]
    assert (
        "longitude/latitude" in errors_of(PlaceFactory.build(geometry={"type": "Point", "coordinates": [500, 10]}))["geometry"][0]
    )
    PlaceFactory.build(geometry={"type": "Polygon", "coordinates": [[[36, 35], [37, 35], [37, 36], [36, 35]]]}).full_clean()


def test_interval_precision_needs_an_end_after_start():
    incident = IncidentFactory.build(place=PlaceFactory(), time_precision="interval")
    assert errors_of(incident) == {"occurred_until": ["An interval needs an end."]}
    incident.occurred_until = incident.occurred_at
    assert errors_of(incident) == {"occurred_until": ["The end must be after the start."]}
    day = IncidentFactory.build(place=PlaceFactory(), time_precision="day", occurred_until=datetime(2020, 2, 1, tzinfo=UTC))
    assert "occurred_until" in errors_of(day)


def test_attribution_matches_perpetrator():
    assert "attribution" in errors_of(IncidentFactory.build(place=PlaceFactory(), attribution="alleged"))
    assert "attribution" in errors_of(
        IncidentFactory.build(place=PlaceFactory(), perpetrator=PartyFactory(), attribution="unknown")
    )
    with pytest.raises(IntegrityError, match="incident_attribution_needs_party"), transaction.atomic():
        IncidentFactory(attribution="alleged")


def test_hierarchy_cannot_loop():
    country = PlaceFactory(kind="country")
    town = PlaceFactory(parent=country)
    country.parent = town
    assert errors_of(country) == {"parent": ["A record cannot be its own parent or ancestor."]}


def test_place_inherits_country_and_time_zone():
    syria = PlaceFactory(kind="country", country_code="SY", timezone="Asia/Damascus")
    town = PlaceFactory.build(parent=syria, country_code="")
    town.full_clean()
    assert town.country_code == "SY"
    assert town.local_timezone() == "Asia/Damascus"
    assert "timezone" in errors_of(PlaceFactory.build(timezone="Mars/Olympus"))
    assert "country_code" in errors_of(PlaceFactory.build(country_code="XX"))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Ma'arrat al-Nu'man", "Maarrat al Numan"),
        ("MAARET AL-NUMAN", "maaret al numan"),
        ("Ma’rat Masrin", "Marat Masrin"),
        ("Türkiye", "turkiye"),
    ],
)
def test_name_keys_ignore_case_accents_and_marks(a, b):
    assert normalize_name(a) == normalize_name(b)


def test_check_constraints_evaluated_in_python_agree_with_the_database(db):
    """Writes validate CHECK constraints in Python (tracker.models.base); on random values of
    every constrained field, each verdict is the database's."""
    import random
    from datetime import UTC, datetime, timedelta

    from django.apps import apps
    from django.core.exceptions import ValidationError
    from django.db import models

    from tracker.models.base import _checked_in_python, _fields_of

    rng = random.Random(7)
    start = datetime(2020, 1, 12, tzinfo=UTC)

    def sample(field):
        if rng.random() < 0.25 and field.null:
            return None
        if isinstance(field, models.DateTimeField):
            return start + timedelta(hours=rng.randint(-48, 48))
        if isinstance(field, models.FloatField):
            return rng.choice([-200.0, -91.0, -90.0, 0.0, 45.5, 90.0, 95.0, 180.0, 181.0])
        if isinstance(field, models.IntegerField):
            return rng.choice([-1, 0, 1, 5, 17, 100])
        if isinstance(field, models.CharField) and field.choices:
            return rng.choice([value for value, _ in field.choices] + [""])
        if isinstance(field, models.CharField | models.TextField):
            return rng.choice(["", "x"])
        if isinstance(field, models.BooleanField):
            return rng.choice([True, False])
        if field.is_relation:
            return rng.choice([None, 1])
        raise AssertionError(field)

    compared = 0
    for model in apps.get_app_config("tracker").get_models():
        for constraint in model._meta.constraints:
            if not isinstance(constraint, models.CheckConstraint):
                continue
            names = _fields_of(constraint.condition)
            for _ in range(60):
                instance = model()
                for name in names:
                    field = model._meta.get_field(name)
                    setattr(instance, field.attname, sample(field))
                try:
                    in_python = _checked_in_python(constraint, instance, None) and "pass"
                except ValidationError:
                    in_python = "fail"
                try:
                    constraint.validate(model, instance)
                    in_database = "pass"
                except ValidationError:
                    in_database = "fail"
                assert in_python == in_database, (
                    constraint.name,
                    {n: getattr(instance, model._meta.get_field(n).attname) for n in names},
                )
                compared += 1
    assert compared > 1000


def test_unique_clash_found_live_or_in_the_trash_with_one_query(django_assert_num_queries):
    """One lookup per UNIQUE constraint tells a live clash from a trashed one; a partial
    constraint whose condition the record does not meet costs no query at all."""
    from tracker.services import common

    live = ReportFactory(url="https://example.org/live")
    trashed = ReportFactory(url="https://example.org/trashed")
    common.delete(trashed, user=None)

    def constraint_errors(report):
        try:
            report.validate_constraints()
        except ValidationError as error:
            return error.message_dict
        return {}

    with django_assert_num_queries(1):
        assert constraint_errors(ReportFactory.build(url=live.url, source=live.source)) == {
            "url": ["A report with this URL already exists."]
        }
    with django_assert_num_queries(1):
        assert constraint_errors(ReportFactory.build(url=trashed.url, source=live.source)) == {
            "url": ["A report with this URL already exists. It is in the trash: restore it instead."]
        }
    with django_assert_num_queries(0):
        assert constraint_errors(ReportFactory.build(url="", source=live.source)) == {}
    live.title = "Edited"
    with django_assert_num_queries(1):
        assert constraint_errors(live) == {}  # its own row is not a clash


def test_foreign_keys_checked_unless_the_target_was_read():
    """A bare id of a missing row is refused by field; a target instance read from the
    database is not looked up again."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    incident = IncidentFactory()
    bare = IncidentFactory.build(place=None, perpetrator=None, attribution="unknown")
    bare.place_id = 999_999
    assert errors_of(bare)["place"] == ["place instance with id 999999 is not a valid choice."]
    loaded = IncidentFactory.build(place=incident.place, perpetrator=None, attribution="unknown")
    with CaptureQueriesContext(connection) as queries:
        loaded.full_clean()
    assert not [q for q in queries if '"tracker_place"' in q["sql"]]


def test_ancestor_chain_in_one_query(django_assert_num_queries):
    from tracker.models import Place
    from tracker.models.hierarchy import chain_rows

    country = PlaceFactory(kind="country", timezone="Asia/Damascus")
    governorate = PlaceFactory(kind="governorate", parent=country)
    town = PlaceFactory(parent=governorate)
    with django_assert_num_queries(1):
        assert chain_rows(Place, town.pk, "timezone") == [(town.pk, ""), (governorate.pk, ""), (country.pk, "Asia/Damascus")]
    # A corrupted cycle (written around validation) still ends.
    Place.all_objects.filter(pk=country.pk).update(parent=town)
    assert len(chain_rows(Place, town.pk)) <= 34
