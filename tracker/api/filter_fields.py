"""Form fields and filters for query parameters that django-filter does not parse strictly
enough: offset-aware instants, bounding boxes, points, country codes, existing ids."""

import math
from datetime import UTC, date, datetime, time

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django_filters.fields import BaseCSVField
from drf_spectacular.utils import extend_schema_field

from tracker.countries import ISO_3166_ALPHA2
from tracker.instants import to_utc


class InstantField(forms.Field):
    """An ISO 8601 date (midnight UTC) or a datetime with a UTC offset; returns aware UTC."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = value.strip()
        try:
            if len(text) == 10:
                return to_utc(datetime.combine(date.fromisoformat(text), time(0), tzinfo=UTC))
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise ValidationError(
                "Enter an ISO 8601 date (2020-01-12) or datetime with offset (2020-01-12T00:01:00+03:00).", code="invalid"
            ) from None
        if parsed.tzinfo is None:
            raise ValidationError(
                "Include a UTC offset (2020-01-12T00:01:00+03:00 or ...Z); a time without one is ambiguous.", code="naive"
            )
        return to_utc(parsed)


class InstantFilter(django_filters.Filter):
    field_class = InstantField


def _floats(text: str, count: int, what: str) -> list[float]:
    parts = text.split(",")
    if len(parts) != count:
        raise ValidationError(f"Expected {count} comma-separated numbers ({what}); got {len(parts)}.", code="invalid")
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        raise ValidationError(f"Expected {count} comma-separated numbers ({what}).", code="invalid") from None
    if not all(math.isfinite(n) for n in numbers):
        raise ValidationError("Numbers must be finite.", code="invalid")
    return numbers


def _check_lat_lon(lat: float, lon: float) -> None:
    if not -90 <= lat <= 90:
        raise ValidationError(f"Latitude {lat} is out of range (-90 to 90).", code="invalid")
    if not -180 <= lon <= 180:
        raise ValidationError(f"Longitude {lon} is out of range (-180 to 180).", code="invalid")


class BBoxField(forms.CharField):
    """`min_lon,min_lat,max_lon,max_lat` (WGS 84), as GeoJSON orders a bbox."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        min_lon, min_lat, max_lon, max_lat = _floats(value, 4, "min_lon,min_lat,max_lon,max_lat")
        _check_lat_lon(min_lat, min_lon)
        _check_lat_lon(max_lat, max_lon)
        if min_lat > max_lat:
            raise ValidationError("min_lat must not exceed max_lat.", code="invalid")
        if min_lon > max_lon:
            raise ValidationError(
                "min_lon must not exceed max_lon (boxes across the antimeridian are not supported).", code="invalid"
            )
        return (min_lon, min_lat, max_lon, max_lat)


class PointField(forms.CharField):
    """`lat,lon` (WGS 84)."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        lat, lon = _floats(value, 2, "lat,lon")
        _check_lat_lon(lat, lon)
        return (lat, lon)


class CountryField(forms.CharField):
    """ISO 3166-1 alpha-2, case-insensitive on input."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        code = value.strip().upper()
        if code not in ISO_3166_ALPHA2:
            # The value goes in as a parameter: django-filter %-formats messages, and a '%' typed
            # by the client must not break that (it was a 500).
            raise ValidationError(
                "'%(value)s' is not an ISO 3166-1 alpha-2 country code (e.g. SY).", code="invalid", params={"value": value[:20]}
            )
        return code


class IdFilter(django_filters.ModelChoiceFilter):
    """A filter by the id of an existing row (see `existing`)."""


