"""Benchmark: subscriptions under a bulk import — incidents created, then changed, by the bulk
endpoint with many subscriptions (most not matching), against the same without subscriptions.

    .venv/bin/python bench/webhooks.py [--incidents 1000] [--subscriptions 1000] [--matching 10] [--thread]

Uses DATABASE_URL if set (point it at a scratch database: it is flushed), else a scratch SQLite
file under bench/results/. The database holds the Idlib fixture (its ceasefires: each incident's
verdicts are computed in the request). A reviewer POSTs the incidents to /api/v1/incidents/bulk/
in one request (airstrikes at the fixture's places in Idlib governorate), then POSTs them again
with new casualty figures (every one changed). Round 1 has no subscription; round 2 has
`--subscriptions` of them, 20 per owner (the limit), all to a receiver in this process that
answers 204: `--matching` of them match every incident (half `kind=airstrike`, half the Idlib
governorate), the rest match none — a third by kind (refused in Python before any query), the
rest by a place elsewhere, a casualty floor or a free-text term (each needs the filterset's
query). The webhooks run as in production: on the database task queue, run by one `db_worker`
process beside this one (both rounds); `--thread`: as with the `immediate` backend, in a
background thread of this process (tracker/webhooks/worker.py).

Reported, per round and step: the curator's request time (and its ratio to round 1's), the
time from the request's start until the last delivery landed at the receiver, the deliveries,
and — measured apart, in this thread — what matching costs: every subscription's filter against
the changed incidents, per changed incident. Figures go to bench/results/webhooks.md.
"""

import os
import random
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import scratch

THREAD = "--thread" in sys.argv
if not THREAD:
    os.environ["TRACKER_TASKS_BACKEND"] = "database"  # this process enqueues; the worker runs
scratch.setup("webhooks")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from rest_framework.test import APIClient  # noqa: E402

from tracker import conf  # noqa: E402
from tracker.choices import DeliveryState  # noqa: E402
from tracker.models import Delivery, Incident, IncidentEvent, Place, Subscription  # noqa: E402
from tracker.models.hierarchy import subtree_id_list  # noqa: E402
from tracker.services.fixtures import load_fixture  # noqa: E402
from tracker.services.subscriptions import SUBSCRIPTIONS  # noqa: E402
from tracker.webhooks import matching, worker  # noqa: E402

PER_OWNER = 20


class Receiver:
    """A local receiver answering 204 to every POST; counts them and notes the last one's time."""

    def __init__(self):
        self.count, self.last = 0, None
        lock, receiver = threading.Lock(), self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(204)
                self.end_headers()
                with lock:
                    receiver.count += 1
                    receiver.last = time.perf_counter()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def fresh_database() -> None:
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("setup_roles", verbosity=0)
    load_fixture("fixtures/idlib_2020.json")
    call_command("recompute_assessments", verbosity=0)


def user(name: str, role: str | None):
    from django.contrib.auth.models import Group

    account = get_user_model().objects.create(username=name, is_staff=role is not None)
    if role:
        account.groups.add(Group.objects.get(name=role))
    return account


def items(run: str, n: int, places: list[int], killed: int, rng: random.Random) -> list[dict]:
    return [
        {
            "title": f"Airstrike {run}-{i}",
            "kind": "airstrike",
            "occurred_at": f"2020-01-{12 + i % 18:02d}T{i % 24:02d}:00:00+03:00",
            "time_precision": "hour",
            "place": rng.choice(places),
            "geo_precision": "town",
            "status": "verified",
            "killed_low": killed,
            "killed_high": killed + 2,
            "external_source": "bench",
            "external_id": f"{run}-{i}",
        }
        for i in range(n)
    ]


