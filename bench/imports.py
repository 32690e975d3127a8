"""Benchmark of `import_events` on an ACLED-format file: rows per second, and peak memory for
two file sizes (streaming keeps it flat in file size), against `COPY` of the same rows into a
bare table (the floor: what the database itself takes to store them).

    .venv/bin/python bench/imports.py [--rows 100000] [--small 10000] [--seed 1] [--row-by-row N]

Uses DATABASE_URL if set (PostgreSQL: point it at a scratch database, it is emptied), else a
scratch SQLite file under bench/results/. The file is generated deterministically in ACLED's
current columns: 2,000 locations in 14 governorates and 60 districts, 40 actors, dates over three
years, one to three sources per event, notes of a few sentences, one row in ten a protest or
strategic development (skipped), one in a hundred with a bad date (failed). Each size is imported
into an emptied database holding the Idlib fixture (its ceasefires: verdicts are computed) in
a child process, so its peak memory (ru_maxrss) is its own; the large import is then repeated
to time an all-unchanged re-import. `--row-by-row N` also times the row-by-row path on the
first N rows of the small file. Figures go to bench/results/imports.json and imports.md.
"""

import argparse
import csv
import json
import os
import random
import resource
import secrets
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import scratch  # bench/ is on the path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

COLUMNS = [
    "event_id_cnty",
    "event_date",
    "year",
    "time_precision",
    "disorder_type",
    "event_type",
    "sub_event_type",
    "actor1",
    "assoc_actor_1",
    "inter1",
    "actor2",
    "assoc_actor_2",
    "inter2",
    "interaction",
    "civilian_targeting",
    "iso",
    "region",
    "country",
    "admin1",
    "admin2",
    "admin3",
    "location",
    "latitude",
    "longitude",
    "geo_precision",
    "source",
    "source_scale",
    "notes",
    "fatalities",
    "tags",
    "timestamp",
]
SUB_EVENTS = [
    ("Explosions/Remote violence", "Air/drone strike"),
    ("Explosions/Remote violence", "Shelling/artillery/missile attack"),
    ("Explosions/Remote violence", "Remote explosive/landmine/IED"),
    ("Battles", "Armed clash"),
    ("Violence against civilians", "Attack"),
]
SKIPPED = [("Protests", "Peaceful protest"), ("Strategic developments", "Agreement")]
SYLLABLES = ["ma", "ar", "rat", "num", "an", "sar", "aq", "ib", "kaf", "nabl", "tal", "deir", "khan", "ain", "ras", "jis"]


def name(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def generate(path: Path, rows: int, seed: int) -> None:
    rng = random.Random(seed)
    governorates = [name(rng) for _ in range(14)]
    districts = [(rng.choice(governorates), name(rng)) for _ in range(60)]
    locations = [
        (*rng.choice(districts), name(rng), round(rng.uniform(32, 37), 4), round(rng.uniform(35.5, 42), 4)) for _ in range(2000)
    ]
    actors = ["Military Forces of Syria (2000-)", "Military Forces of Russia (2000-)"] + [
        f"{name(rng)} Brigade" for _ in range(38)
    ]
    sources = [f"{name(rng)} News" for _ in range(60)]
    words = [name(rng).lower() for _ in range(400)]
    start = date(2019, 1, 1)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for i in range(rows):
            event_type, sub = rng.choice(SKIPPED) if rng.random() < 0.1 else rng.choice(SUB_EVENTS)
            governorate, district, location, lat, lon = rng.choice(locations)
            day = start + timedelta(days=rng.randrange(1095))
            when = day.strftime("%d %B %Y") if rng.random() > 0.01 else "31 February 2020"
            notes = " ".join(
                " ".join(rng.choices(words, k=rng.randint(8, 16))).capitalize() + "." for _ in range(rng.randint(1, 3))
            )
            writer.writerow(
                [
                    f"SYR{i + 1}", when, day.year, rng.choice("1112"), "Political violence", event_type, sub,
                    rng.choice(actors), "NA", rng.choice("128"), "Civilians (Syria)", "NA", "7", "17",
                    "Civilian targeting" if rng.random() < 0.3 else "", "760", "Middle East", "Syria",
                    governorate, district, district, location, lat, lon, rng.choice("112"),
                    "; ".join(rng.sample(sources, rng.randint(1, 3))), "National", notes, rng.choice([0, 0, 1, 2, 5]),
                    "NA", 1700000000,
                ]
            )  # fmt: skip


def child(path: str, label: str) -> None:
    """Run in a child process: empty the database, import, print a JSON line of figures."""
    scratch.setup()
    import io

    from django.core.management import call_command

    if label != "reimport":
        call_command("flush", interactive=False, verbosity=0)
        call_command("bootstrap", "--no-demo-user", stdout=io.StringIO())
    out = io.StringIO()
    started = time.perf_counter()
    extra = ["--row-by-row"] if label == "row-by-row" else []
    call_command("import_events", path, "--format", "acled", "--no-progress", *extra, stdout=out)
    elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"label": label, "seconds": elapsed, "peak_mib": peak_mib, "summary": out.getvalue().splitlines()[0]}))