def existing(model, *, method: str | None = None, help_text: str = "", **kwargs) -> IdFilter:
    """A filter by the id of an existing `model` row: an unknown or non-numeric id is a 400
    naming the parameter, never an empty result that looks like an answer. For incidents (and
    what hangs off them) "existing" means visible to the requesting user: an id they may not
    see gets the same 400 as one that never existed, so hidden ids cannot be probed."""
    name = model._meta.verbose_name
    help_text = help_text or f"Id of a {name}."
    # drf-spectacular takes an overridden filter's type and description from the override, so
    # each id filter gets its own documented integer schema.
    documented = extend_schema_field({"type": "integer", "description": help_text})(type("IdFilter", (IdFilter,), {}))
    queryset = model._default_manager.all()
    # Narrowed per request (TrackerFilterSet.form): the form class, and the queryset in it, are
    # shared by every request.
    documented.per_user = hasattr(queryset, "visible_to")
    return documented(
        queryset=queryset,
        method=method,
        help_text=help_text,
        error_messages={"invalid_choice": f"No {name} with id '%(value)s'."},
        **kwargs,
    )


class BBoxFilter(django_filters.CharFilter):
    field_class = BBoxField


class PointFilter(django_filters.CharFilter):
    field_class = PointField


class CountryFilter(django_filters.CharFilter):
    field_class = CountryField


class StrictBooleanField(forms.Field):
    """true/false (also 1/0, yes/no); anything else is an error, not "no filter"."""

    TRUE, FALSE = {"true", "1", "yes"}, {"false", "0", "no"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError("Enter true or false.", code="invalid")


@extend_schema_field({"type": "boolean"})
class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


class BoundedNumberFilter(django_filters.NumberFilter):
    """A number whose own max_value is the only upper bound named in an error (django-filter
    adds a second, "less than or equal to 1e+50", to every NumberFilter)."""

    def get_max_validator(self):
        return None


class IntegerFilter(django_filters.NumberFilter):
    """A whole number: "1.5" is a 400, not rounded."""

    field_class = forms.IntegerField


class ChoicesFilter(django_filters.MultipleChoiceFilter):
    """A repeatable choice (`kind=airstrike&kind=drone_strike`) without django-filter's default
    `SELECT DISTINCT`: our filters never join to many rows (related conditions are subqueries),
    and DISTINCT over a list's columns made PostgreSQL sort every match instead of reading the
    first page off an index (38 ms instead of 1 ms on 100,000 incidents)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("distinct", False)
        super().__init__(*args, **kwargs)


def one_of(vocabulary, field_name: str, help_text: str = "", *, method: str | None = None) -> ChoicesFilter:
    """A repeatable filter by terms of a codebook vocabulary (`kind=airstrike&kind=drone_strike`):
    a term the vocabulary lacks is a 400 naming the parameter."""
    return ChoicesFilter(
        field_name=field_name, method=method, choices=vocabulary.choices, help_text=f"Repeatable. {help_text}".strip()
    )


class _OrderingTermsField(BaseCSVField):
    """The `ordering` terms: each one named (`a,,b` is a 400, not `a,b`) and each field once
    (`a,-a` would silently order by the first)."""

    def clean(self, value):
        terms = super().clean(value)
        if not terms:
            return terms
        if any(term in self.empty_values for term in terms):
            raise ValidationError("An empty ordering term: name a field between the commas.", code="empty")
        seen = set()
        for term in terms:
            name = term.removeprefix("-")
            if name in seen:
                raise ValidationError(f"'{name}' is ordered by twice.", code="repeated")
            seen.add(name)
        return terms


class StableOrderingFilter(django_filters.OrderingFilter):
    """OrderingFilter that appends the primary key, so pages never overlap or skip rows."""

    base_field_class = _OrderingTermsField

    def filter(self, qs, value):
        qs = super().filter(qs, value)
        if value:
            last = self.get_ordering_value(value[-1])
            qs = qs.order_by(*qs.query.order_by, "-pk" if last.startswith("-") else "pk")
        return qs


def ordering_by(*fields: str) -> StableOrderingFilter:
    """`ordering` over these fields, as named, and `updated_at` (what changed last)."""
    return StableOrderingFilter(fields=tuple((name, name) for name in (*fields, "updated_at")))


def free_text(field_name: str, help_text: str) -> django_filters.CharFilter:
    """`q`: free text (at most 200 characters), matched by the FilterSet's own `filter_q`."""
    return django_filters.CharFilter(field_name=field_name, method="filter_q", max_length=200, help_text=help_text)
