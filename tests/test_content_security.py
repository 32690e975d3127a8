"""Data reaches the DOM only as text, and no page needs inline script: the Content-Security-Policy
(django-csp, settings.CONTENT_SECURITY_POLICY) then stops whatever markup slips through.
The browser half — the admin, its maps and Swagger UI working under the policy with nothing
blocked — is in tests/e2e and the production step of .ci/run."""

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.factories import UserFactory
from tracker.models import Ceasefire, Incident, Place

pytestmark = pytest.mark.django_db
STATIC = Path(__file__).resolve().parent.parent / "tracker" / "static" / "tracker"

# DOM and Leaflet APIs that take HTML strings; our scripts build elements and set textContent.
HTML_SINKS = re.compile(
    r"\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|\.html\(|"
    # Leaflet's content setters take an element we built, never a string or a concatenation.
    r"(?:bindPopup|bindTooltip|setContent)\([^)]*[\"'+]"
)


def our_scripts() -> list[Path]:
    return [p for p in STATIC.rglob("*.js") if "vendor" not in p.parts]


def test_our_scripts_use_no_html_string_api():
    assert our_scripts(), "no scripts found"
    found = [
        f"{path.relative_to(STATIC)}:{n}: {line.strip()}"
        for path in our_scripts()
        for n, line in enumerate(path.read_text().splitlines(), start=1)
        if HTML_SINKS.search(line) and not line.strip().startswith(("//", "*", "/*"))
    ]
    assert found == []


class ScriptTags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inline, self.handlers, self.in_script = [], [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.handlers += [f"<{tag} {name}>" for name in attrs if name.startswith("on")]
        if any(name == "href" and (value or "").strip().lower().startswith("javascript:") for name, value in attrs.items()):
            self.handlers.append(f"<{tag} href=javascript:>")
        if tag == "script":
            # Data blocks (json_script) are not run by the browser.
            runs = attrs.get("type", "text/javascript") in ("text/javascript", "module", "application/javascript", "")
            self.in_script = runs and not attrs.get("src")

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.inline.append(data.strip()[:80])

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = None


@pytest.fixture
def reviewer(client, roles, assessed):
    client.force_login(UserFactory(username="reviewer", roles=["reviewer"]))
    return client


def pages():
    incident, place, ceasefire = Incident.objects.first(), Place.objects.first(), Ceasefire.objects.first()
    return [
        "/admin/",
        "/admin/tracker/incident/",
        f"/admin/tracker/incident/{incident.pk}/change/",
        "/admin/tracker/incident/add/",
        "/admin/tracker/incident/import/",
        "/admin/tracker/incident/duplicates/",
        f"/admin/tracker/incident/{incident.pk}/history/",
        f"/admin/tracker/place/{place.pk}/change/",
        f"/admin/tracker/ceasefire/{ceasefire.pk}/change/",
        "/admin/tracker/assessment/",
        "/api/docs/",
        "/api/redoc/",
        "/api/v1/incidents/?format=api",
        f"/api/v1/incidents/{incident.pk}/?format=api",
    ]


def test_no_page_has_inline_script_or_event_handlers(reviewer):
    for url in pages():
        response = reviewer.get(url)
        assert response.status_code == 200, url
        parser = ScriptTags()
        parser.feed(response.content.decode())
        assert (url, parser.inline, parser.handlers) == (url, [], [])


def test_the_login_page_has_no_inline_script(client):
    parser = ScriptTags()
    parser.feed(client.get("/admin/login/").content.decode())
    assert (parser.inline, parser.handlers) == ([], [])


def policy(response) -> dict[str, list[str]]:
    return {part.split()[0]: part.split()[1:] for part in response["Content-Security-Policy"].split("; ")}


def test_every_page_carries_the_policy(reviewer, settings):
    settings.TRACKER_MAP_TILES_URL = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    for url in ["/admin/login/", *pages(), "/api/v1/incidents/"]:
        directives = policy(reviewer.get(url))
        assert directives["script-src"] == ["'self'"], url
        assert directives["object-src"] == ["'none'"]
        assert directives["frame-ancestors"] == ["'none'"]
        assert directives["base-uri"] == ["'self'"]
        assert directives["img-src"] == ["'self'", "data:", "https://*.tiles.example.org"]


def test_without_tiles_no_image_source_is_added(client, settings):
    settings.TRACKER_MAP_TILES_URL = ""
    assert policy(client.get("/admin/login/"))["img-src"] == ["'self'", "data:"]


def test_swagger_ui_loads_its_configuration_as_a_script_file(client):
    page = client.get("/api/docs/").content.decode()
    (script_url,) = re.findall(r'<script src="(/api/docs/\?script=[^"]*)"', page)
    script = client.get(script_url)
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_redoc_loads_nothing_from_elsewhere(client):
    page = client.get("/api/redoc/").content.decode()
    assert "googleapis" not in page and "https://" not in page
