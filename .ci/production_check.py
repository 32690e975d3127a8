"""Checks a tracker deployed with DJANGO_ENV=production (.ci/production) over HTTP and in
headless Chromium: static files hashed and served, the API and its docs, the security headers
and cookies, the admin working under the Content-Security-Policy with nothing blocked and no
console error, and a ceasefire edit's verdicts recomputed by the database task queue's worker. Requests carry X-Forwarded-Proto: https, as the TLS proxy in front would.

usage: production_check.py BASE_URL USERNAME PASSWORD
"""

import http.client
import json
import os
import re
import sys
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

BASE, USERNAME, PASSWORD = sys.argv[1:4]
HOST = urlsplit(BASE)
PROXY = {"X-Forwarded-Proto": "https"}
CHROMIUM = "/usr/bin/chromium"
failures: list[str] = []


def check(condition: bool, what: str) -> None:
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


def get(path: str, headers: dict | None = None, method: str = "GET", body: str | None = None):
    """One request, no redirects followed: (status, headers as a list, body bytes)."""
    conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=30)
    conn.request(method, path, body=body, headers={**PROXY, **(headers or {})})
    response = conn.getresponse()
    data = response.read()
    conn.close()
    return response.status, response.getheaders(), data


def header(headers, name: str) -> str:
    return ", ".join(v for k, v in headers if k.lower() == name.lower())


def cookies(headers) -> dict[str, str]:
    """Set-Cookie lines by cookie name (the whole line, attributes included)."""
    found = {}
    for key, value in headers:
        if key.lower() == "set-cookie":
            found[value.split("=", 1)[0]] = value
    return found


def http_checks() -> None:
    # Plain HTTP (no proxy header) is sent to HTTPS; the health check is exempt.
    conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=30)
    conn.request("GET", "/admin/login/")
    plain = conn.getresponse()
    plain.read()
    check(plain.status == 301 and plain.getheader("Location", "").startswith("https://"), "plain HTTP redirects to HTTPS")
    conn.close()
    conn = http.client.HTTPConnection(HOST.hostname, HOST.port, timeout=30)
    conn.request("GET", "/healthz")
    health = conn.getresponse()
    body = health.read()
    check(
        health.status == 200 and body == b'{"status": "ok"}', f"/healthz answers over plain HTTP ({health.status} {body[:80]!r})"
    )

    status, headers, body = get("/admin/login/")
    page = body.decode()
    check(status == 200, f"/admin/login/ answers 200 (got {status})")
    hsts = header(headers, "Strict-Transport-Security")
    check("max-age=31536000" in hsts and "includeSubDomains" in hsts and "preload" in hsts, f"HSTS: {hsts!r}")
    csp = header(headers, "Content-Security-Policy")
    check("script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, f"CSP: {csp!r}")
    check("unsafe-inline" not in csp.split("script-src")[1].split(";")[0], "CSP allows no inline script")
    check(header(headers, "X-Frame-Options") == "DENY", "X-Frame-Options: DENY")
    check(header(headers, "X-Content-Type-Options") == "nosniff", "X-Content-Type-Options: nosniff")
    check(header(headers, "Referrer-Policy") == "same-origin", "Referrer-Policy: same-origin")
    check(header(headers, "Cross-Origin-Opener-Policy") == "same-origin", "Cross-Origin-Opener-Policy: same-origin")
    csrf = cookies(headers).get("csrftoken", "")
    check("Secure" in csrf and "SameSite=Lax" in csrf, f"CSRF cookie is Secure: {csrf.split(';', 1)[-1].strip()!r}")

    # Static files: hashed names from the manifest, served with a far-future cache.
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    check(bool(assets), f"the login page links {len(assets)} static files")
    for asset in assets:
        check(re.search(r"\.[0-9a-f]{12}\.(css|js|png|svg|ico)$", asset) is not None, f"hashed name: {asset}")
        status, headers, _ = get(asset)
        check(status == 200 and "immutable" in header(headers, "Cache-Control"), f"{asset} served, immutable")

    # The API docs and everything they load.
    status, _, body = get("/api/docs/")
    docs = body.decode()
    check(status == 200 and "swagger-ui" in docs, "/api/docs/ answers")
    for script in re.findall(r'<script src="([^"]+)"', docs):
        status, headers, _ = get(script.replace("&amp;", "&"))
        check(status == 200, f"docs script {script} ({status})")

    # The API, from the shared (Redis) response cache on the second read.
    status, headers, body = get("/api/v1/incidents/?kind=artillery_shelling&count=true")
    data = json.loads(body)
    check(status == 200 and data["count"] == 1, f"an API list answers (count {data.get('count')})")
    status, headers, _ = get("/api/v1/incidents/?kind=artillery_shelling&count=true")
    check(header(headers, "X-Cache") == "HIT", f"the second anonymous read is a cache hit ({header(headers, 'X-Cache')})")
    status, _, body = get("/api/v1/incidents/?kind=rocket_attack&count=true")
    check(json.loads(body)["count"] == 0, "an incident in review stays hidden from the public")

    # Signing in: the session cookie is Secure and HttpOnly.
    status, headers, body = get("/admin/login/")
    jar = SimpleCookie()
    for line in (v for k, v in headers if k.lower() == "set-cookie"):
        jar.load(line)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', body.decode()).group(1)
    form = urlencode({"csrfmiddlewaretoken": token, "username": USERNAME, "password": PASSWORD, "next": "/admin/"})
    status, headers, _ = get(
        "/admin/login/",
        method="POST",
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={jar['csrftoken'].value}",
            "Referer": f"https://{HOST.netloc}/admin/login/",
            "Origin": f"https://{HOST.netloc}",
        },
    )
    session = cookies(headers).get("sessionid", "")
    check(status == 302, f"admin login succeeds ({status})")
    check("Secure" in session and "HttpOnly" in session, "the session cookie is Secure and HttpOnly")


