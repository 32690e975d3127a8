"""End-to-end tests: the admin in headless Chromium (Debian's /usr/bin/chromium, driven by
Playwright for Python), against the app served on 127.0.0.1 by pytest-django's live server.

The tests never download a browser. Without Chromium (or without axe-core, `npm ci --prefix
tests/e2e`) they are skipped, except in CI (CI=true), where that is an error: `.ci/run` installs
both. Each test saves full-page screenshots under tests/e2e/screenshots/ (git-ignored).
"""

import io
import json
import os
import re
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.factories import UserFactory
from tracker.services.fixtures import load_fixture

# Playwright's sync API runs an event loop in this thread; the tests' own ORM calls between
# browser steps are synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE / "screenshots"
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("TRACKER_E2E_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "pw-for-tests-1"  # tests.factories.UserFactory's
# What this machine's closed network needs (no background services, no first-run, no sandbox as root).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
# The accessibility rules the new pages must pass: WCAG 2.1 A and AA.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"{CHROMIUM} is not installed (apt-get install chromium)"
    if not AXE.exists():
        return f"{AXE.relative_to(HERE.parent.parent)} is missing (npm ci --prefix tests/e2e)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -r requirements-dev.txt)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _missing()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        raise pytest.UsageError(f"End-to-end tests cannot run in CI: {reason}")
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session", autouse=True)
def _screenshot_folder():
    # Not emptied: parallel workers share it; each test overwrites its own files.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)


@pytest.fixture
def data(transactional_db, settings):
    """The Idlib 2020 fixture with its verdicts, the role groups, a curator and a reviewer."""
    settings.TRACKER_MAP_TILES_URL = "https://tiles.invalid/{z}/{x}/{y}.png"  # never reachable here
    call_command("setup_roles", verbosity=0, stdout=io.StringIO())
    load_fixture("fixtures/idlib_2020.json")
    call_command("recompute_assessments", stdout=io.StringIO())
    return {
        "curator": UserFactory(username="curator", roles=["curator"]),
        "reviewer": UserFactory(username="reviewer", roles=["reviewer"]),
    }


class Browser:
    """One signed-in person's browser: pages at the live server, screenshots, accessibility."""

    def __init__(self, context, base_url: str, test_name: str):
        self.context = context
        self.base_url = base_url
        self.test_name = test_name
        self.shots: list[Path] = []
        self.pages = []
        # The tile server is unreachable: fail its requests at once, as a closed network would.
        context.route(re.compile(r"https://tiles\.invalid/.*"), lambda route: route.abort())

    def new_page(self):
        page = self.context.new_page()
        page.set_default_timeout(15_000)
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.js_errors = errors
        # Chromium reports what the Content-Security-Policy blocked as console errors.
        blocked = []
        page.on(
            "console", lambda m: blocked.append(m.text) if m.type == "error" and "Content Security Policy" in m.text else None
        )
        page.csp_violations = blocked
        self.pages.append(page)
        return page

    def login(self, username: str):
        page = self.new_page()
        page.goto(f"{self.base_url}/admin/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD)
        page.click("input[type=submit]")
        page.wait_for_url(f"{self.base_url}/admin/")
        return page

    def shot(self, page, name: str) -> Path:
        path = SCREENSHOTS / f"{self.test_name}--{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.shots.append(path)
        return path

    def check_accessibility(self, page, *, exclude: tuple[str, ...] = ()) -> None:
        """axe-core's WCAG 2.1 A/AA rules on the page as it is: no violations."""
        # Evaluated through the DevTools protocol: a <script> tag would be refused by our CSP.
        page.evaluate(AXE.read_text())
        context = {"exclude": [[selector] for selector in exclude]} if exclude else None
        result = page.evaluate(
            "([context, tags]) => axe.run(context || document, {runOnly: {type: 'tag', values: tags}})",
            [context, AXE_TAGS],
        )
        problems = [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:5]}" for v in result["violations"]
        ]
        assert problems == [], f"{page.url}: " + json.dumps(problems, indent=1)


@pytest.fixture
def people(browser, live_server, data, request):
    """Browsers by name, each with its own cookies (a curator and a reviewer side by side)."""
    opened = {}

    def person(name: str) -> Browser:
        if name not in opened:
            opened[name] = Browser(
                browser.new_context(viewport={"width": 1280, "height": 900}), live_server.url, request.node.name
            )
        return opened[name]

    yield person
    # Every page every test opened ran under the tracker's Content-Security-Policy without a
    # single thing blocked: the admin, its maps and the API docs need nothing the policy refuses.
    blocked = [(page.url, text) for each in opened.values() for page in each.pages for text in page.csp_violations]
    for each in opened.values():
        each.context.close()
    assert blocked == [], blocked
