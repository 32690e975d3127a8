"""Heavy derived work on the task queue (Django's Tasks API, the `django-tasks` backport).

A ceasefire's verdicts depend on its zone, scope, parties, undertakings, lifecycle and
declarations, and on the places it covers: changing any of them means recomputing every verdict
of that ceasefire — seconds to minutes at a million incidents. `request_ceasefire_verdicts`
marks them pending (`VerdictRecompute`, served by the API and shown in the admin, so a reader
never takes a stale answer for a current one) and enqueues the recompute:

- with the `immediate` backend (the default) it runs at once, in the request, as before;
- with the `database` backend the task row is written in the same transaction as the change
  that needs it — it exists exactly when the change commits — and a `manage.py db_worker`
  process on any machine runs it.

A request made while a recompute runs keeps the verdicts pending: its own task follows.
"""

from collections.abc import Iterable
from dataclasses import asdict

from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from tracker.models import Ceasefire, Party, Place, VerdictRecompute
from tracker.models.hierarchy import chain_rows, subtree_id_list
from tracker.services.assessments import assess_ceasefire


def request_ceasefire_verdicts(ceasefire: Ceasefire) -> None:
    """Mark the ceasefire's verdicts pending and enqueue their recompute."""
    now = timezone.now()
    state, created = VerdictRecompute.objects.get_or_create(
        ceasefire_id=ceasefire.pk, defaults={"pending_since": now, "requested_at": now}
    )
    if not created:
        VerdictRecompute.objects.filter(pk=state.pk, pending_since__isnull=True).update(pending_since=now)
        VerdictRecompute.objects.filter(pk=state.pk).update(requested_at=now)
    recompute_ceasefire_verdicts.enqueue(ceasefire.pk)


def request_verdicts(ceasefire_ids: Iterable[int]) -> None:
    """Request the recompute of each of these ceasefires that still exists, once, in id order."""
    ids = {pk for pk in ceasefire_ids if pk is not None}
    if ids:
        for ceasefire in Ceasefire.objects.filter(pk__in=ids).order_by("pk"):
            request_ceasefire_verdicts(ceasefire)


def ceasefires_drawing(place: Place) -> set[int]:
    """The ceasefires whose zone or scope is this place: its point, geometry, time zone or
    parent decide their verdicts."""
    return set(Ceasefire.objects.filter(Q(zone=place) | Q(scope=place)).values_list("pk", flat=True))


def ceasefires_binding(party: Party, *, previous_parent_id: int | None) -> set[int]:
    """A party moved in the hierarchy: a unit is bound with the party above it, so the
    ceasefires with a role for anything above (before or after the move) or below it."""
    related = set(subtree_id_list(Party, party.pk)) | {pk for (pk,) in chain_rows(Party, party.pk)}
    if previous_parent_id is not None:
        related |= {pk for (pk,) in chain_rows(Party, previous_parent_id)}
    return set(Ceasefire.objects.filter(party_roles__party_id__in=related).values_list("pk", flat=True))


@task()
def recompute_ceasefire_verdicts(ceasefire_id: int) -> dict:
    """Recompute every verdict of one ceasefire; clear the pending mark unless a newer change
    asked again while this ran."""
    started = timezone.now()
    states = VerdictRecompute.objects.filter(ceasefire_id=ceasefire_id)
    states.update(started_at=started)
    ceasefire = Ceasefire.objects.filter(pk=ceasefire_id).first()
    if ceasefire is None:  # deleted since: nothing to recompute
        return {"deleted": True}
    try:
        counts = assess_ceasefire(ceasefire)
    except Exception as error:
        states.update(failed=f"{type(error).__name__}: {error}"[:2000])
        raise
    states.filter(requested_at__lte=started).update(pending_since=None, finished_at=timezone.now(), failed="")
    return asdict(counts)
