"""A token reader's cached incident list, with and without the token cache, against an anonymous
reader's — in-process, through the whole Django stack (middleware, DRF, the response cache).

    .venv/bin/python bench/token_reads.py [--requests 400] [--rounds 5]

Uses DATABASE_URL if set (nothing is written but a token and its user), else a scratch SQLite
file under bench/results/ holding the Idlib fixture. Every request asks for the same page, so
after the first each is a response-cache hit: what remains is authentication, permissions,
throttling and the cache lookup — the part of a token reader's request the token cache
(TRACKER_TOKEN_CACHE_SECONDS) is for. Reports the median per-request time of each reader over
`--rounds` rounds of `--requests` requests, interleaved, and the queries each made per request.
"""

import statistics
import time

import scratch

scratch.setup("token_reads")

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from tracker.models import ApiToken, Incident  # noqa: E402
from tracker.services.fixtures import load_fixture  # noqa: E402

URL = "/api/v1/incidents/?kind=airstrike&page_size=100"


def prepared() -> str:
    call_command("migrate", verbosity=0)
    if not Incident.objects.exists():
        call_command("setup_roles", verbosity=0)
        load_fixture("fixtures/idlib_2020.json")
    user, _ = get_user_model().objects.get_or_create(username="bench-token-reader")
    _, key = ApiToken.issue(user=user, name="bench", read_only=True)
    return key


def per_request(client: Client, headers: dict, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        response = client.get(URL, **headers)
        assert response.status_code == 200, response.content[:200]
    return (time.perf_counter() - started) / n


def queries(client: Client, headers: dict) -> int:
    with CaptureQueriesContext(connection) as captured:
        client.get(URL, **headers)
    return len(captured.captured_queries)


def main() -> None:
    args = scratch.parser(__doc__, requests=400, rounds=5).parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    settings.TRACKER_RESPONSE_CACHE_SECONDS = 300
    # Throttled as every reader is (a cache increment per request), at rates this never reaches.
    settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"].update(anon="1000000/min", user="1000000/min", ingest="1000000/min")
    key = prepared()
    client = Client()
    readers = {
        "anonymous": ({}, None),
        "token, cached 5 s": ({"HTTP_AUTHORIZATION": f"Token {key}"}, 5),
        "token, not cached": ({"HTTP_AUTHORIZATION": f"Token {key}"}, 0),
    }
    times = {name: [] for name in readers}
    counts = {}
    for name, (headers, seconds) in readers.items():
        if seconds is not None:
            settings.TRACKER_TOKEN_CACHE_SECONDS = seconds
        per_request(client, headers, 20)  # warm: the cached answer, the token
        counts[name] = queries(client, headers)
    for _ in range(args.rounds):
        for name, (headers, seconds) in readers.items():
            if seconds is not None:
                settings.TRACKER_TOKEN_CACHE_SECONDS = seconds
            times[name].append(per_request(client, headers, args.requests))
    base = statistics.median(times["anonymous"])
    lines = [
        f"Cached incident list ({URL}), {args.rounds} rounds of {args.requests} requests, in-process, {connection.vendor}.",
        "",
        "| reader | ms per request (median) | vs anonymous | queries per request |",
        "| --- | --- | --- | --- |",
    ]
    for name in readers:
        median = statistics.median(times[name])
        lines.append(f"| {name} | {median * 1000:.2f} | {median / base:.2f}× | {counts[name]} |")
    text = "\n".join(lines) + "\n"
    print(text)
    scratch.RESULTS.mkdir(parents=True, exist_ok=True)
    (scratch.RESULTS / "token_reads.md").write_text(text)


if __name__ == "__main__":
    main()