def task_queue_checks() -> None:
    """An API edit of a ceasefire answers at once with its verdicts pending; the db_worker
    process recomputes them and the pending mark goes."""
    auth = {"Authorization": f"Token {os.environ['PROD_TOKEN']}", "Content-Type": "application/json"}
    status, headers, body = get("/api/v1/ceasefires/1/", auth)
    ceasefire = json.loads(body)
    check(status == 200 and ceasefire["verdicts_pending_since"] is None, "a ceasefire's verdicts start current")
    edit = json.dumps({"starts_at": "2020-01-12T21:01:00Z"})  # a day later: some verdicts move
    status, headers, body = get("/api/v1/ceasefires/1/", {**auth, "If-Match": header(headers, "ETag")}, method="PATCH", body=edit)
    check(
        status == 200 and json.loads(body)["verdicts_pending_since"] is not None, f"the edit answers with them pending ({status})"
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        pending = json.loads(get("/api/v1/ceasefires/1/", auth)[2])["verdicts_pending_since"]
        if pending is None:
            break
        time.sleep(0.5)
    check(pending is None, "the db_worker process recomputes them (pending cleared)")
    status, headers, body = get("/api/v1/ceasefires/1/violations/", auth)
    check(status == 200 and "Verdicts-Pending-Since" not in dict(headers), "violations read as current afterwards")


def browser_checks() -> None:
    from playwright.sync_api import sync_playwright

    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
        )
        context = browser.new_context(extra_http_headers=PROXY, viewport={"width": 1280, "height": 900})
        # Nothing may leave this machine: any request elsewhere is a failure.
        context.route(
            re.compile(r"^(?!" + re.escape(BASE) + r"|data:|blob:).*"),
            lambda route: (problems.append(f"request outside the tracker: {route.request.url}"), route.abort()),
        )
        page = context.new_page()
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url} {r.failure}"))
        page.set_default_timeout(20_000)

        page.goto(f"{BASE}/admin/login/")
        page.fill("#id_username", USERNAME)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{BASE}/admin/")
        visited = ["/admin/"]
        for path, ready in [
            ("/admin/tracker/incident/", "#tracker-incident-map[data-markers]"),
            ("/admin/tracker/incident/1/change/", "#tracker-point-map.leaflet-container"),
            ("/admin/tracker/place/1/change/", "#tracker-point-map.leaflet-container"),
            ("/admin/tracker/ceasefire/1/change/", "svg[aria-labelledby='cc-title cc-desc']"),
            ("/admin/tracker/incident/import/", "input[type=file]"),
            ("/api/docs/", ".swagger-ui .info"),
            ("/api/v1/incidents/", "#content"),
        ]:
            page.goto(f"{BASE}{path}")
            page.wait_for_selector(ready, state="attached")
            page.wait_for_load_state("networkidle")
            visited.append(path)
        # A widget that runs script on interaction: the incident form's autocomplete.
        page.goto(f"{BASE}/admin/tracker/incident/1/change/")
        page.click("#id_place + .select2 .select2-selection")
        page.wait_for_selector(".select2-container--open .select2-results__option")
        page.keyboard.press("Escape")
        browser.close()
    check(problems == [], f"browser: {len(visited)} pages with no CSP violation, console error or outside request")
    for problem in problems:
        print("     " + problem)


if __name__ == "__main__":
    http_checks()
    task_queue_checks()
    browser_checks()
    if failures:
        print(f"\nproduction check: {len(failures)} failed")
        sys.exit(1)
    print("\nproduction check passed")
