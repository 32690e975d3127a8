"""Shared pytest fixtures: API clients per role and the Idlib 2020 data."""

import io

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tracker.models import ApiToken
from tracker.services.fixtures import load_fixture

ROLES = ("anonymous", "no_permission", "curator", "reviewer", "ingest", "read_only_token")


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Throttle counters and the gazetteer generation live in the cache: each test starts with
    none, and with the resolver's in-memory name index to be rebuilt from its own data."""
    from tracker.selectors import places

    cache.clear()
    places._index.generation = None


@pytest.fixture(autouse=True)
def _no_response_cache(settings):
    """The response cache is keyed by a generation that moves after a commit, and most tests
    never commit (each runs in a transaction rolled back at its end): they read uncached.
    test_response_cache turns it on, with real commits."""
    settings.TRACKER_RESPONSE_CACHE_SECONDS = 0


@pytest.fixture(autouse=True)
def _feed_without_lag(settings):
    """Tests read the change feed right after writing; test_change_feed checks the lag itself."""
    settings.TRACKER_FEED_SETTLE_SECONDS = 0


@pytest.fixture(autouse=True)
def _webhooks_inline(settings):
    """Tests run in a transaction that a background thread cannot see: webhook work runs in the
    test's own thread, after its (captured) commit. test_webhook_runner checks the others."""
    settings.TRACKER_WEBHOOK_RUNNER = "inline"


@pytest.fixture
def local_receivers(settings):
    """Webhooks may go to the test's own receivers on 127.0.0.1 (tests/receivers.py)."""
    settings.TRACKER_WEBHOOK_ALLOW_PRIVATE = True


@pytest.fixture
def run_tasks(django_capture_on_commit_callbacks):
    """Run what the writes put on the queue after their commit (the `immediate` backend)."""

    def run(write):
        with django_capture_on_commit_callbacks(execute=True):
            return write()

    return run


@pytest.fixture
def postgres(db):
    """Skips a test of what PostgreSQL does itself (COPY, SQL-written JSON) on other databases,
    where the Python path it must equal is what runs (and is tested)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL writes these itself; elsewhere the Python path does")


@pytest.fixture
def roles(db):
    call_command("setup_roles", verbosity=0, stdout=io.StringIO())


@pytest.fixture
def idlib(db):
    """The curated Idlib 2020 fixture."""
    load_fixture("fixtures/idlib_2020.json")


@pytest.fixture
def assessed(idlib):
    """The Idlib 2020 fixture with its verdicts computed (as `make run` has them)."""
    call_command("recompute_assessments", stdout=io.StringIO())


@pytest.fixture
def user_for(roles):
    def make(role: str):
        if role == "anonymous":
            return None
        if role == "no_permission":
            return UserFactory(username="nobody")
        if role == "read_only_token":
            return UserFactory(username="reader", roles=["reviewer"])
        return UserFactory(username=role, roles=[role])

    return make


@pytest.fixture
def client_for(user_for):
    """An APIClient authenticated as a role: session login for people, a token for machines."""

    def make(role: str) -> APIClient:
        client = APIClient()
        user = user_for(role)
        if role in ("ingest", "read_only_token"):
            _, key = ApiToken.issue(user=user, read_only=role == "read_only_token")
            client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        elif user is not None:
            client.force_authenticate(user)
        client.user = user
        return client

    return make


@pytest.fixture
def api(client_for):
    return client_for("anonymous")


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """One line at the end saying which tests were skipped and why (no Chromium, no
    PostgreSQL, no Redis), so a green run on a bare machine does not hide what it left out."""
    skipped = terminalreporter.stats.get("skipped", [])
    if not skipped:
        return
    reasons: dict[str, int] = {}
    for report in skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        reason = reason.removeprefix("Skipped: ")
        reasons[reason] = reasons.get(reason, 0) + 1
    parts = "; ".join(f"{count} because {reason}" for reason, count in sorted(reasons.items(), key=lambda r: -r[1]))
    terminalreporter.write_line(f"skipped {len(skipped)} test(s): {parts}")
