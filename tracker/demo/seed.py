"""Synthetic demo data at scale, for benchmarks and for trying the tracker on a realistic volume.

`seed(n)` adds, deterministically for a given seed: a country with 14 governorates (each with
a zone polygon), 60 districts and towns below them; states with their armed forces and air
forces, and armed groups with sub-units; sources (some a party's own media); ceasefires over a
governorate's zone with their parties and each signatory's declared start; then `n` incidents
in batches, each with one to three citations of reports (new reports, or a recent one that
covers several incidents). Provenance and verdicts are then computed by the tracker's own
services, as after any bulk load.

The gazetteer, sources and ceasefires are built by factory-boy factories and inserted with
`bulk_create`; incidents, reports and citations are rows inserted by COPY (PostgreSQL) or one
executemany (SQLite) per batch (`tracker.demo.bulk`). No `save()` per row and no history rows:
seeded data is not a curator's edit; the syndication index is left to `manage.py
detect_syndication`.
"""

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import factory.random
from django.db import connection, transaction

from tracker.demo import bulk, shapes
from tracker.demo.shapes import rng
from tracker.models import CeasefireParty, Declaration, Incident, Place
from tracker.services import assessments, provenance

GOVERNORATES = 14
DISTRICTS = 60


@dataclass
class Summary:
    """What the seed wrote: rows per kind of record ("incidents", "places"...), seconds per step."""

    rows: Counter = field(default_factory=Counter)
    seconds: dict[str, float] = field(default_factory=dict)


def _unique(make: Callable[[], str], taken: set[str]) -> str:
    name = make()
    while name in taken:
        name = f"{make()} {rng().randint(2, 99)}"
    taken.add(name)
    return name


def _bulk(model, objs: list, batch_size: int = 2000) -> list:
    return model.objects.bulk_create(objs, batch_size=batch_size)


def _gazetteer(towns: int) -> tuple[list[Place], list[Place]]:
    """(governorates, towns)."""
    country = shapes.PlaceShape.build(name="Demoland", kind="country", latitude=35.0, longitude=38.5, timezone="Asia/Damascus")
    country.save()
    taken: set[str] = set()
    governorates = _bulk(
        Place,
        [
            shapes.PlaceShape.build(name=_unique(shapes.place_name, taken), kind="governorate", parent=country)
            for _ in range(GOVERNORATES)
        ],
    )
    for governorate in governorates:
        governorate.geometry = shapes.square(governorate.longitude, governorate.latitude, 0.45)
    Place.objects.bulk_update(governorates, ["geometry"])
    districts = _bulk(
        Place,
        [
            shapes.PlaceShape.build(name=_unique(shapes.place_name, taken), kind="district", parent=rng().choice(governorates))
            for _ in range(DISTRICTS)
        ],
    )
    for district in districts:  # near their governorate's point
        district.latitude = round(district.parent.latitude + rng().uniform(-0.4, 0.4), 4)
        district.longitude = round(district.parent.longitude + rng().uniform(-0.4, 0.4), 4)
    Place.objects.bulk_update(districts, ["latitude", "longitude"])
    built = []
    for _ in range(towns):
        district = rng().choice(districts)
        built.append(
            shapes.PlaceShape.build(
                name=_unique(shapes.place_name, taken),
                kind=rng().choice(["town", "town", "village", "city"]),
                parent=district,
                latitude=round(district.latitude + rng().uniform(-0.15, 0.15), 4),
                longitude=round(district.longitude + rng().uniform(-0.15, 0.15), 4),
            )
        )
    return governorates, _bulk(Place, built)


def _parties():
    """(every party, the ones that strike: armed forces, air forces, groups and their units)."""
    from tracker.models import Party

    taken: set[str] = set()
    states = _bulk(
        Party,
        [
            shapes.PartyShape.build(name=_unique(lambda: f"{shapes.place_name()} government", taken), kind="government")
            for _ in range(6)
        ],
    )
    forces = _bulk(
        Party,
        [
            shapes.PartyShape.build(name=f"{s.name.removesuffix(' government')} armed forces", kind="armed_forces", parent=s)
            for s in states
        ],
    )
    air = _bulk(
        Party,
        [
            shapes.PartyShape.build(name=f"{f.name.removesuffix(' armed forces')} air force", kind="armed_forces", parent=f)
            for f in forces
        ],
    )
    groups = _bulk(
        Party, [shapes.PartyShape.build(name=_unique(lambda: f"{shapes.place_name()} Brigade", taken)) for _ in range(12)]
    )
    units = _bulk(
        Party,
        [shapes.PartyShape.build(name=f"{g.name} {rng().choice(['1st', '2nd', '3rd'])} battalion", parent=g) for g in groups],
    )
    return [*states, *forces, *air, *groups, *units], [*forces, *air, *groups, *units]


