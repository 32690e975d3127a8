"""Flat and geographic shapes of API items: CSV rows, GeoJSON features, NDJSON lines.

CSV columns come from the serializer, not from the data, so a header is the same whatever a
page holds (even an empty one): a brief related object becomes one column per field
(`place.id`, `place.name`...), a list of scalars one `;`-separated cell, a list of objects one
cell of compact JSON.
"""

import csv
import io
from collections.abc import Iterable

from rest_framework import serializers

from tracker.csv_cells import neutralise
from tracker.representation.encoding import dumps_text as dumps
from tracker.representation.fields import BriefRelatedField


def columns(serializer: serializers.Serializer) -> list[tuple[str, tuple[str, ...]]]:
    """(header, path into the item) for each column of the serializer's flat form."""
    found = []
    for name, field in serializer.fields.items():
        nested = None
        if isinstance(field, BriefRelatedField):
            nested = field.brief_serializer()
        elif isinstance(field, serializers.Serializer) and not isinstance(field, serializers.ListSerializer):
            nested = field
        if nested is not None:
            found += [(f"{name}.{sub}", (name, sub)) for sub in nested.fields]
        else:
            found.append((name, (name,)))
    return found


def columns_of_data(item: dict) -> list[tuple[str, tuple[str, ...]]]:
    """Columns read off an item, for responses without a serializer to describe them."""
    found = []
    for name, value in item.items():
        if isinstance(value, dict):
            found += [(f"{name}.{sub}", (name, sub)) for sub in value]
        else:
            found.append((name, (name,)))
    return found


def cell(value) -> str:
    """One CSV cell: numbers as numbers, text neutralised for spreadsheets (tracker.csv_cells)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list):
        if all(not isinstance(v, dict | list) for v in value):
            return neutralise(";".join(_plain(v) for v in value))
        return dumps(value)
    if isinstance(value, dict):
        return dumps(value)
    return neutralise(str(value))


def _plain(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def flat_row(item: dict, cols) -> list[str]:
    row = []
    for _, path in cols:
        value = item
        for key in path:
            value = value.get(key) if isinstance(value, dict) else None
        row.append(cell(value))
    return row


def csv_text(rows: Iterable[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def geometry(item: dict) -> dict | None:
    """An item's GeoJSON geometry (lon, lat order, RFC 7946): a place's own geometry when it
    has one, else its point; an incident's exact point, else its place's point."""
    if item.get("geometry"):
        return item["geometry"]
    for holder in (item, item.get("place") if isinstance(item.get("place"), dict) else None):
        if holder and holder.get("latitude") is not None and holder.get("longitude") is not None:
            return {"type": "Point", "coordinates": [holder["longitude"], holder["latitude"]]}
    return None


def feature(item: dict) -> dict:
    properties = {k: v for k, v in item.items() if k != "geometry"}
    identified = {"id": item["id"]} if item.get("id") is not None else {}  # an aggregate's group has none
    return {"type": "Feature", **identified, "geometry": geometry(item), "properties": properties}


def feature_json(item: dict) -> str:
    return dumps(feature(item))


def ndjson_line(item: dict) -> str:
    return dumps(item) + "\n"
