"""Benchmark of the incident list endpoint against its peers and the raw-SQL limit, in one run.

    make bench            # 1,000,000 incidents (`.venv/bin/python bench/api.py`)
    make bench QUICK=1    # 100,000 incidents, short runs (`--quick`)

What it does, in order:

1. Data: `manage.py seed_demo` into a PostgreSQL database of its own (BENCH_DATABASE_URL,
   default postgres://postgres@127.0.0.1:5432/tracker_bench_api), kept between runs while the
   size, seed and generator are the same; the same incident rows copied into a SQLite file for
   Datasette (with the indexes its query needs).
2. Peers, installed into bench/peers/ (git-ignored): Datasette from PyPI in a virtualenv of its
   own, Platformatic DB 2 from npm. Each system is started in its own process group, its PID
   recorded, and stopped by it at the end (also on failure).
3. For each scenario (a filter set, the first page of 100 newest incidents, as an anonymous
   client sees them: verified and disputed): every system that can express it must return the
   same incident ids, else the run stops. The tracker is also read with a read-only token whose
   user may not view unpublished incidents (`+token`: how the other services read), which must
   return the same ids.
4. wrk (Debian package) at 1 and 8 connections with `Connection: close`, after a warm-up,
   several repetitions: req/s, p50/p99 latency, and CPU ms per request (the server's process
   group + every PostgreSQL process, from /proc).
   The tracker's other read endpoints (an incident's detail, a ceasefire's violations and its
   compliance) are measured the same way, without peers.
5. The raw limit, in-process: the SQL our endpoint runs for the scenario (captured), executed
   through psycopg 3 as prepared statements, rows dumped with orjson — CPU ms per request,
   client + PostgreSQL backend.
6. Bulk work, each in a child process (wall, CPU, PostgreSQL CPU, peak RSS): recomputing every
   verdict (`manage.py recompute_assessments`), and the streaming export of every incident as
   CSV and NDJSON against PostgreSQL's COPY of the same rows (bench/export.py's measurement).
   `--no-bulk` skips them.
7. Writes bench/results/api.json and api.md (a Markdown table), and prints the table.

Systems: ours (gunicorn, WORKERS sync workers, persistent connections, DEBUG off, throttles
off as the peers have none, a 180 s worker timeout so that a slow endpoint is measured, not
killed at gunicorn's default 30 s), Datasette (gunicorn with WORKERS uvicorn workers, the SQLite copy
opened immutable), Platformatic DB (WORKERS Node processes sharing the port through Node's
cluster module, over the same PostgreSQL database).
"""

import argparse
import json
import os
import secrets
import shutil
import sqlite3
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import mixed
import scratch  # bench/ is on the path
from api_config import (
    DATABASE_URL,
    PEERS,
    PORTS,
    PYTHON,
    RELEASE,
    RESULTS,
    ROOT,
    SEED,
    SERVERS,
    TRACKERS,
    WORKERS,
    Scenario,
    endpoints,
    generator_digest,
    psql,
    run,
    scenarios,
    server_of,
)
from api_peers import install_peers, start_systems
from api_report import table
from load import measure
from procs import proc_cpu_seconds

# --- data ------------------------------------------------------------------------------------


