"""Where and when webhook work runs: never in the request of the write that caused it.

A commit that recorded incident events (tracker/services/outbox.py), or a redelivery asked for
by hand, wakes the runner (`wake`); the runner dispatches the events (tracker/webhooks/dispatch.py),
sends what is due (tracker/services/webhook_delivery.py), and sleeps until the next retry is due.
How it runs is TRACKER_WEBHOOK_RUNNER:

- `auto` (the default): `queue` when the task queue defers tasks (TRACKER_TASKS_BACKEND=database,
  production), else `thread`.
- `queue`: `run_webhooks` is a task on the database queue, run by `manage.py db_worker`. A retry
  due later is the same task deferred to when it is due (`run_after`), enqueued only when no run
  is already queued by then — so however many deliveries wait, one run is pending at a time.
- `thread`: one daemon thread per app process runs it (the `immediate` backend runs tasks in
  the request, which a slow receiver must not hold); it sleeps until the next retry is due or a
  commit wakes it. What a stopped process left pending is sent when the next app process starts
  (`on_app_start`, from config/wsgi.py) or at the next write.
- `inline`: in the caller, after its commit — for the tests (which run in a transaction another
  thread cannot see) and scripts that want the deliveries made before they go on.
"""

import logging
import threading
from datetime import datetime, timedelta

from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks import default_task_backend, task

from tracker import conf
from tracker.services import webhook_delivery
from tracker.webhooks import dispatch

log = logging.getLogger(__name__)

RUNNERS = ("auto", "queue", "thread", "inline")
PRUNED_KEY, PRUNE_EVERY = "tracker:webhooks:pruned", 3600
# The thread wakes at least this often, for what another process made due (a redelivery).
THREAD_IDLE = timedelta(seconds=60)
AFTER_FAILED_RUN = timedelta(seconds=2)  # a run that failed (a locked database, a dropped connection) is tried again soon


@task()
def run_webhooks() -> dict:
    """Dispatch every recorded event, send every delivery due now, forget what is older than
    the log keeps, and schedule the next run for the next retry (queue mode). Returns the
    counts, for the task's result."""
    created = dispatch.dispatch_events.call()
    # Inline (tests, scripts), other senders would not see the caller's uncommitted transaction;
    # SQLite takes one writer at a time, so senders there would only queue on its lock.
    alone = runner() == "inline" or connection.vendor == "sqlite"
    concurrency = 1 if alone else conf.WEBHOOK_CONCURRENCY
    attempts = webhook_delivery.deliver_due.call(concurrency)
    if cache.add(PRUNED_KEY, True, PRUNE_EVERY):  # at most once an hour, across processes: a scan of the log
        webhook_delivery.prune()
    if runner() == "queue":
        _defer(webhook_delivery.next_due())
    return {"deliveries_created": created, "attempts": attempts}


def runner() -> str:
    chosen = conf.WEBHOOK_RUNNER
    if chosen not in RUNNERS:
        raise ImproperlyConfigured(f"TRACKER_WEBHOOK_RUNNER must be one of {', '.join(RUNNERS)}.")
    if chosen == "auto":
        return "queue" if default_task_backend.supports_defer else "thread"
    return chosen


def wake(**kwargs) -> None:
    """Run the webhook work the way TRACKER_WEBHOOK_RUNNER says. The receiver of the outbox's
    `events_recorded` and the delivery service's `deliveries_due`, both sent after the commit
    that made the work."""
    how = runner()
    if how == "inline":
        run_webhooks.call()
    elif how == "queue":
        _enqueue_once()
    else:
        _thread.wake()


def _queued():
    """The runs waiting in the queue (not yet started) — and the queue's "not deferred" instant."""
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult, get_date_max

    return DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=run_webhooks.module_path), get_date_max()


def _enqueue_once() -> None:
    """A run now, unless one waits to start already: it starts after this commit, so it sees
    what this commit recorded (a bulk import's thousand commits make one run, not a thousand)."""
    queued, now = _queued()
    if not queued.filter(run_after=now).exists():
        run_webhooks.enqueue()


def on_app_start() -> None:
    """An app server process starting (config/wsgi.py): with the `thread` runner, wake it once,
    so that events and deliveries left pending when earlier processes stopped go out now rather
    than at the next write."""
    if runner() == "thread":
        _thread.wake()


def _defer(due: datetime | None) -> None:
    """One deferred run by `due`, unless one is queued already that runs by then."""
    if due is None:
        return
    from django.db.models import Q

    queued, now = _queued()
    if not queued.filter(Q(run_after__lte=due) | Q(run_after=now)).exists():
        run_webhooks.using(run_after=max(due, timezone.now())).enqueue()


class _Runner:
    """The `thread` runner: a daemon thread that runs `run_webhooks` when woken, then sleeps
    until the next delivery is due (or THREAD_IDLE, or the next wake)."""

    def __init__(self):
        self._woken = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="tracker-webhooks", daemon=True)
                self._thread.start()
        self._woken.set()

    def stop(self, timeout: float = 30) -> None:
        """End the thread (tests: it must not outlive the database it reads)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._stopping.set()
            self._woken.set()
            thread.join(timeout)
            self._stopping.clear()

    def _loop(self) -> None:
        while True:
            self._woken.wait()
            self._woken.clear()
            if self._stopping.is_set():
                return
            due = None
            try:
                run_webhooks.call()
                due = webhook_delivery.next_due()
            except Exception:  # a failed run must not end the thread: the work stays in the database
                log.exception("Webhook run failed; retried in a moment.")
                due = timezone.now() + AFTER_FAILED_RUN
            finally:
                close_old_connections()
                connection.close()
            wait = THREAD_IDLE if due is None else min(THREAD_IDLE, max(due - timezone.now(), timedelta(0)))
            if not self._woken.wait(wait.total_seconds()):
                self._woken.set()  # the next retry is due: run again


_thread = _Runner()
