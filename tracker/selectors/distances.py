"""Distances in SQL: the great-circle distance of tracker.domain.geo as a query expression."""

from django.db.models import F, FloatField, Func, Value
from django.db.models.expressions import CombinedExpression
from django.db.models.functions import ASin, Cos, Least, Power, Radians, Sin, Sqrt

from tracker.domain.geo import EARTH_RADIUS_KM


def haversine_expression(lat_field: str, lon_field: str, lat: float, lon: float) -> Func | CombinedExpression:
    """SQL expression for the distance in km from (lat, lon) to the row's point; portable
    across SQLite (Django registers the math functions) and PostgreSQL."""
    dlat = Radians(F(lat_field) - Value(lat)) / Value(2.0)
    dlon = Radians(F(lon_field) - Value(lon)) / Value(2.0)
    a = Power(Sin(dlat), 2) + Cos(Radians(Value(lat))) * Cos(Radians(F(lat_field))) * Power(Sin(dlon), 2)
    return Value(2 * EARTH_RADIUS_KM) * ASin(Least(Value(1.0), Sqrt(a), output_field=FloatField()))
