"""Mixed read/write load against a running tracker: CONNECTIONS client threads for SECONDS,
90 % reads across the filter set, 10 % writes (PATCH with If-Match, as a careful client does),
then checks that no accepted write was lost.

A write's outcome is 200 (accepted, with its new version), or 412 (another client changed the
incident first: the client takes the current version from the body, as the API tells it to, and
goes on). Anything else — a 5xx, another 4xx, a broken connection — is an error. A write is lost
when two accepted writes of one incident got the same version, or the incident does not end
with the value of its last accepted write.
"""

import http.client
import json
import random
import threading
import time
from collections import Counter, defaultdict


def _request(conn, method: str, path: str, headers: dict, body=None, cache: Counter | None = None):
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = conn.getresponse()
    if cache is not None:  # how the response cache answered (HIT, MISS, REFRESHED; none: not cached)
        cache[response.getheader("X-Cache") or "none"] += 1
    return response.status, response.getheader("ETag"), response.read()


def run(
    port: int, token: str, read_paths: list[str], incident_ids: list[int], *, connections: int = 32, seconds: float = 60
) -> dict:
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    stop = time.monotonic() + seconds
    lock = threading.Lock()
    statuses: Counter = Counter()
    cache: Counter = Counter()  # the reads' X-Cache
    accepted: dict[int, list[tuple[int, str]]] = defaultdict(list)  # incident -> [(version, value)]
    errors: list[str] = []
    latencies: list[float] = []

    def client(number: int) -> None:
        rng = random.Random(number)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        etags: dict[int, str] = {}
        seen: Counter = Counter()
        n = 0
        while time.monotonic() < stop:
            n += 1
            started = time.perf_counter()
            try:
                if rng.random() < 0.9:
                    status, _, _ = _request(conn, "GET", rng.choice(read_paths), headers, cache=seen)
                    kind, ok = "read", status == 200
                else:
                    pk = rng.choice(incident_ids)
                    if pk not in etags:
                        etags[pk] = _request(conn, "GET", f"/api/v1/incidents/{pk}/", headers)[1]
                    value = f"client {number} write {n}"
                    status, etag, body = _request(
                        conn, "PATCH", f"/api/v1/incidents/{pk}/", {**headers, "If-Match": etags[pk]}, {"description": value}
                    )
                    kind, ok = "write", status in (200, 412)
                    if status == 200:
                        etags[pk] = etag
                        with lock:
                            accepted[pk].append((json.loads(body)["version"], value))
                    elif status == 412:
                        etags[pk] = f'"{json.loads(body)["current_version"]}"'
            except (OSError, http.client.HTTPException) as exc:
                kind, ok, status = "error", False, type(exc).__name__
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                cache.update(seen)
                seen.clear()
                latencies.append(time.perf_counter() - started)
                statuses[f"{kind} {status}"] += 1
                if not ok:
                    errors.append(f"{kind} {status}")

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began

    # Lost writes: versions of accepted writes are unique per incident, and the last one stands.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    lost = 0
    for pk, writes in accepted.items():
        versions = [v for v, _ in writes]
        lost += len(versions) - len(set(versions))
        final = json.loads(_request(conn, "GET", f"/api/v1/incidents/{pk}/", headers)[2])
        if final["description"] != max(writes)[1]:
            lost += 1
    latencies.sort()
    requests = sum(statuses.values())
    return {
        "connections": connections,
        "seconds": round(elapsed, 1),
        "requests": requests,
        "rps": round(requests / elapsed, 1),
        "p50_ms": round(1000 * latencies[len(latencies) // 2], 1) if latencies else None,
        "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)], 1) if latencies else None,
        "statuses": dict(sorted(statuses.items())),
        "reads_by_cache": dict(sorted(cache.items())),
        "accepted_writes": sum(len(w) for w in accepted.values()),
        "errors": len(errors),
        "lost_writes": lost,
    }
