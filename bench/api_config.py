"""bench/api.py's settings: where things are, the systems' ports and pinned peers, the data,
and the scenarios measured."""

import hashlib
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PEERS = ROOT / "bench" / "peers"
PYTHON = ROOT / ".venv" / "bin" / "python"
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tracker_bench_api")
SEED = 1
PAGE = 100
WORKERS = int(os.environ.get("BENCH_WORKERS", "2"))
PORTS = {"tracker": 8601, "datasette": 8602, "platformatic": 8603, "tracker-cached": 8604}
# The tracker runs twice: without its response cache (every request does the work) and with it
# (reads answered from the cache between writes, as a polling client sees them). Each is read
# anonymously and with a read-only token (`<server>+token`: the other services this tracker is
# for read with tokens; the token's user may not view unpublished incidents, so it reads what
# the public reads).
SERVERS = ("tracker", "tracker-cached")
TRACKERS = (*SERVERS, *(f"{name}+token" for name in SERVERS))
SHOWN = {
    "tracker": "tracker",
    "tracker-cached": "tracker (cached)",
    "tracker+token": "tracker, read-only token",
    "tracker-cached+token": "tracker (cached), read-only token",
}


def server_of(system: str) -> str:
    """The server a measured system runs on (a token reader reads from the anonymous one's)."""
    return system.removesuffix("+token")


# Pinned peers.
DATASETTE = ["datasette==0.65.5", "gunicorn==27.0.1", "uvicorn==0.54.0"]
PLATFORMATIC = "@platformatic/db@2.61.0"

WINDOW = ("2021-01-01T00:00:00Z", "2022-01-01T00:00:00Z")  # one year of the data's six


def run(argv: list[str], **kwargs) -> None:
    subprocess.run(argv, check=True, **kwargs)  # nosec B603 - our own argv


@dataclass
class Scenario:
    name: str
    tracker: str  # query string of /api/v1/incidents/
    datasette: str | None = None
    platformatic: str | None = None


def scenarios(ids: dict) -> list[Scenario]:
    start, end = WINDOW
    window = f"occurred_after={start}&occurred_before={end}"
    return [
        Scenario(
            "kind + date window",
            f"kind=airstrike&{window}&ordering=-occurred_at&page_size={PAGE}",
            datasette=f"kind=airstrike&occurred_at__gte={start}&occurred_at__lt={end}&status__in=verified,disputed"
            f"&_sort_desc=occurred_at&_size={PAGE}&_nocount=1",
            platformatic=f"where.kind.eq=airstrike&where.occurredAt.gte={start}&where.occurredAt.lt={end}"
            f"&where.status.in=verified,disputed&orderby.occurredAt=desc&orderby.id=desc&limit={PAGE}",
        ),
        Scenario("kind + date window, with count", f"kind=airstrike&{window}&ordering=-occurred_at&page_size={PAGE}&count=true"),
        Scenario("bbox + date window", f"bbox={ids['bbox']}&{window}&page_size={PAGE}"),
        Scenario("ceasefire + verdict", f"ceasefire={ids['ceasefire']}&verdict=violation&page_size={PAGE}"),
        Scenario("place with hierarchy", f"place={ids['governorate']}&page_size={PAGE}"),
        Scenario("free text", f"q=market&page_size={PAGE}"),
    ]


# The release `make bench` freezes of the bench data (bench/api.py: ensure_release).
RELEASE = "bench"


def endpoints(ids: dict) -> dict[str, str]:
    """The tracker's other read endpoints (no peer has them): path per name."""
    start, end = WINDOW
    window = f"occurred_after={start}&occurred_before={end}"
    aggregate = "/api/v1/incidents/aggregate/?group_by="
    return {
        "incident detail": f"/api/v1/incidents/{ids['incident']}/",
        "ceasefire violations": f"/api/v1/ceasefires/{ids['ceasefire']}/violations/?page_size={PAGE}",
        "ceasefire compliance (14 days)": f"/api/v1/ceasefires/{ids['ceasefire']}/compliance/",
        # The aggregates: a dashboard's questions, on a filter's index and over everything.
        "aggregate: month x admin1, kind + window": f"{aggregate}month,admin1&kind=airstrike&{window}",
        "aggregate: week x top perpetrator, every incident": f"{aggregate}week,perpetrator_top&metric=killed_low",
        "aggregate: H3 resolution 5, kind + window": f"{aggregate}h3&h3_resolution=5&kind=airstrike&{window}",
        "aggregate: verdict against a ceasefire": f"{aggregate}verdict&ceasefire={ids['ceasefire']}",
        # A release (every public record frozen: its own tables) read as the live list is.
        "release list: kind + window": f"/api/v1/releases/{RELEASE}/incidents/?kind=airstrike&{window}&page_size={PAGE}",
        "release aggregate: month x admin1, kind + window": (
            f"/api/v1/releases/{RELEASE}/incidents/aggregate/?group_by=month,admin1&kind=airstrike&{window}"
        ),
    }


def generator_digest() -> str:
    digest = hashlib.sha256()
    for path in sorted((ROOT / "tracker" / "demo").glob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def psql(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True)
