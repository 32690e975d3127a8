"""Benchmark of the streaming export on PostgreSQL: time and peak memory of
`/api/v1/incidents/export/?format=csv|ndjson` over N incidents, against PostgreSQL's own
`COPY (SELECT ...) TO STDOUT` of the same rows with the same information.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/tracker_bench_export \\
        .venv/bin/python bench/export.py [--incidents 1000000] [--reuse]

The database is created if missing and emptied (unless --reuse finds N incidents in it). The
data: the founding fixture (places, parties, ceasefires, reports, citations, verdicts), then
copies of its first incident made in SQL (`INSERT ... SELECT ... FROM generate_series`, every
column from the template row unless varied) until there are N — each copy with its own report,
citation and provenance, a place and perpetrator taken in turn from the fixture's, dates over
three years, and a verdict against the January ceasefire for one in three. Bulk rows are data,
not edits: they get no history rows.

Each measurement runs in a child process of its own (its peak RSS is its own): the export
through Django's test client (the whole view, renderer and streaming, no network), reading the
body chunk by chunk as a client would; COPY through psycopg's `cursor.copy()`, block by block.
Reported: wall seconds, rows/s, MiB written, the child's CPU seconds, the PostgreSQL backend's
CPU seconds (from /proc), the child's RSS before the request and its peak.
"""

import argparse
import json
import os
import resource
import secrets
import subprocess
import sys
import time
from pathlib import Path

import scratch  # bench/ is on the path
from procs import proc_cpu_seconds, rss_mib

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
CHUNK = 100_000  # rows per INSERT ... SELECT statement

# The COPY baseline: what the export's CSV says of each incident, in one SQL statement — the
# incident's columns, its place and perpetrator by name, its provenance, its citation and report
# ids, its verdicts — in the export's order.
COPY_SQL = """
COPY (
  SELECT i.*, pl.name AS place_name, pa.name AS perpetrator_name,
         pr.suggested_confidence, pr.reason, pr.independent_claimants, pr.contested,
         (SELECT string_agg(c.id::text, ';' ORDER BY c.id) FROM tracker_citation c
           WHERE c.incident_id = i.id AND c.deleted_at IS NULL) AS citation_ids,
         (SELECT string_agg(DISTINCT c.report_id::text, ';') FROM tracker_citation c
           WHERE c.incident_id = i.id AND c.deleted_at IS NULL) AS report_ids,
         (SELECT string_agg(a.ceasefire_id || ':' || a.verdict, ';' ORDER BY a.ceasefire_id) FROM tracker_assessment a
           WHERE a.incident_id = i.id) AS assessments
  FROM tracker_incident i
  JOIN tracker_place pl ON pl.id = i.place_id
  LEFT JOIN tracker_party pa ON pa.id = i.perpetrator_id
  LEFT JOIN tracker_incidentprovenance pr ON pr.incident_id = i.id
  WHERE i.deleted_at IS NULL
  ORDER BY i.occurred_at DESC, i.id DESC
) TO STDOUT WITH (FORMAT csv, HEADER)
"""


def setup_django() -> None:
    scratch.setup()


def clone_rows(cursor, model, template, first: int, last: int, overrides: dict[str, str], where: str = "TRUE") -> None:
    """INSERT copies numbered first..last (`g` in the SQL expressions) of `template`'s row:
    every column as in the template, unless `overrides` gives an SQL expression for it; only
    the numbers meeting `where`."""
    from django.db import connection

    columns, expressions, params = [], [], []
    for field in model._meta.concrete_fields:
        columns.append(connection.ops.quote_name(field.column))
        if field.column in overrides:
            expressions.append(overrides[field.column])
        else:
            expressions.append("%s")
            params.append(field.get_db_prep_save(getattr(template, field.attname), connection))
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {', '.join(expressions)} FROM generate_series(%s, %s) AS g WHERE {where}"  # nosec B608 - names from the models
    cursor.execute(sql, [*params, first, last])


