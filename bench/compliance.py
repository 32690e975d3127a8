"""The compliance series from the stored ledger against the series evaluated afresh, on an
existing database (the `make bench` one: nothing is emptied or seeded here).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench_api .venv/bin/python bench/compliance.py [--rebuild]

Builds every ceasefire's ledger if it has none (or with --rebuild), timing it, then for each
ceasefire and each of its bases reads the series both ways for 14, 90 and 365 days, for the
public and for curators: the median and worst latency of each way, their ratio, and whether the
answers agree (to the series' rounding). In-process, on a warm connection: what a request
spends in the selector, without HTTP.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402

from tracker.models import Ceasefire, ComplianceShare, Incident  # noqa: E402
from tracker.models.visibility import PUBLIC_STATUSES  # noqa: E402
from tracker.selectors.compliance import compliance, evaluated  # noqa: E402
from tracker.services import compliance_ledger  # noqa: E402


def timed(function, *args, **kwargs) -> tuple[float, dict]:
    started = time.perf_counter()
    answer = function(*args, **kwargs)
    return 1000 * (time.perf_counter() - started), answer


def agree(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return set(a) == set(b) and all(agree(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(agree(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float | int) and isinstance(b, float | int):
        return abs(a - b) <= 2e-4
    return a == b


def by_party(answer: dict) -> dict:
    return {**answer, "by_perpetrator": {(row["party"] or {}).get("id"): row for row in answer["by_perpetrator"]}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="rebuild every ledger even if built")
    parser.add_argument("--days", type=int, nargs="+", default=[14, 90, 365], help="series lengths to measure")
    args = parser.parse_args()
    print(f"database: {connection.vendor}, {Incident.all_objects.count():,} incidents")
    ceasefires = list(Ceasefire.objects.select_related("compliance_ledger").order_by("pk"))
    build = []
    for ceasefire in ceasefires:
        if args.rebuild or not hasattr(ceasefire, "compliance_ledger"):
            ms, stored = timed(compliance_ledger.rebuild, ceasefire)
            build.append(ms)
            print(f"  ledger of ceasefire {ceasefire.pk}: {stored:,} shares in {ms / 1000:.1f} s", flush=True)
    if build:
        print(f"ledgers built: {sum(build) / 1000:.1f} s for {len(build)} ceasefires")
    print(f"shares stored: {ComplianceShare.objects.count():,}")
    ceasefires = list(Ceasefire.objects.select_related("compliance_ledger").order_by("pk"))
    print("| days | readers | evaluated afresh (median / max) | from the ledger (median / max) | ratio | answers agree |")
    print("| --- | --- | --- | --- | --- | --- |")
    for days in args.days:
        for readers, statuses in (("public", list(PUBLIC_STATUSES)), ("curators", None)):
            fresh, stored, agreeing, total = [], [], 0, 0
            for ceasefire in ceasefires:
                for basis in compliance_ledger.bases(ceasefire):
                    ms_fresh, a = timed(evaluated, ceasefire, days=days, basis=basis, statuses=statuses)
                    ms_stored, b = timed(compliance, ceasefire, days=days, basis=basis, statuses=statuses)
                    fresh.append(ms_fresh)
                    stored.append(ms_stored)
                    agreeing += agree(by_party(a), by_party(b))
                    total += 1
            print(
                f"| {days} | {readers} | {statistics.median(fresh):.0f} / {max(fresh):.0f} ms | "
                f"{statistics.median(stored):.1f} / {max(stored):.1f} ms | "
                f"{statistics.median(fresh) / statistics.median(stored):.0f}× | {agreeing} of {total} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
