"""Webhook work never runs in the writer's request (tracker/webhooks/worker.py): with the
`immediate` task backend a background thread dispatches, sends and retries; with the database
queue a `db_worker` does, and a retry due later is one deferred task. Real commits here: the
thread and the worker read the database from outside the test's thread."""

import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django.test import override_settings
from django.utils import timezone

from tests.factories import DeliveryFactory, UserFactory
from tests.helpers import run_db_worker
from tests.receivers import Answer, receiver
from tests.test_subscriptions import ALL_EVENTS, _incident, subscribe, verified
from tracker.choices import DeliveryState
from tracker.domain import webhooks
from tracker.models import Delivery
from tracker.services import incidents
from tracker.webhooks import worker

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("local_receivers")]

ROOT = Path(__file__).resolve().parent.parent
DATABASE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def writer(roles):
    return UserFactory(username="writer", roles=["curator", "reviewer"])


def eventually(check, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if result := check():
                return result
        except OperationalError as error:
            # The suite's SQLite database is in memory, shared between threads by table locks
            # with no busy wait: a read while the runner's thread writes is refused, not queued.
            if "locked" not in str(error):
                raise
        time.sleep(0.05)
    raise AssertionError("not within the time allowed")


@pytest.fixture
def in_a_thread(settings, monkeypatch):
    settings.TRACKER_WEBHOOK_RUNNER = "auto"  # the immediate backend: a thread
    # Retries a fraction of a second apart, so the test sees the thread wake for one.
    monkeypatch.setattr(webhooks, "RETRY_DELAYS", (timedelta(milliseconds=300),))
    yield
    worker._thread.stop()


def test_the_curators_request_answers_before_the_receiver_does(in_a_thread, writer, client_for):
    assert worker.runner() == "thread"
    answered = threading.Event()
    with receiver() as r:
        r.answers(Answer(status=503, gate=answered), Answer(status=204))
        subscription = subscribe(writer, r.url, events=ALL_EVENTS)
        client = client_for("anonymous")
        client.force_authenticate(writer)
        created = client.post(
            "/api/v1/incidents/",
            {
                "title": "Shelling",
                "kind": "artillery_shelling",
                "occurred_at": "2020-01-15T08:00:00Z",
                "place": _incident()["place"].pk,
                "status": "verified",
            },
            format="json",
        )
        # The request has answered while the receiver still holds the first attempt open.
        assert created.status_code == 201, created.content
        eventually(lambda: r.received)
        assert not answered.is_set() and eventually(lambda: [Delivery.objects.get().attempts]) == [0]
        answered.set()
        # 503, then the thread wakes for the retry when it is due, and it lands.
        delivery = eventually(lambda: Delivery.objects.filter(state=DeliveryState.DELIVERED).first())
    assert (delivery.attempts, delivery.last_status, len(r.received)) == (2, 204, 2)
    body = verified(r.received[1].body, r.received[1].headers, subscription.issued_secret)
    assert (body["type"], body["data"]["incident_id"]) == ("incident.created", created.json()["id"])


def test_the_database_queue_defers_one_run_for_the_next_retry(writer, settings):
    """Production: the write queues the run; a `db_worker` sends; a 503 leaves one run deferred
    to when the retry is due — not one per waiting delivery."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the worker is another process on the same database")
    from django_tasks_db.models import DBTaskResult

    settings.TRACKER_WEBHOOK_RUNNER = "auto"

    def run_worker():
        run_db_worker(TRACKER_WEBHOOK_ALLOW_PRIVATE="true")

    with receiver() as r, override_settings(TASKS=DATABASE):
        assert worker.runner() == "queue"
        r.answers(Answer(status=503), Answer(status=503), Answer(status=204))
        subscribe(writer, r.url, events=ALL_EVENTS)
        for n in range(2):
            incidents.INCIDENTS.create(data={**_incident(), "title": f"Shelling {n}"}, user=writer)
        assert Delivery.objects.count() == 0  # queued, not run: nothing in the writer's thread
        assert DBTaskResult.objects.filter(status="READY").count() == 1  # one run for both writes
        run_worker()
        assert len(r.received) == 2 and Delivery.objects.filter(state=DeliveryState.PENDING).count() == 2
        deferred = DBTaskResult.objects.filter(status="READY")
        assert deferred.count() == 1  # one run for both retries
        assert deferred.get().run_after > timezone.now()
        # Time passes: the retry is due.
        Delivery.objects.update(next_attempt_at=timezone.now())
        deferred.update(run_after=timezone.now())
        run_worker()
    assert list(Delivery.objects.values_list("state", "attempts")) == [(DeliveryState.DELIVERED, 2)] * 2
    assert len(r.received) == 4
    assert not DBTaskResult.objects.filter(status="READY").exists()  # nothing waits: no run deferred


def test_webhook_work_leaves_the_cached_answers_alone(writer, settings):
    """Dispatching and delivering write only the webhooks' own rows: the data generation that
    keys every cached answer moves for the incident's write, not for its deliveries and retries."""
    from tracker import generation

    settings.TRACKER_WEBHOOK_RUNNER = "inline"
    with receiver() as r:
        r.answers(Answer(status=503), Answer(status=204))
        subscribe(writer, r.url, events=ALL_EVENTS)
        data = _incident()
        start = generation.current()
        incidents.INCIDENTS.create(data=data, user=writer)  # committed; the webhooks ran after
        assert len(r.received) == 1 and generation.current() == start + 1
        Delivery.objects.update(next_attempt_at=timezone.now())
        worker.run_webhooks.call()  # the retry
        assert len(r.received) == 2 and generation.current() == start + 1


def test_deliveries_are_sent_by_several_senders_at_once(in_a_thread, writer, settings):
    """A slow receiver holds up one sender, not every delivery: three are in flight together."""
    if connection.vendor != "postgresql":
        pytest.skip("one sender on SQLite, which takes one writer at a time")
    settings.TRACKER_WEBHOOK_CONCURRENCY = 3
    held = threading.Event()
    with receiver() as r:
        r.answers(*[Answer(status=204, gate=held)] * 3)
        for _ in range(3):
            subscribe(writer, r.url, events=ALL_EVENTS)
        incidents.INCIDENTS.create(data=_incident(), user=writer)
        eventually(lambda: len(r.received) == 3)  # all three held open at the receiver at once
        held.set()
        eventually(lambda: Delivery.objects.filter(state=DeliveryState.DELIVERED).count() == 3)


def test_the_queue_holds_one_waiting_run_and_one_deferred_run_at_most(settings):
    from django_tasks_db.models import DBTaskResult

    settings.TRACKER_WEBHOOK_RUNNER = "queue"
    soon = timezone.now() + timedelta(seconds=30)
    with override_settings(TASKS=DATABASE):
        worker._defer(soon)
        worker._defer(soon + timedelta(seconds=5))  # the one queued runs by then: nothing more
        assert DBTaskResult.objects.filter(status="READY").count() == 1
        worker._defer(soon - timedelta(seconds=20))  # sooner than the one queued: one more
        assert DBTaskResult.objects.filter(status="READY").count() == 2
        worker.wake()
        worker.wake()  # a run waits to start already
        assert DBTaskResult.objects.filter(status="READY").count() == 3
        worker._defer(soon + timedelta(hours=1))  # the waiting run will see it
        assert DBTaskResult.objects.filter(status="READY").count() == 3


def test_an_app_process_sends_what_a_stopped_one_left_pending(in_a_thread, writer):
    """The thread runner: a delivery left pending (its process stopped) goes out when the next
    app process starts, without waiting for a write."""
    with receiver() as r:
        subscription = subscribe(writer, r.url, events=ALL_EVENTS)
        DeliveryFactory(subscription=subscription, next_attempt_at=timezone.now())
        worker.on_app_start()
        delivery = eventually(lambda: Delivery.objects.filter(state=DeliveryState.DELIVERED).first())
    assert [x.headers["webhook-id"] for x in r.received] == [delivery.message_id]