def build(incidents: int) -> None:
    """Empty the database, load the fixture and clone its first incident up to `incidents`."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from tracker.choices import Verdict
    from tracker.models import Assessment, Ceasefire, Citation, Incident, IncidentProvenance, Party, Place, Report

    call_command("flush", interactive=False, verbosity=0)
    call_command("bootstrap", "--no-demo-user", verbosity=0)
    template = Incident.objects.order_by("pk").first()
    citation = Citation.objects.filter(incident=template).order_by("pk").first()
    report = citation.report
    provenance = IncidentProvenance.objects.get(incident=template)
    assessment = Assessment.objects.filter(incident=template).order_by("pk").first()
    january = Ceasefire.objects.order_by("starts_at").first()
    places = list(Place.objects.exclude(kind__in=["country", "zone", "corridor"]).values_list("pk", flat=True))
    parties = list(Party.objects.values_list("pk", flat=True))
    copies = incidents - Incident.objects.count()
    base_incident = Incident.all_objects.order_by("-pk").values_list("pk", flat=True).first()
    base_report = Report.all_objects.order_by("-pk").values_list("pk", flat=True).first()
    base_citation = Citation.all_objects.order_by("-pk").values_list("pk", flat=True).first()
    base_assessment = Assessment.objects.order_by("-pk").values_list("pk", flat=True).first()
    place = f"(ARRAY{places})[1 + mod(g, {len(places)})]"
    perpetrator = f"(ARRAY{parties})[1 + mod(g / 7, {len(parties)})]"
    when = "timestamptz '2019-01-01 00:00+00' + (mod(g, 1095)) * interval '1 day' + (mod(g, 24)) * interval '1 hour'"
    verdicts = [str(v) for v in Verdict]
    started = time.perf_counter()
    with connection.cursor() as cursor:
        for first in range(1, copies + 1, CHUNK):
            last = min(first + CHUNK - 1, copies)
            with transaction.atomic():
                clone_rows(
                    cursor,
                    Report,
                    report,
                    first,
                    last,
                    {"id": f"{base_report} + g", "title": "'Bench report ' || g", "url": "''", "published_at": when},
                )
                clone_rows(
                    cursor,
                    Incident,
                    template,
                    first,
                    last,
                    {
                        "id": f"{base_incident} + g",
                        "title": "'Bench incident ' || g",
                        "occurred_at": when,
                        "place_id": place,
                        "perpetrator_id": perpetrator,
                        "latitude": "35 + (mod(g, 2000)) / 1000.0",
                        "longitude": "36 + (mod(g, 1500)) / 1000.0",
                        "attribution": "'alleged'",
                        "external_source": "'bench'",
                        "external_id": "'B' || g",
                        "created_at": "now()",
                        "updated_at": "now()",
                    },
                )
                clone_rows(
                    cursor,
                    Citation,
                    citation,
                    first,
                    last,
                    {
                        "id": f"{base_citation} + g",
                        "incident_id": f"{base_incident} + g",
                        "report_id": f"{base_report} + g",
                        "named_perpetrator_id": perpetrator,
                    },
                )
                clone_rows(cursor, IncidentProvenance, provenance, first, last, {"incident_id": f"{base_incident} + g"})
                if assessment is not None:
                    clone_rows(
                        cursor,
                        Assessment,
                        assessment,
                        first,
                        last,
                        {
                            "id": f"{base_assessment} + g",
                            "incident_id": f"{base_incident} + g",
                            "ceasefire_id": str(january.pk),
                            "verdict": f"(ARRAY{verdicts})[1 + mod(g, {len(verdicts)})]",
                        },
                        where="mod(g, 3) = 0",
                    )
            print(f"  {last:,}/{copies:,} copies", file=sys.stderr)
        for model in (Report, Incident, Citation, Assessment):
            table = model._meta.db_table
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))")  # nosec B608
        cursor.execute("ANALYZE")
    print(f"built {incidents:,} incidents in {time.perf_counter() - started:.0f} s", file=sys.stderr)


def measure_export(fmt: str) -> dict:
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.filter(is_superuser=True).first()
    if user is None:
        user = get_user_model().objects.create_superuser("bench-export", password=secrets.token_urlsafe(16))
    client = Client()
    client.force_login(user)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    started = Clock(backend)
    response = client.get("/api/v1/incidents/export/", {"format": fmt})
    assert response.status_code == 200, response.content[:500]
    # The CSV's header is not a row; quoted newlines are escaped by the writers.
    return started.read(response.streaming_content, header_lines=1 if fmt == "csv" else 0)


def measure_copy() -> dict:
    from django.db import connection

    connection.ensure_connection()
    raw = connection.connection  # psycopg 3
    with raw.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        started = Clock(cursor.fetchone()[0])
        with cursor.copy(COPY_SQL) as copy:
            return started.read((bytes(block) for block in copy), header_lines=1)


class Clock:
    """Wall time, this process's CPU, the PostgreSQL backend's CPU and RSS from its creation
    until a stream of bytes has been read."""

    def __init__(self, backend_pid: int):
        self.backend, self.rss_before = backend_pid, rss_mib()
        self.cpu0, self.db0, self.started = time.process_time(), proc_cpu_seconds(backend_pid), time.perf_counter()

    def read(self, blocks, header_lines: int) -> dict:
        size = lines = 0
        first_byte = None
        for block in blocks:
            if first_byte is None:
                first_byte = time.perf_counter() - self.started
            size += len(block)
            lines += block.count(b"\n")
        return {
            "seconds": time.perf_counter() - self.started,
            "first_byte_seconds": first_byte,
            "cpu_seconds": time.process_time() - self.cpu0,
            "db_cpu_seconds": proc_cpu_seconds(self.backend) - self.db0,
            "mib": size / 2**20,
            "lines": lines - header_lines,
            "rss_before_mib": self.rss_before,
        }


def child(what: str) -> None:
    setup_django()
    result = measure_copy() if what == "copy" else measure_export(what)
    result["peak_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def ensure_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep the data if it already has --incidents incidents")
    parser.add_argument("--what", default="copy,csv,ndjson", help="measurements to run (comma-separated)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.child)
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a scratch PostgreSQL database (it is emptied): COPY is PostgreSQL's.")
    env = {**os.environ, "DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)}
    env["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ.update(env)
    ensure_database(url)
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, check=True)
    setup_django()
    from tracker.models import Incident

    if not (args.reuse and Incident.objects.count() == args.incidents):
        build(args.incidents)
    RESULTS.mkdir(parents=True, exist_ok=True)
    figures = {}
    for what in args.what.split(","):
        run = subprocess.run([sys.executable, __file__, "--child", what], env=env, check=True, capture_output=True, text=True)
        figures[what] = result = json.loads(run.stdout.strip().splitlines()[-1])
        print(
            f"{what:>6}: {result['lines']:,} rows, {result['mib']:.0f} MiB in {result['seconds']:.1f} s "
            f"({result['lines'] / result['seconds']:,.0f} rows/s, first byte {result['first_byte_seconds']:.2f} s), "
            f"CPU {result['cpu_seconds']:.1f} s + database {result['db_cpu_seconds']:.1f} s, "
            f"RSS {result['rss_before_mib']:.0f} MiB before, peak {result['peak_rss_mib']:.0f} MiB"
        )
    for fmt in [f for f in ("csv", "ndjson") if f in figures and "copy" in figures]:
        ratio = figures[fmt]["seconds"] / figures["copy"]["seconds"]
        print(f"{fmt} export / COPY: {ratio:.1f}× the time")
    (RESULTS / "export.json").write_text(json.dumps({"incidents": args.incidents, **figures}, indent=2))


if __name__ == "__main__":
    main()
