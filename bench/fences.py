"""Do the fenced framework workarounds still pay? Each against the library's own way, in one run.

    .venv/bin/python bench/fences.py [--rounds 300] [--rows 300] [--check]

Two places stand in for a library's internals (docs/ARCHITECTURE.md, "Framework internals"),
each kept only while it pays, fenced in one module and pinned by tests/test_framework_fences.py:

- `tracker/api/filterset_base.py` replaces django-filter's `FilterSet.__init__` and form class
  creation. Measured: building the incident list's FilterSet and its form for a typical query,
  and a whole anonymous incident-list request (the response cache off), each with ours and with
  django-filter's own.
- `tracker/models/base.py` evaluates CHECK conditions in Python and validates UNIQUE constraints
  with one query (counting trashed rows). Measured: `full_clean()` of new citations — the
  validation a bulk import runs per row — queries and time, with ours and with Django's own.

Also measured (not a fence: public APIs only), the write watcher of tracker/generation.py:
UPDATE statements in one transaction with and without it.

Uses DATABASE_URL if set (point it at a scratch database: it is emptied), else a scratch SQLite
file under bench/results/. Prints a table and writes bench/results/fences.md. `--check` exits 1
when a fence does not pay: the FilterSet built with ours must be at least 1.5× as fast as with
django-filter's, and validation must take fewer queries with ours (a time ratio from one run
on a shared machine is reported, not judged: the query count is the deterministic part).
"""

import os
import statistics
import sys
import time
from contextlib import contextmanager

os.environ.setdefault("TRACKER_RESPONSE_CACHE_SECONDS", "0")  # every request computes its answer
import scratch

ROOT = scratch.ROOT
scratch.setup("fences")

import django_filters  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, models, transaction  # noqa: E402
from django.http import QueryDict  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tracker.api.filterset_base import TrackerFilterSet  # noqa: E402
from tracker.api.filtersets import IncidentFilterSet  # noqa: E402
from tracker.models import Citation, Incident, Report  # noqa: E402
from tracker.models.base import FieldNamedConstraintsMixin  # noqa: E402
from tracker.services.fixtures import load_fixture  # noqa: E402

QUERY = "kind=airstrike&occurred_after=2020-01-01T00:00:00Z&occurred_before=2020-03-31T00:00:00Z&ordering=-occurred_at"


@contextmanager
def libraries_own(ours: type, theirs: type, *names: str):
    """Within the block, `ours` uses `theirs`'s methods of these names (the library's own way)."""
    saved = {name: ours.__dict__[name] for name in names}
    for name in names:
        setattr(ours, name, getattr(theirs, name))
    try:
        yield
    finally:
        for name, value in saved.items():
            setattr(ours, name, value)


def django_filters_own():
    """The FilterSets as django-filter builds them: its own __init__ and a new form class each time."""
    return libraries_own(TrackerFilterSet, django_filters.FilterSet, "__init__", "get_form_class")


def djangos_own_validation():
    """Constraint and foreign-key validation as Django does it."""
    return libraries_own(FieldNamedConstraintsMixin, models.Model, "validate_constraints", "clean_fields")


def timed(function, rounds: int) -> float:
    """Median seconds of one call, over `rounds` calls after one warm-up."""
    function()
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        samples.append(time.perf_counter() - started)
    return statistics.median(samples)


def build_filterset():
    filterset = IncidentFilterSet(QueryDict(QUERY), queryset=Incident.objects.all())
    assert filterset.is_valid(), filterset.errors
    filterset.filter_queryset(filterset.queryset)


def list_request(client: Client):
    def request():
        response = client.get(f"/api/v1/incidents/?{QUERY}")
        assert response.status_code == 200, response.content[:300]

    return request


def new_citations(rows: int) -> list[Citation]:
    """Citations of new reports (scratch rows, no clash) for the fixture's incidents."""
    source = Report.objects.select_related("source").first().source
    reports = Report.objects.bulk_create(Report(source=source, title=f"Bench report {i}") for i in range(rows))
    incidents = list(Incident.objects.all())
    return [Citation(incident=incidents[i % len(incidents)], report=report) for i, report in enumerate(reports)]


