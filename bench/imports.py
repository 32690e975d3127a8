"""Benchmark of `import_events` on an ACLED-format file: rows per second, and peak memory for
two file sizes (streaming keeps it flat in file size).

    .venv/bin/python bench/imports.py [--rows 100000] [--small 10000] [--seed 1]

Uses DATABASE_URL if set (PostgreSQL: point it at a scratch database, it is emptied), else a
scratch SQLite file under bench/results/. The file is generated deterministically in ACLED's
current columns: 2,000 locations in 14 governorates and 60 districts, 40 actors, dates over three
years, one to three sources per event, notes of a few sentences, one row in ten a protest or
strategic development (skipped), one in a hundred with a bad date (failed). Each size is imported
into an emptied database in a child process, so its peak memory (ru_maxrss) is its own; the
first import is then repeated to time an all-unchanged re-import.
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
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    import io

    from django.core.management import call_command

    if label != "reimport":
        call_command("flush", interactive=False, verbosity=0)
    out = io.StringIO()
    started = time.perf_counter()
    call_command("import_events", path, "--format", "acled", "--no-progress", stdout=out)
    elapsed = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"label": label, "seconds": elapsed, "peak_mib": peak_mib, "summary": out.getvalue().splitlines()[0]}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
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
    for rows, label in ((args.small, "small"), (args.rows, "large"), (args.rows, "reimport")):
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
    (RESULTS / "imports.json").write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
