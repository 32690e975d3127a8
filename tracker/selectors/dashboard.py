"""What the admin home shows curators: the review queue, the week's new incidents, violations
per ceasefire in force, and overrides to revisit. Each section is one or two queries."""

from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from tracker.choices import IncidentStatus, Verdict
from tracker.models import Assessment, Ceasefire, Incident
from tracker.models.assessments import effective_verdict_in

QUEUE_SIZE = 20
RECENT_DAYS = 7


def review_queue(limit: int = QUEUE_SIZE) -> tuple[list[Incident], int]:
    """Incidents in review, waiting longest first, with their provenance (independent
    claimants, suggested confidence); and how many are waiting in all."""
    waiting = Incident.objects.filter(status=IncidentStatus.IN_REVIEW)
    rows = list(waiting.select_related("place", "provenance").order_by("updated_at", "id")[:limit])
    return rows, (len(rows) if len(rows) < limit else waiting.count())


def entered_recently(days: int = RECENT_DAYS, limit: int = 10, *, now=None) -> tuple[list[Incident], int]:
    """Incidents entered in the last `days` days, newest first, and how many there are."""
    since = (now or timezone.now()) - timedelta(days=days)
    recent = Incident.objects.filter(created_at__gte=since)
    rows = list(recent.select_related("place").order_by("-created_at", "-id")[:limit])
    return rows, (len(rows) if len(rows) < limit else recent.count())


def violations_this_week(days: int = RECENT_DAYS, *, now=None) -> list[dict]:
    """Each ceasefire in force now, with the incidents of the last `days` days judged a
    violation or a possible one against it (effective verdicts: overrides count)."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    in_force = Ceasefire.objects.filter(Q(ends_at__isnull=True) | Q(ends_at__gt=now), starts_at__lte=now)
    recent = Q(assessments__incident__occurred_at__gte=since, assessments__incident__deleted_at__isnull=True)
    counted = in_force.annotate(
        violations=Count("assessments", filter=recent & effective_verdict_in([Verdict.VIOLATION], "assessments__")),
        possible=Count("assessments", filter=recent & effective_verdict_in([Verdict.POSSIBLE], "assessments__")),
    )
    return [{"ceasefire": c, "violations": c.violations, "possible": c.possible} for c in counted.order_by("-starts_at", "id")]


def stale_overrides(limit: int = QUEUE_SIZE) -> list[Assessment]:
    """Overrides whose computed verdict changed after a reviewer set them: to look at again."""
    stale = Assessment.objects.filter(override_stale=True, incident__deleted_at__isnull=True)
    return list(stale.select_related("incident", "ceasefire", "override_by").order_by("override_at", "id")[:limit])