def copy_floor(path: Path, env: dict) -> float:
    """Seconds to store the file's rows in a bare table of text columns: COPY on PostgreSQL,
    one executemany in a transaction on SQLite."""
    url = env["DATABASE_URL"]
    if url.startswith("postgres"):
        import psycopg

        with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn, conn.cursor() as cur:
            cur.execute("DROP TABLE IF EXISTS bench_copy_floor")
            cur.execute(f"CREATE UNLOGGED TABLE bench_copy_floor ({', '.join(f'{c} text' for c in COLUMNS)})")
            started = time.perf_counter()
            with path.open("rb") as data, cur.copy("COPY bench_copy_floor FROM STDIN (FORMAT csv, HEADER true)") as copy:
                while chunk := data.read(1 << 20):
                    copy.write(chunk)
            elapsed = time.perf_counter() - started
            cur.execute("DROP TABLE bench_copy_floor")
            return elapsed
    import sqlite3

    conn = sqlite3.connect(url.removeprefix("sqlite:///"))
    conn.execute("DROP TABLE IF EXISTS bench_copy_floor")
    conn.execute(f"CREATE TABLE bench_copy_floor ({', '.join(f'{c} text' for c in COLUMNS)})")
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as data, conn:
        rows = csv.reader(data)
        next(rows)
        conn.executemany(f"INSERT INTO bench_copy_floor VALUES ({', '.join('?' * len(COLUMNS))})", rows)
    elapsed = time.perf_counter() - started
    conn.execute("DROP TABLE bench_copy_floor")
    conn.close()
    return elapsed


def main() -> None:
    parser = scratch.parser(__doc__, rows=100_000, small=10_000, seed=1)
    parser.add_argument("--row-by-row", type=int, default=0, help="also time the row-by-row path on this many rows")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(*args.child)
    RESULTS.mkdir(parents=True, exist_ok=True)
    env = {**os.environ}
    env.setdefault("DATABASE_URL", f"sqlite:///{RESULTS / 'imports.sqlite3'}")
    # As in production: no query log (DEBUG keeps the last 9,000 queries and formats each).
    env.setdefault("DJANGO_DEBUG", "false")
    env.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    subprocess.run([sys.executable, str(ROOT / "manage.py"), "migrate", "-v0"], env=env, check=True)
    figures = []
    runs = [(args.small, "small"), (args.rows, "large"), (args.rows, "reimport")]
    if args.row_by_row:
        runs.append((args.row_by_row, "row-by-row"))
    for rows, label in runs:
        path = RESULTS / f"acled_{rows}.csv"
        if not path.exists():
            generate(path, rows, args.seed)
        line = (
            subprocess.run(
                [sys.executable, __file__, "--child", str(path), label], env=env, check=True, capture_output=True, text=True
            )
            .stdout.strip()
            .splitlines()[-1]
        )
        result = json.loads(line) | {"rows": rows, "file_mib": path.stat().st_size / 2**20}
        figures.append(result)
        print(
            f"{label}: {rows} rows ({result['file_mib']:.1f} MiB) in {result['seconds']:.1f} s = "
            f"{rows / result['seconds']:.0f} rows/s, peak memory {result['peak_mib']:.0f} MiB — {result['summary']}"
        )
    floor = copy_floor(RESULTS / f"acled_{args.rows}.csv", env)
    figures.append({"label": "copy", "rows": args.rows, "seconds": floor})
    print(f"COPY floor: {args.rows} rows in {floor:.2f} s = {args.rows / floor:,.0f} rows/s")
    (RESULTS / "imports.json").write_text(json.dumps(figures, indent=2))
    (RESULTS / "imports.md").write_text(table(figures, env["DATABASE_URL"].split(":", 1)[0]))
    print(table(figures, env["DATABASE_URL"].split(":", 1)[0]))


# Today's rate before the bulk path (issue 6's 100,000-row run, SQLite): the goal is ten times it.
ROW_BY_ROW_RATE = 47


def table(figures: list[dict], database: str) -> str:
    floor = next(f for f in figures if f["label"] == "copy")
    lines = [
        f"Imports of a generated ACLED file ({database}); the floor is COPY of the same rows into a bare table.",
        "",
        "| run | rows | s | rows/s | peak RSS MiB | vs 47 rows/s (row by row, before) | time vs COPY | outcome |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for f in figures:
        if f["label"] == "copy":
            continue
        rate = f["rows"] / f["seconds"]
        versus_copy = f["seconds"] / (floor["seconds"] * f["rows"] / floor["rows"])
        lines.append(
            f"| {f['label']} | {f['rows']:,} | {f['seconds']:.1f} | {rate:,.0f} | {f['peak_mib']:.0f} | "
            f"{rate / ROW_BY_ROW_RATE:.1f}× | {versus_copy:,.0f}× | {f['summary']} |"
        )
    lines.append(
        f"| COPY (floor) | {floor['rows']:,} | {floor['seconds']:.2f} | {floor['rows'] / floor['seconds']:,.0f} | | | 1× | |"
    )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
