"""Field validators shared by models and the API."""

import json
import zoneinfo

from django.core.exceptions import ValidationError
from shapely.geometry import shape

from tracker.countries import ISO_3166_ALPHA2


def validate_country_code(value: str) -> None:
    """An ISO 3166-1 alpha-2 code in upper case (SY, TR, RU)."""
    if value and value not in ISO_3166_ALPHA2:
        raise ValidationError(
            "%(value)s is not an ISO 3166-1 alpha-2 country code (e.g. SY).",
            code="invalid_country",
            params={"value": value},
        )


def validate_timezone(value: str) -> None:
    """An IANA time zone name such as Asia/Damascus."""
    if not value:
        return
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "%(value)s is not an IANA time zone name (e.g. Asia/Damascus).",
            code="invalid_timezone",
            params={"value": value},
        ) from None


# JSON a client sends (API bodies, the admin's JSON fields) nests at most this deep: GeoJSON
# needs 6, an incident 3. Python's parser recurses once per level and raised RecursionError (a
# 500) on 100,000 '['; deep-but-parsable values would recurse again in later checks.
MAX_JSON_DEPTH = 32


def json_depth_error(depth_limit: int = MAX_JSON_DEPTH) -> ValidationError:
    return ValidationError(
        "JSON nested deeper than %(limit)s levels is not accepted.", code="too_deep", params={"limit": depth_limit}
    )


def check_json_depth(value, depth_limit: int = MAX_JSON_DEPTH) -> None:
    """Raise ValidationError if `value` (parsed JSON) nests deeper than `depth_limit`; walks
    iteratively, so it cannot itself run out of stack."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > depth_limit:
                raise json_depth_error(depth_limit)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))


def loads_json(text: str | bytes, **kwargs):
    """json.loads for client text: ValueError if malformed, ValidationError (code too_deep) if
    it nests too deep — never RecursionError."""
    try:
        value = json.loads(text, **kwargs)
    except RecursionError:
        raise json_depth_error() from None
    check_json_depth(value)
    return value


GEOMETRY_TYPES = {"Polygon", "MultiPolygon", "LineString", "MultiLineString", "Point", "MultiPoint"}


def validate_geojson_geometry(value) -> None:
    """A GeoJSON geometry object (not a Feature) that shapely accepts as valid, in lon/lat."""
    if value in (None, ""):
        return
    if isinstance(value, str):
        try:
            value = loads_json(value)
        except ValueError:
            raise ValidationError("Geometry is not valid JSON.", code="invalid_geometry") from None
    else:
        check_json_depth(value)
    if not isinstance(value, dict) or value.get("type") not in GEOMETRY_TYPES:
        raise ValidationError(
            "Geometry must be a GeoJSON geometry object with type one of: %(types)s.",
            code="invalid_geometry",
            params={"types": ", ".join(sorted(GEOMETRY_TYPES))},
        )
    try:
        geom = shape(value)
    except Exception as exc:  # shapely raises several types for malformed coordinates
        raise ValidationError(
            "Geometry coordinates are malformed: %(error)s.", code="invalid_geometry", params={"error": exc}
        ) from None
    if geom.is_empty:
        raise ValidationError("Geometry is empty.", code="invalid_geometry")
    if not geom.is_valid:
        from shapely.validation import explain_validity

        raise ValidationError(
            "Geometry is not valid: %(reason)s.",
            code="invalid_geometry",
            params={"reason": explain_validity(geom)},
        )
    min_lon, min_lat, max_lon, max_lat = geom.bounds
    if min_lon < -180 or max_lon > 180 or min_lat < -90 or max_lat > 90:
        raise ValidationError(
            "Geometry coordinates must be longitude/latitude (WGS 84) within range.",
            code="invalid_geometry",
        )