def validate(citations: list[Citation]):
    def run():
        for citation in citations:
            # A fresh instance state each time: validation reads the related rows it is given.
            citation.full_clean(validate_unique=False)

    return run


def queries_of(function) -> int:
    with CaptureQueriesContext(connection) as captured:
        function()
    return len(captured)


def statements(n: int):
    def run():
        with transaction.atomic():
            for _ in range(n):
                Incident.objects.filter(pk=0).update(title="x")

    return run


@contextmanager
def without_write_watcher():
    from tracker.generation import _WriteWatcher

    saved = list(connection.execute_wrappers)
    connection.execute_wrappers[:] = [w for w in saved if not isinstance(w, _WriteWatcher)]
    try:
        yield
    finally:
        connection.execute_wrappers[:] = saved


def main() -> int:
    parser = scratch.parser(__doc__, rounds=300, rows=300)  # timed calls per measurement; citations per round
    parser.add_argument("--check", action="store_true", help="exit 1 when a fence does not pay")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    load_fixture(ROOT / "fixtures" / "idlib_2020.json")
    connection.ensure_connection()

    rows = []

    ours = timed(build_filterset, args.rounds)
    with django_filters_own():
        theirs = timed(build_filterset, args.rounds)
    filterset_ratio = theirs / ours
    rows.append(
        ("incident FilterSet + form, one query", f"{ours * 1e3:.3f} ms", f"{theirs * 1e3:.3f} ms", f"{filterset_ratio:.1f}×")
    )

    client = Client()
    ours = timed(list_request(client), args.rounds // 3)
    with django_filters_own():
        theirs = timed(list_request(client), args.rounds // 3)
    rows.append(
        ("incident list request (anonymous, uncached)", f"{ours * 1e3:.2f} ms", f"{theirs * 1e3:.2f} ms", f"{theirs / ours:.2f}×")
    )

    citations = new_citations(args.rows)
    ours_queries = queries_of(validate(citations))
    ours = timed(validate(citations), max(3, args.rounds // 30))
    with djangos_own_validation():
        theirs_queries = queries_of(validate(citations))
        theirs = timed(validate(citations), max(3, args.rounds // 30))
    per = args.rows
    rows.append(
        (
            f"full_clean of {per} new citations",
            f"{ours * 1e3 / per:.3f} ms, {ours_queries / per:.1f} queries a row",
            f"{theirs * 1e3 / per:.3f} ms, {theirs_queries / per:.1f} queries a row",
            f"{theirs / ours:.1f}×",
        )
    )

    n = 2000
    watched = timed(statements(n), 5)
    with without_write_watcher():
        bare = timed(statements(n), 5)
    rows.append(
        (
            f"{n} UPDATEs in one transaction: the generation's watcher (not a fence)",
            f"{watched * 1e6 / n:.1f} µs a statement",
            f"{bare * 1e6 / n:.1f} µs without it",
            f"{watched / bare:.2f}× the cost",
        )
    )

    table = [
        f"Fenced workarounds against the library's own way ({connection.vendor}, {args.rounds} rounds, median).",
        "",
        "| measured | ours | the library's own | ours is faster by |",
        "| --- | --- | --- | --- |",
        *(f"| {' | '.join(row)} |" for row in rows),
    ]
    text = "\n".join(table)
    print(text)
    (ROOT / "bench" / "results" / "fences.md").write_text(text + "\n")

    if args.check:
        failures = []
        if filterset_ratio < 1.5:
            failures.append(f"the FilterSet replacement is only {filterset_ratio:.2f}× django-filter's own")
        if ours_queries >= theirs_queries:
            failures.append(f"constraint validation takes {ours_queries} queries, Django's own {theirs_queries}")
        for failure in failures:
            print(f"does not pay: {failure}", file=sys.stderr)
        return 1 if failures else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