def ensure_data(incidents: int) -> None:
    """Seed the bench database unless it already holds this size, seed and generator."""
    wanted = f"{incidents}:{SEED}:{generator_digest()}"
    parsed = urllib.parse.urlsplit(DATABASE_URL)
    name = parsed.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parsed._replace(path="/postgres"))
    with psql(admin) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if exists:
        with psql(DATABASE_URL) as conn:
            found = conn.execute("SELECT to_regclass('bench_meta')").fetchone()[0]
            if found and conn.execute("SELECT data FROM bench_meta").fetchone()[0] == wanted:
                print(f"data: reusing {name} ({incidents:,} incidents, seed {SEED})", flush=True)
                # Migrations newer than the data (indexes, tables) apply to it as to any database.
                env = {**os.environ, "DATABASE_URL": DATABASE_URL}
                run([str(PYTHON), "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env)
                return
    with psql(admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": DATABASE_URL}
    started = time.perf_counter()
    run([str(PYTHON), "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env)
    run([str(PYTHON), "manage.py", "seed_demo", "--incidents", str(incidents), "--seed", str(SEED)], cwd=ROOT, env=env)
    print(f"data: seeded {incidents:,} incidents in {time.perf_counter() - started:.0f} s", flush=True)
    with psql(DATABASE_URL) as conn:
        conn.execute("CREATE TABLE bench_meta (data text)")
        conn.execute("INSERT INTO bench_meta VALUES (%s)", [wanted])
    sqlite_copy_path().unlink(missing_ok=True)


def sqlite_copy_path() -> Path:
    """Datasette's copy of the bench database (one folder per database: the file's name is
    Datasette's name for it, in the URLs)."""
    folder = RESULTS / "datasette" / urllib.parse.urlsplit(DATABASE_URL).path.lstrip("/")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / "api-datasette.sqlite3"


def ensure_sqlite_copy() -> Path:
    """The incidents table, as PostgreSQL holds it, in a SQLite file for Datasette."""
    path = sqlite_copy_path()
    if path.exists():
        return path
    partial = path.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    started = time.perf_counter()
    with psql(DATABASE_URL) as source, sqlite3.connect(partial) as target:
        types = dict(
            source.execute(
                "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'tracker_incident' ORDER BY ordinal_position"
            ).fetchall()
        )
        columns = list(types)
        target.execute(
            f"CREATE TABLE tracker_incident ({', '.join(c + (' INTEGER PRIMARY KEY' if c == 'id' else '') for c in columns)})"
        )
        # Times as ISO 8601 UTC text, so that text order is time order (Datasette compares text);
        # JSON (the import flags) as its text, which SQLite keeps as Datasette shows JSON.
        select = ", ".join(
            f"to_char({c} AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
            if c.endswith("_at")
            else f"{c}::text"
            if types[c] in ("json", "jsonb")
            else c
            for c in columns
        )
        with source.transaction(), source.cursor(name="copy") as cursor:
            cursor.execute(f"SELECT {select} FROM tracker_incident ORDER BY id")  # nosec B608 - column names from the catalog
            marks = ", ".join("?" * len(columns))
            while rows := cursor.fetchmany(20_000):
                target.executemany(f"INSERT INTO tracker_incident VALUES ({marks})", rows)  # nosec B608
        target.execute("CREATE INDEX incident_kind_occurred ON tracker_incident (kind, occurred_at DESC)")
        target.execute("CREATE INDEX incident_occurred ON tracker_incident (occurred_at DESC)")
        target.execute("ANALYZE")
    partial.rename(path)
    print(f"data: SQLite copy for Datasette in {time.perf_counter() - started:.0f} s", flush=True)
    return path


def scenario_ids() -> dict:
    """Ids the scenarios filter on: a governorate (the one with most incidents), its bounding
    box, the ceasefire with most violations, and a verified incident with several citations."""
    with psql(DATABASE_URL) as conn:
        governorate, lon, lat = conn.execute(
            """SELECT g.id, g.longitude, g.latitude FROM tracker_place g
               JOIN tracker_place d ON d.parent_id = g.id JOIN tracker_place t ON t.parent_id = d.id
               JOIN tracker_incident i ON i.place_id = t.id
               WHERE g.kind = 'governorate' GROUP BY g.id ORDER BY count(*) DESC, g.id LIMIT 1"""
        ).fetchone()
        ceasefire = conn.execute(
            """SELECT ceasefire_id FROM tracker_assessment WHERE verdict = 'violation'
               GROUP BY ceasefire_id ORDER BY count(*) DESC, ceasefire_id LIMIT 1"""
        ).fetchone()[0]
        incident = conn.execute(
            """SELECT c.incident_id FROM tracker_citation c JOIN tracker_incident i ON i.id = c.incident_id
               WHERE i.status = 'verified' GROUP BY c.incident_id HAVING count(*) >= 3 ORDER BY c.incident_id LIMIT 1"""
        ).fetchone()[0]
    bbox = f"{lon - 0.3:.2f},{lat - 0.3:.2f},{lon + 0.3:.2f},{lat + 0.3:.2f}"
    return {"governorate": governorate, "ceasefire": ceasefire, "bbox": bbox, "incident": incident}


# --- peers -----------------------------------------------------------------------------------


def url_of(system: str, scenario: Scenario) -> str | None:
    base = f"http://127.0.0.1:{PORTS[server_of(system)]}"
    if system in TRACKERS:
        return f"{base}/api/v1/incidents/?{scenario.tracker}"
    if system == "datasette" and scenario.datasette:
        return f"{base}/api-datasette/tracker_incident.json?{scenario.datasette}&_shape=objects"
    if system == "platformatic" and scenario.platformatic:
        return f"{base}/trackerIncident/?{scenario.platformatic}"
    return None


def ids_from(system: str, body) -> list[int]:
    rows = {
        "tracker": lambda b: b["results"],
        "tracker-cached": lambda b: b["results"],
        "datasette": lambda b: b["rows"],
        "platformatic": lambda b: b,
    }[server_of(system)](body)
    return [int(row["id"]) for row in rows]


def get_json(url: str, headers: dict[str, str] | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(request, timeout=60) as response:  # nosec B310 - our own local URL
        return json.loads(response.read())


# The read-only token's header, set by main() once the token is issued.
READER: dict[str, str] = {}


def headers_of(system: str) -> dict[str, str]:
    return READER if system.endswith("+token") else {}


def check_same_ids(measured: list[str], all_scenarios: list[Scenario]) -> dict[str, int]:
    """Every system that can express a scenario returns the same ids (the run stops if not)."""
    found = {}
    for scenario in all_scenarios:
        answers = {name: ids_from(name, get_json(url, headers_of(name))) for name in measured if (url := url_of(name, scenario))}
        reference = answers["tracker"]
        for name, ids in answers.items():
            # Equal times may come in another order (Datasette sorts by the time alone).
            if ids != reference and sorted(ids) != sorted(reference):
                raise SystemExit(
                    f"{scenario.name}: {name} returned other ids than the tracker: {ids[:10]}... vs {reference[:10]}..."
                )
        found[scenario.name] = len(reference)
    return found


# --- the raw limit ---------------------------------------------------------------------------


def django_setup() -> None:
    """Django in this process, on the bench database (the raw limit, the writers' token)."""
    os.environ["DATABASE_URL"] = DATABASE_URL
    scratch.setup()


def writer_token() -> str:
    """An API token of a curator, for the mixed load's writes."""
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command

    from tracker.models.auth import ApiToken

    call_command("setup_roles", verbosity=0)
    user, _ = User.objects.get_or_create(username="bench-writer", defaults={"is_staff": True})
    user.groups.add(Group.objects.get(name="curator"))
    return ApiToken.issue(user=user, name="bench")[1]


def reader_token() -> str:
    """A read-only API token of a user who may not view unpublished incidents (a public reader)."""
    from django.contrib.auth.models import User

    from tracker.models.auth import ApiToken

    user, _ = User.objects.get_or_create(username="bench-reader")
    return ApiToken.issue(user=user, name="bench reader", read_only=True)[1]


def raw_limit(all_scenarios: list[Scenario], repetitions: int) -> dict[str, dict]:
    """Per scenario: the SQL our endpoint runs, through psycopg prepared statements + orjson,
    in this process. CPU ms per request = this process + its PostgreSQL backend."""
    import orjson
    import psycopg
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    results = {}
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        backend = conn.info.backend_pid
        for scenario in all_scenarios:
            with CaptureQueriesContext(connection) as captured:
                response = client.get(f"/api/v1/incidents/?{scenario.tracker}")
            assert response.status_code == 200, response.content[:500]
            statements = [q["sql"] for q in captured.captured_queries]

            def once(statements=statements):
                pages = []
                for sql in statements:
                    with conn.cursor() as cursor:
                        cursor.execute(sql, prepare=True)
                        pages.append(cursor.fetchall())
                return orjson.dumps(pages, default=str)

            for _ in range(20):
                once()
            cpu0, db0, wall0 = time.process_time(), proc_cpu_seconds(backend), time.perf_counter()
            for _ in range(repetitions):
                once()
            cpu, db = time.process_time() - cpu0, proc_cpu_seconds(backend) - db0
            results[scenario.name] = {
                "queries": len(statements),
                "wall_ms": round(1000 * (time.perf_counter() - wall0) / repetitions, 3),
                "cpu_ms_per_request": round(1000 * (cpu + db) / repetitions, 3),
            }
    return results


# --- bulk work: recomputing every verdict, exporting every incident ---------------------------


def child_env() -> dict:
    return {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "testserver",
    }


def timed_child(argv: list[str]) -> tuple[dict, str]:
    """Run a child to its end: wall seconds, its CPU seconds and peak RSS (from wait4), and its
    stdout. (Not its PostgreSQL backend's CPU: the backend is gone by then, and a sum over the
    PostgreSQL processes before and after loses every backend that exited in between.)"""
    started = time.perf_counter()
    process = subprocess.Popen(argv, cwd=ROOT, env=child_env(), stdout=subprocess.PIPE, text=True)  # nosec B603
    out = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise SystemExit(f"{' '.join(argv)} exited with {process.returncode}")
    return {
        "seconds": round(time.perf_counter() - started, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mib": round(usage.ru_maxrss / 1024),
    }, out


def bulk_recompute() -> dict:
    """`manage.py recompute_assessments` over every incident and ceasefire."""
    figures, out = timed_child([str(PYTHON), "manage.py", "recompute_assessments"])
    figures["outcome"] = out.strip().splitlines()[-1]
    print(f"recompute: {figures}", flush=True)
    return figures


def export_against_copy(formats: list[str]) -> dict:
    """The streaming export of every incident (bench/export.py's measurement, in a child of its
    own) against PostgreSQL's COPY of the same rows with the same information."""
    results = {}
    for what in ["copy", *formats]:
        figures, out = timed_child([str(PYTHON), str(ROOT / "bench" / "export.py"), "--child", what])
        inner = json.loads(out.strip().splitlines()[-1])
        results[what] = {
            "rows": inner["lines"],
            "mib": round(inner["mib"]),
            "seconds": round(inner["seconds"], 3),
            "first_byte_seconds": round(inner["first_byte_seconds"], 2),
            "cpu_seconds": round(inner["cpu_seconds"], 1),
            "db_cpu_seconds": round(inner["db_cpu_seconds"], 1),
            "rss_before_mib": round(inner["rss_before_mib"]),
            "peak_rss_mib": figures["peak_rss_mib"],
        }
        print(f"export {what}: {results[what]}", flush=True)
    return results


def run_mixed(token: str, all_scenarios: list, seconds: float) -> dict:
    """The mixed load against the cached tracker (already running): every write must still be
    seen (and none lost) by the next read."""
    from tracker.models import Incident

    writable = list(Incident.objects.order_by("-occurred_at").values_list("pk", flat=True)[:50])
    read_paths = [f"/api/v1/incidents/?{s.tracker}" for s in all_scenarios]
    result = mixed.run(PORTS["tracker-cached"], token, read_paths, writable, connections=32, seconds=seconds)
    print(f"mixed load: {json.dumps(result)}", flush=True)
    return result


def endpoint_rows(systems: dict, ids: dict, seconds: float, repetitions: int) -> dict:
    """The tracker's other endpoints (aggregates, a release...), anonymous and with the token."""
    rows = {}
    for name, path in endpoints(ids).items():
        rows[name] = {}
        for system in TRACKERS:
            url = f"http://127.0.0.1:{PORTS[server_of(system)]}{path}"
            get_json(url, headers_of(system))  # a 4xx/5xx stops the run here, not as wrk's error count
            server = systems[server_of(system)]
            loads = [measure(server, url, c, seconds, repetitions, headers_of(system)).summary() for c in (1, 8)]
            rows[name][system] = loads
            print(
                f"{name} / {system}: " + "; ".join(f"{x['connections']} conns {x['rps']:.0f} req/s" for x in loads),
                flush=True,
            )
    return rows


def ensure_release() -> float | None:
    """Freeze the bench data as release RELEASE unless it exists; the seconds it took (None: reused)."""
    from django.core.management import call_command

    from tracker.models import Release

    if Release.objects.filter(name=RELEASE).exists():
        return None
    started = time.perf_counter()
    call_command("release", RELEASE, title="Bench data")
    took = time.perf_counter() - started
    print(f"release {RELEASE}: frozen in {took:.0f} s", flush=True)
    return took


def endpoints_load(seconds: float, repetitions: int) -> dict:
    """`--endpoints-only`: the tracker's other endpoints alone (no peers, no list scenarios)."""
    logs = RESULTS / "api-logs"
    logs.mkdir(exist_ok=True)
    django_setup()
    READER["Authorization"] = f"Token {reader_token()}"
    report = {"release_seconds": ensure_release()}
    systems = start_systems(None, logs, only=SERVERS)
    try:
        report["endpoints"] = endpoint_rows(systems, scenario_ids(), seconds, repetitions)
    finally:
        for server in systems.values():
            server.stop()
    return report


def lists_load(seconds: float, repetitions: int) -> dict:
    """`--lists-only`: the list scenarios for the uncached tracker alone, anonymous and with the
    read-only token, and the raw limit — the rows of the list table whose CPU against raw SQL
    compares within this run (the peers' ratios need the full run)."""
    logs = RESULTS / "api-logs"
    logs.mkdir(exist_ok=True)
    django_setup()
    READER["Authorization"] = f"Token {reader_token()}"
    all_scenarios = scenarios(scenario_ids())
    report = {"seconds": seconds, "repetitions": repetitions, "scenarios": {}}
    systems = start_systems(None, logs, only=("tracker",))
    try:
        for scenario in all_scenarios:
            for name in ("tracker", "tracker+token"):
                url = url_of(name, scenario)
                loads = [measure(systems["tracker"], url, c, seconds, repetitions, headers_of(name)).summary() for c in (1, 8)]
                report["scenarios"].setdefault(scenario.name, {})[name] = loads
                print(
                    f"{scenario.name} / {name}: "
                    + "; ".join(
                        f"{x['connections']} conns {x['rps']:.0f} req/s CPU {x['cpu_ms_per_request']:.1f} ms" for x in loads
                    ),
                    flush=True,
                )
    finally:
        for server in systems.values():
            server.stop()
    report["raw"] = raw_limit(all_scenarios, 300)
    print("raw: " + json.dumps(report["raw"]), flush=True)
    return report


def mixed_load(seconds: float) -> dict:
    """`--mixed-only`: the mixed load alone, on the same data, server and client as in the full run."""
    logs = RESULTS / "api-logs"
    logs.mkdir(exist_ok=True)
    all_scenarios = scenarios(scenario_ids())
    django_setup()
    token = writer_token()
    systems = start_systems(None, logs, only=("tracker-cached",))
    try:
        return run_mixed(token, all_scenarios, seconds)
    finally:
        for server in systems.values():
            server.stop()


# --- report ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 incidents, one short run per measure.")
    parser.add_argument("--incidents", type=int, help="Override the size (default 1,000,000; 100,000 with --quick).")
    parser.add_argument("--no-bulk", action="store_true", help="Skip the bulk recompute and the export against COPY.")
    parser.add_argument(
        "--mixed-only",
        action="store_true",
        help="Only the mixed read/write load (the cached tracker alone, no peers): bench/results/mixed.json.",
    )
    parser.add_argument(
        "--lists-only",
        action="store_true",
        help="Only the list scenarios for the uncached tracker and the raw limit (no peers): bench/results/lists.json.",
    )
    parser.add_argument(
        "--endpoints-only",
        action="store_true",
        help="Only the tracker's other endpoints (aggregates, a release): bench/results/endpoints.json.",
    )
    args = parser.parse_args()
    incidents = args.incidents or (100_000 if args.quick else 1_000_000)
    seconds, repetitions = (3, 1) if args.quick else (10, 3)
    mixed_seconds = 10 if args.quick else 60
    RESULTS.mkdir(parents=True, exist_ok=True)
    PEERS.mkdir(parents=True, exist_ok=True)
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")

    ensure_data(incidents)
    if args.mixed_only:
        RESULTS.joinpath("mixed.json").write_text(json.dumps(mixed_load(mixed_seconds), indent=2) + "\n")
        return
    if args.lists_only:
        found = lists_load(max(1, seconds // 2), max(1, repetitions - 1))
        RESULTS.joinpath("lists.json").write_text(json.dumps(found, indent=2) + "\n")
        return
    if args.endpoints_only:
        # Half the full run's measuring time (5 s x 2 per load instead of 10 s x 3): these rows alone.
        found = endpoints_load(max(1, seconds // 2), max(1, repetitions - 1))
        RESULTS.joinpath("endpoints.json").write_text(json.dumps(found, indent=2) + "\n")
        return
    sqlite_path = ensure_sqlite_copy()
    install_peers()
    ids = scenario_ids()
    all_scenarios = scenarios(ids)
    logs = RESULTS / "api-logs"
    logs.mkdir(exist_ok=True)
    django_setup()
    token = writer_token()
    READER["Authorization"] = f"Token {reader_token()}"
    release_seconds = ensure_release()
    systems = start_systems(sqlite_path, logs)
    measured = [*systems, *(name for name in TRACKERS if name not in systems)]
    print("started: " + ", ".join(f"{name} (PID {s.pid})" for name, s in systems.items()), flush=True)
    report = {"incidents": incidents, "workers": WORKERS, "seconds": seconds, "repetitions": repetitions}
    report |= {"release_seconds": release_seconds, "scenarios": {}}
    try:
        report["rows"] = check_same_ids(measured, all_scenarios)
        print("same ids: " + ", ".join(f"{k} ({v} rows)" for k, v in report["rows"].items()), flush=True)
        for scenario in all_scenarios:
            report["scenarios"][scenario.name] = {}
            for name in measured:
                url = url_of(name, scenario)
                if url is None:
                    continue
                server = systems[server_of(name)]
                loads = [measure(server, url, c, seconds, repetitions, headers_of(name)).summary() for c in (1, 8)]
                report["scenarios"][scenario.name][name] = loads
                print(
                    f"{scenario.name} / {name}: "
                    + "; ".join(f"{x['connections']} conns {x['rps']:.0f} req/s p99 {x['p99_ms']:.1f} ms" for x in loads),
                    flush=True,
                )
        report["endpoints"] = endpoint_rows(systems, ids, seconds, repetitions)
        report["mixed"] = run_mixed(token, all_scenarios, mixed_seconds)
    finally:
        for server in systems.values():
            server.stop()
        print(
            "stopped: " + ", ".join(f"{name} (PID {s.pid}, exit {s.process.returncode})" for name, s in systems.items()),
            flush=True,
        )
    report["raw"] = raw_limit(all_scenarios, 200 if args.quick else 1000)
    if not args.no_bulk:
        report["recompute"] = bulk_recompute()
        report["export"] = export_against_copy(["csv", "ndjson"])
    (RESULTS / "api.json").write_text(json.dumps(report, indent=2) + "\n")
    markdown = table(report)
    (RESULTS / "api.md").write_text(markdown)
    print()
    print(markdown)


if __name__ == "__main__":
    main()
