"""One description per API resource: how to make an existing record, a valid create payload
and a valid partial update. Shared by the CRUD and permission-matrix tests."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests import factories as f


@dataclass
class Resource:
    route: str
    make: Callable[[], Any]
    create: Callable[[], dict]
    patch: dict
    perm_model: str


def _ceasefire_payload():
    return {
        "name": "Test truce",
        "scope": f.PlaceFactory(kind="governorate").pk,
        "starts_at": "2020-01-12T00:01:00+03:00",
        "type": "bilateral",
        "purpose": "humanitarian",
        "parties": [{"party": f.PartyFactory().pk, "role": "signatory"}],
    }


RESOURCES = [
    Resource(
        "parties",
        f.PartyFactory,
        lambda: {"name": "New party", "kind": "militia", "aliases": ["NP"]},
        {"short_name": "NP"},
        "party",
    ),
    Resource(
        "places",
        f.PlaceFactory,
        lambda: {
            "name": "New town",
            "kind": "town",
            "country_code": "SY",
            "latitude": 35.9,
            "longitude": 36.6,
            "alternate_names": [{"name": "Nu Town", "language": "en"}],
        },
        {"description": "Checked on the map."},
        "place",
    ),
    Resource("ceasefires", f.CeasefireFactory, _ceasefire_payload, {"terms": "Stop all attacks."}, "ceasefire"),
    Resource(
        "sources", f.SourceFactory, lambda: {"name": "New monitor", "kind": "monitoring_group"}, {"reliability": "B"}, "source"
    ),
    Resource(
        "reports",
        f.ReportFactory,
        lambda: {
            "source": f.SourceFactory().pk,
            "title": "Strikes continue",
            "url": "https://news.example.org/new",
            "published_at": "2020-01-12T10:00:00Z",
        },
        {"summary": "Own words."},
        "report",
    ),
    Resource(
        "incidents",
        f.IncidentFactory,
        lambda: {
            "title": "Shelling",
            "kind": "artillery_shelling",
            "occurred_at": "2020-01-12T10:00:00+02:00",
            "time_precision": "hour",
            "place": f.PlaceFactory().pk,
            "status": "draft",
        },
        {"description": "Two houses hit."},
        "incident",
    ),
    Resource(
        "citations",
        f.CitationFactory,
        lambda: {"incident": f.IncidentFactory().pk, "report": f.ReportFactory().pk, "stance": "reports"},
        {"notes": "Checked."},
        "citation",
    ),
]

BY_ROUTE = {r.route: r for r in RESOURCES}