def subscribe(receiver: Receiver, total: int, matching_count: int, idlib: int, elsewhere: int) -> None:
    filters = [("kind=airstrike" if i % 2 else f"place={idlib}") for i in range(matching_count)]
    rest = total - matching_count
    filters += ["kind=drone_strike"] * (rest // 3)
    rest -= rest // 3
    filters += [f"place={elsewhere}", "fatalities_min=5000", "q=no-such-word"] * (rest // 3) + [f"place={elsewhere}"] * (rest % 3)
    owners = [user(f"owner{n}", "reviewer" if n % 2 else None) for n in range((len(filters) + PER_OWNER - 1) // PER_OWNER)]
    for n, text in enumerate(filters):
        owner = owners[n // PER_OWNER]
        SUBSCRIPTIONS.create(
            data={"name": f"s{n}", "target_url": receiver.url, "filter": text, "events": ["incident.created", "incident.changed"],
                  "owner": owner},
            user=owner,
        )  # fmt: skip


def settled(since: int, timeout: float = 1800) -> None:
    """Wait until every event is dispatched and no delivery waits."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        if (
            not IncidentEvent.objects.filter(dispatched_at=None).exists()
            and not Delivery.objects.filter(state=DeliveryState.PENDING).exists()
        ):
            return
        time.sleep(0.05)
    raise SystemExit("deliveries did not settle")


def step(client, receiver: Receiver, body: list[dict]) -> dict:
    before = receiver.count
    delivered_before = Delivery.objects.count()
    started = time.perf_counter()
    response = client.post("/api/v1/incidents/bulk/", body, format="json")
    request = time.perf_counter() - started
    assert response.status_code == 200, response.content[:500]
    counts = response.json()["counts"]
    assert counts["error"] == 0, response.json()["results"][:3]
    settled(before)
    deliveries = Delivery.objects.count() - delivered_before
    last = (receiver.last - started) if deliveries else None
    return {"request": request, "last": last, "deliveries": deliveries, "received": receiver.count - before}


def matching_cost(n: int) -> float:
    subscriptions = list(Subscription.objects.filter(active=True).select_related("owner").order_by("pk"))
    incidents = list(Incident.objects.order_by("-pk")[:n])
    started = time.perf_counter()
    found = matching.matches(subscriptions, incidents)
    spent = time.perf_counter() - started
    print(f"  matching: {sum(len(v) for v in found.values()):,} pairs in {spent * 1000:.0f} ms")
    return spent / len(incidents)


def main() -> None:
    parser = scratch.parser(__doc__, incidents=1000, subscriptions=1000, matching=10, seed=1)
    parser.add_argument("--thread", action="store_true")
    args = parser.parse_args()
    settings.TRACKER_WEBHOOK_RUNNER = "thread" if THREAD else "queue"
    settings.TRACKER_WEBHOOK_ALLOW_PRIVATE = True
    settings.TRACKER_RESPONSE_CACHE_SECONDS = 0
    settings.ALLOWED_HOSTS = ["*"]
    settings.TRACKER_BULK_MAX_ITEMS = max(args.incidents, 1000)
    fresh_database()
    rng = random.Random(args.seed)
    idlib = Place.objects.get(name="Idlib Governorate")
    elsewhere = Place.objects.exclude(pk__in=subtree_id_list(Place, idlib.pk)).exclude(parent=None).order_by("pk").first()
    places = list(subtree_id_list(Place, idlib.pk))
    receiver = Receiver()
    worker_process = None
    if not THREAD:
        environment = {**os.environ, "TRACKER_WEBHOOK_RUNNER": "queue", "TRACKER_WEBHOOK_ALLOW_PRIVATE": "true"}
        worker_process = subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "db_worker",
                "--queue-name",
                "*",
                "--no-reload",
                "--interval",
                "0.1",
                "--verbosity",
                "0",
            ],
            cwd=scratch.ROOT,
            env=environment,
        )
    client = APIClient()
    client.force_authenticate(user("bench-curator", "reviewer"))

    rows = []
    for label in ("without subscriptions", "with subscriptions"):
        if label == "with subscriptions":
            subscribe(receiver, args.subscriptions, args.matching, idlib.pk, elsewhere.pk)
        run = "a" if label.startswith("without") else "b"
        created = step(client, receiver, items(run, args.incidents, places, 1, rng))
        changed = step(client, receiver, items(run, args.incidents, places, 3, rng))
        rows.append((label, created, changed))
        print(f"{label}: create {created}, change {changed}")
    per_incident = matching_cost(args.incidents)
    worker._thread.stop()
    if worker_process is not None:
        worker_process.terminate()
        worker_process.wait(30)

    base = {"create": rows[0][1]["request"], "change": rows[0][2]["request"]}
    lines = [
        f"{args.incidents:,} incidents by one bulk request, then all changed by another; {args.subscriptions:,} subscriptions "
        f"({args.matching} matching every incident) in the second round; {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; "
        f"webhooks run by {'a thread of the app process' if THREAD else 'one db_worker process'}, "
        f"{'one' if connection.vendor == 'sqlite' else conf.WEBHOOK_CONCURRENCY} sender(s) at once.",
        "",
        "| round | step | request s | vs without | last delivery landed after s | deliveries |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for label, created, changed in rows:
        for name, figures in (("create", created), ("change", changed)):
            last = "—" if figures["last"] is None else f"{figures['last']:.1f}"
            lines.append(
                f"| {label} | {name} | {figures['request']:.2f} | {figures['request'] / base[name]:.2f}× | {last} | "
                f"{figures['deliveries']:,} |"
            )
    lines += [
        "",
        f"Matching, every subscription against the {args.incidents:,} changed incidents: {per_incident * 1000:.2f} ms per changed incident.",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    scratch.RESULTS.mkdir(parents=True, exist_ok=True)
    (scratch.RESULTS / "webhooks.md").write_text(text)


if __name__ == "__main__":
    main()
