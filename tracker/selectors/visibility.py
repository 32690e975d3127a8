"""Who sees which incidents: unverified ones (draft, in review) only with the incident view
permission; everyone else — anonymous readers of the public API included — sees verified and
disputed incidents, and nothing derived from the others (citations, verdicts, counts)."""

from django.db.models import QuerySet

from tracker.choices import IncidentStatus

PUBLIC_STATUSES = (IncidentStatus.VERIFIED, IncidentStatus.DISPUTED)
VIEW_PERMISSION = "tracker.view_incident"


def sees_unverified(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm(VIEW_PERMISSION))


def visible_statuses(user) -> tuple[str, ...] | None:
    """The statuses `user` may see, or None for all of them."""
    return None if sees_unverified(user) else PUBLIC_STATUSES


def visible(queryset: QuerySet, user, *, incident_path: str = "") -> QuerySet:
    """`queryset` restricted to what `user` may see; `incident_path` leads from its model to
    the incident ("incident__" for citations and assessments)."""
    statuses = visible_statuses(user)
    if statuses is None:
        return queryset
    return queryset.filter(**{f"{incident_path}status__in": statuses})
