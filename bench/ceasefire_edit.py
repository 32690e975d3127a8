"""Benchmark: a ceasefire zone edit, with its verdicts recomputed in the request (the immediate
task backend) and on the database queue (a `db_worker` process).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench_api .venv/bin/python bench/ceasefire_edit.py

Runs on a database `seed_demo` filled (it is not emptied; the edit is made and undone). Picks the
ceasefire with the most assessments, grows its zone's polygon by 1 % about its centre (a real
edit: some verdicts move), and reports for each backend the time the edit's request takes and
the time until its verdicts are current; the edit is undone the same way after each run.
"""

import os
import subprocess
import sys
import time

import scratch

ROOT = scratch.ROOT
scratch.setup()

from django.db.models import Count  # noqa: E402
from django.test import override_settings  # noqa: E402

from tracker.models import Ceasefire, VerdictRecompute  # noqa: E402
from tracker.services import gazetteer  # noqa: E402

BACKENDS = {
    "immediate": {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
    "database": {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}},
}


def scaled(geometry: dict, factor: float) -> dict:
    ring = geometry["coordinates"][0]
    cx, cy = sum(x for x, _ in ring) / len(ring), sum(y for _, y in ring) / len(ring)
    return {**geometry, "coordinates": [[[cx + (x - cx) * factor, cy + (y - cy) * factor] for x, y in ring]]}


def edit(ceasefire: Ceasefire, factor: float) -> None:
    zone = ceasefire.zone
    zone.refresh_from_db()
    gazetteer.place_update(place=zone, data={"geometry": scaled(zone.geometry, factor)}, user=None)


def run_worker() -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--verbosity", "0"],
        cwd=ROOT,
        env={**os.environ, "TRACKER_TASKS_BACKEND": "database"},
        check=True,
    )
    return time.perf_counter() - started


def main() -> None:
    ceasefire = (
        Ceasefire.objects.filter(zone__isnull=False).annotate(n=Count("assessments")).order_by("-n").select_related("zone")
    ).first()
    print(f"ceasefire {ceasefire.pk} ({ceasefire.name}): {ceasefire.n:,} assessments")
    for name, tasks in BACKENDS.items():
        for factor in (1.01, 1 / 1.01):  # the edit, then undoing it
            with override_settings(TASKS=tasks):
                started = time.perf_counter()
                edit(ceasefire, factor)
                request = time.perf_counter() - started
            worker = run_worker() if name == "database" else 0.0
            pending = VerdictRecompute.objects.get(ceasefire=ceasefire).pending_since
            print(
                f"{name:9} {'edit' if factor > 1 else 'undo'}: request {request:6.2f} s; "
                f"verdicts current after {request + worker:6.2f} s (worker {worker:.2f} s, start-up included); "
                f"pending now: {pending}"
            )


if __name__ == "__main__":
    main()