def _sources(parties):
    from tracker.models import Source

    taken: set[str] = set()
    built = [shapes.SourceShape.build(name=_unique(lambda: f"{shapes.place_name()} News", taken)) for _ in range(110)]
    built += [
        shapes.SourceShape.build(name=f"{party.name} media office", kind="party_media", affiliated_party=party, reliability="E")
        for party in parties[:10]
    ]
    return _bulk(Source, built)


def _ceasefires(governorates, parties, n: int):
    from tracker.models import Ceasefire

    states = [p for p in parties if p.kind == "government"]
    groups = [p for p in parties if p.parent_id is None and p.kind == "armed_group"]
    built = []
    for _ in range(n):
        zone = rng().choice(governorates)
        built.append(shapes.CeasefireShape.build(name=f"{zone.name} ceasefire", scope=zone, zone=zone))
    ceasefires = _bulk(Ceasefire, built)
    roles, declarations = [], []
    for ceasefire in ceasefires:
        signatories = [rng().choice(states), rng().choice(groups)]
        roles += [CeasefireParty(ceasefire=ceasefire, party=p, role="signatory") for p in signatories]
        # Each side claims its own start: the curated one, or hours earlier or later.
        declarations += [
            Declaration(
                ceasefire=ceasefire, party=p, claimed_start=ceasefire.starts_at + timedelta(hours=rng().choice([0, 0, -3, 3, 24]))
            )
            for p in signatories
        ]
    _bulk(CeasefireParty, roles)
    _bulk(Declaration, declarations)
    return ceasefires


def _incidents(n: int, batch: int, towns, perpetrators, sources, summary: Summary, progress) -> None:
    from tracker.models import Citation, Report

    ids = {model: bulk.next_id(model) for model in (Incident, Report, Citation)}
    recent: list[int] = []  # reports later incidents may cite too (a round-up covers several)
    done = 0
    while done < n:
        size = min(batch, n - done)
        incidents, reports, citations = [], [], []
        for _ in range(size):
            incident = shapes.incident_row(ids[Incident], rng().choice(towns), perpetrators)
            ids[Incident] += 1
            incidents.append(incident)
            cited: set[int] = set()
            for _ in range(1 + (rng().random() < 0.45) + (rng().random() < 0.12)):
                if recent and rng().random() < 0.3:
                    report_id = rng().choice(recent)
                    if report_id in cited:
                        continue
                else:
                    reports.append(shapes.report_row(ids[Report], incident, rng().choice(sources)))
                    report_id = ids[Report]
                    ids[Report] += 1
                cited.add(report_id)
                citations.append(shapes.citation_row(ids[Citation], incident["id"], report_id))
                ids[Citation] += 1
            recent = [r["id"] for r in reports[-50:]] or recent
        bulk.insert(Incident, incidents)
        bulk.insert(Report, reports)
        bulk.insert(Citation, citations)
        done += size
        summary.rows.update(incidents=size, reports=len(reports), citations=len(citations))
        progress(done)
    bulk.reset_sequences(Incident, Report, Citation)


def seed(incidents: int, *, seed: int = 1, ceasefires: int = 12, batch: int = 5000, progress=lambda done: None) -> Summary:
    """Add the demo data set with `incidents` incidents; the same seed gives the same data."""
    factory.random.reseed_random(seed)
    summary = Summary()
    clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        summary.seconds[name] = round(now - clock, 1)
        clock = now

    towns = max(200, min(5000, incidents // 200))
    with transaction.atomic():
        governorates, town_places = _gazetteer(towns)
        every_party, perpetrators = _parties()
        sources = _sources(every_party)
        summary.rows["ceasefires"] = len(_ceasefires(governorates, every_party, ceasefires))
    summary.rows.update(places=1 + GOVERNORATES + DISTRICTS + len(town_places), parties=len(every_party), sources=len(sources))
    lap("gazetteer")
    for start in range(0, incidents, 100_000):  # a transaction per 100,000 incidents
        with transaction.atomic():
            _incidents(min(100_000, incidents - start), batch, town_places, perpetrators, sources, summary,
                       lambda done, start=start: progress(start + done))  # fmt: skip
    lap("incidents")
    provenance.refresh_all_of(Incident.all_objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=10_000))
    lap("provenance")
    summary.rows["assessments"] = assessments.recompute().created
    lap("assessments")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Fresh statistics for the planner, and the visibility map that lets counts read
            # only the covering index (incident_kind_occurred_idx), as after any bulk load.
            # (VACUUM cannot run in a transaction, as in a test: ANALYZE alone there.)
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        lap("analyze")
    return summary
