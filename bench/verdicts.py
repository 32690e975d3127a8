"""Benchmark of the verdict engine: bulk recompute and the compliance summary.

    .venv/bin/python bench/verdicts.py [--incidents 100000] [--ceasefires 10] [--seed 1]

Uses DATABASE_URL if set (PostgreSQL: point it at a scratch database, it is emptied), else a
scratch SQLite file under bench/results/. Generates a deterministic synthetic data set with
bulk inserts, then reports: the bulk recompute time, the cost per assessment, and the
compliance summary's latency (median of the ceasefires) for 14 and 90 days.
"""

import random
import statistics
import time
from datetime import UTC, datetime, timedelta

import scratch

ROOT = scratch.ROOT
scratch.setup("verdicts")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from tracker.choices import IncidentKind  # noqa: E402
from tracker.models import Assessment, Ceasefire, CeasefireParty, Incident, Party, Place  # noqa: E402
from tracker.selectors.compliance import Basis, compliance  # noqa: E402
from tracker.services.assessments import recompute  # noqa: E402

KINDS = list(IncidentKind.values)
PRECISIONS = ["minute", "hour", "day", "day", "day", "week"]
GEO = ["exact", "near", "town", "town", "district", "region"]


def square(lon: float, lat: float, half: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [
                [lon - half, lat - half],
                [lon + half, lat - half],
                [lon + half, lat + half],
                [lon - half, lat + half],
                [lon - half, lat - half],
            ]
        ],
    }


def generate(n_incidents: int, n_ceasefires: int, rng: random.Random) -> None:
    country = Place.objects.create(
        name="Benchland", kind="country", country_code="SY", timezone="Asia/Damascus", latitude=35.0, longitude=38.0
    )
    regions, towns = [], []
    for i in range(n_ceasefires):
        lon, lat = 36.0 + (i % 5) * 1.2, 33.0 + (i // 5) * 1.2
        region = Place.objects.create(
            name=f"Region {i}",
            kind="governorate",
            parent=country,
            country_code="SY",
            latitude=lat,
            longitude=lon,
            geometry=square(lon, lat, 0.5),
        )
        regions.append(region)
        towns += Place.objects.bulk_create(
            [
                Place(
                    name=f"Town {i}-{j}",
                    name_key=f"town {i}-{j}",
                    kind="town",
                    parent=region,
                    country_code="SY",
                    latitude=lat + rng.uniform(-0.6, 0.6),
                    longitude=lon + rng.uniform(-0.6, 0.6),
                )
                for j in range(50)
            ]
        )
    parties = []
    for i in range(10):
        state = Party.objects.create(name=f"State {i}", kind="state")
        parties += [state, Party.objects.create(name=f"State {i} army", kind="armed_forces", parent=state)]
    start0 = datetime(2020, 1, 1, tzinfo=UTC)
    for i, region in enumerate(regions):
        starts = start0 + timedelta(days=30 * i + rng.randint(0, 20), hours=rng.randint(0, 23))
        ceasefire = Ceasefire.objects.create(
            name=f"Ceasefire {i}",
            scope=region,
            zone=region,
            starts_at=starts,
            ends_at=starts + timedelta(days=90),
            ceasefire_type="bilateral",
            purpose="humanitarian",
            timezone="Asia/Damascus",
        )
        CeasefireParty.objects.bulk_create(
            [
                CeasefireParty(ceasefire=ceasefire, party=parties[2 * i % 20], role="signatory"),
                CeasefireParty(ceasefire=ceasefire, party=parties[(2 * i + 2) % 20], role="bound"),
            ]
        )
    batch = []
    for k in range(n_incidents):
        town = rng.choice(towns)
        precision, geo = rng.choice(PRECISIONS), rng.choice(GEO)
        perpetrator = rng.choice(parties + [None])
        exact = geo == "exact"
        batch.append(
            Incident(
                title=f"Incident {k}", kind=rng.choice(KINDS), occurred_at=start0 + timedelta(minutes=rng.randint(0, 400 * 24 * 60)), time_precision=precision,
                place=town, geo_precision=geo, latitude=town.latitude + rng.uniform(-0.02, 0.02) if exact else None, longitude=town.longitude + rng.uniform(-0.02, 0.02) if exact else None,
                perpetrator=perpetrator, attribution="alleged" if perpetrator else "unknown", status="verified",
            )
        )  # fmt: skip
        if len(batch) == 5000:
            Incident.objects.bulk_create(batch)
            batch = []
    Incident.objects.bulk_create(batch)


def main() -> None:
    args = scratch.parser(__doc__, incidents=100_000, ceasefires=10, seed=1).parse_args()
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    started = time.perf_counter()
    generate(args.incidents, args.ceasefires, random.Random(args.seed))
    print(
        f"database: {connection.vendor}; generated {args.incidents} incidents over {args.ceasefires} ceasefires in {time.perf_counter() - started:.1f} s"
    )

    started = time.perf_counter()
    counts = recompute()
    elapsed = time.perf_counter() - started
    assessed = Assessment.objects.count()
    print(
        f"bulk recompute: {elapsed:.1f} s; {counts.created} assessments created; {1000 * elapsed / max(assessed, 1):.3f} ms per assessment, {1000 * elapsed / args.incidents:.3f} ms per incident"
    )
    started = time.perf_counter()
    again = recompute()
    print(f"recompute with nothing changed: {time.perf_counter() - started:.1f} s ({again.unchanged} unchanged)")

    for days in (14, 90):
        timings = []
        for ceasefire in Ceasefire.objects.all():
            t0 = time.perf_counter()
            compliance(ceasefire, days=days, basis=Basis(starts_at=ceasefire.starts_at))
            timings.append(time.perf_counter() - t0)
        print(
            f"compliance days={days}: median {1000 * statistics.median(timings):.0f} ms, max {1000 * max(timings):.0f} ms over {len(timings)} ceasefires"
        )


if __name__ == "__main__":
    main()
