"""Benchmark of near-copy detection: a full `detect_syndication` over N reports, and the cost
of one report write (which detects its own cluster) against that many reports.

    .venv/bin/python bench/syndication.py [--reports 100000] [--seed 1]

Uses DATABASE_URL if set (PostgreSQL: point it at a scratch database, it is emptied), else a
scratch SQLite file under bench/results/. Texts are synthetic and deterministic: one story in
ten is a wire story, three in ten are outlet copies of one (a headline, two paragraphs of their
own, a few edits, some cut paragraphs), the rest independent stories drawing on the same
vocabulary. Reports are bulk-inserted, then indexed and linked by the real code, and the
clusters found are checked against the ones generated.
"""

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
(ROOT / "bench" / "results").mkdir(parents=True, exist_ok=True)
os.environ.setdefault("DATABASE_URL", f"sqlite:///{ROOT / 'bench' / 'results' / 'syndication.sqlite3'}")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from tracker.models import Report, ReportBand, Source  # noqa: E402
from tracker.services import sources  # noqa: E402

WORDS = [
    "ceasefire",
    "truce",
    "shelling",
    "airstrike",
    "rebels",
    "government",
    "forces",
    "province",
    "town",
    "village",
    "residents",
    "monitoring",
    "group",
    "ministry",
    "defence",
    "said",
    "reported",
    "killed",
    "wounded",
    "civilians",
    "displaced",
    "camps",
    "border",
    "aid",
    "convoy",
    "agreement",
    "talks",
    "observers",
    "front",
    "line",
    "artillery",
    "drones",
    "jets",
    "rockets",
    "highway",
    "market",
    "hospital",
    "school",
    "night",
    "morning",
    "sunday",
    "monday",
    "officials",
    "commanders",
    "spokesman",
    "according",
    "statement",
    "violation",
    "accused",
    "guarantor",
    "states",
    "meeting",
    "week",
]


def paragraph(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(25, 45))) + "."


def generate(n: int, rng: random.Random) -> dict[int, int]:
    """Bulk-insert n reports; return {copy index: wire index} as generated."""
    source = Source.objects.create(name="Bench wire", kind="wire_agency")
    start = datetime(2020, 1, 1, tzinfo=UTC)
    wires: list[tuple[int, list[str]]] = []
    truth: dict[int, int] = {}
    rows = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.1 or not wires:
            paras = [paragraph(rng) for _ in range(rng.randint(8, 14))]
            wires.append((i, paras))
            body = "\n\n".join(paras)
        elif roll < 0.4:
            wire_index, paras = rng.choice(wires[-200:])
            kept = paras[: rng.randint(len(paras) // 2, len(paras))]
            edited = [p.replace(" said", " told reporters") if rng.random() < 0.3 else p for p in kept]
            body = "\n\n".join([paragraph(rng), *edited, paragraph(rng)])
            truth[i] = wire_index
        else:
            body = "\n\n".join(paragraph(rng) for _ in range(rng.randint(6, 12)))
        rows.append(Report(source=source, title=f"Report {i}", body=body, published_at=start + timedelta(minutes=10 * i)))
    Report.objects.bulk_create(rows, batch_size=2000)
    return truth


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)

    started = time.perf_counter()
    truth = generate(args.reports, rng)
    print(
        f"database: {connection.vendor}; generated {args.reports} reports ({len(truth)} copies) in {time.perf_counter() - started:.1f} s"
    )

    started = time.perf_counter()
    call_command("detect_syndication", stdout=sys.stdout)
    elapsed = time.perf_counter() - started
    print(
        f"detect_syndication: {elapsed:.1f} s for {args.reports} reports "
        f"({1000 * elapsed / args.reports:.2f} ms per report); {ReportBand.objects.count()} band keys"
    )

    ids = list(Report.objects.order_by("pk").values_list("pk", flat=True))
    found = dict(Report.objects.exclude(syndicated_from=None).values_list("pk", "syndicated_from_id"))
    expected = {ids[copy]: ids[wire] for copy, wire in truth.items()}
    hits = sum(1 for pk, wire in expected.items() if found.get(pk) == wire)
    false = sum(1 for pk in found if pk not in expected)
    print(f"clusters: {hits}/{len(expected)} copies linked to their wire story, {false} reports linked that are not copies")

    source = Source.objects.get(name="Bench wire")
    timings = []
    for i in range(20):
        body = "\n\n".join(paragraph(rng) for _ in range(10))
        t0 = time.perf_counter()
        sources.report_create(
            data={"source": source, "title": f"New {i}", "body": body, "published_at": datetime(2030, 1, 1, tzinfo=UTC)},
            user=None,
        )
        timings.append(1000 * (time.perf_counter() - t0))
    print(f"one report write with detection: median {statistics.median(timings):.1f} ms, max {max(timings):.1f} ms (20 writes)")


if __name__ == "__main__":
    main()
