"""The writer processes of tests/test_live_concurrency.py. A module of its own, free of
Django imports, because each process starts fresh (spawn) and imports it."""

import http.client
import json
import time


def _request(conn, method, path, token, body=None, headers=None):
    all_headers = {"Authorization": f"Token {token}", "Content-Type": "application/json", **(headers or {})}
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=all_headers)
    response = conn.getresponse()
    return response.status, response.getheader("ETag"), json.loads(response.read() or b"null")


def writer(args):
    """PATCH the incidents round-robin as fast as possible, always with the last ETag seen;
    on 412 take the current version from the body and go on. Returns every outcome."""
    port, token, incident_ids, number, seconds = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    etags = {}
    for pk in incident_ids:
        etags[pk] = _request(conn, "GET", f"/api/v1/incidents/{pk}/", token)[1]
    outcomes, n, stop = [], 0, time.monotonic() + seconds
    while time.monotonic() < stop:
        pk = incident_ids[n % len(incident_ids)]
        value = f"writer {number} write {n}"
        status, etag, body = _request(
            conn, "PATCH", f"/api/v1/incidents/{pk}/", token, {"description": value}, {"If-Match": etags[pk]}
        )
        if status == 200:
            etags[pk] = etag
            outcomes.append((pk, status, value, body["version"]))
        elif status == 412:
            etags[pk] = f'"{body["current_version"]}"'
            outcomes.append((pk, status, value, None))
        else:
            outcomes.append((pk, status, value, None))
        n += 1
    return outcomes


def bulk_poster(args):
    """POST one bulk body once a shared start time is reached (so the requests race); return
    the status and the answer."""
    port, token, items, key, start_at = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    time.sleep(max(0.0, start_at - time.time()))
    status, _, body = _request(conn, "POST", "/api/v1/incidents/bulk/", token, items, {"Idempotency-Key": key})
    return status, body
