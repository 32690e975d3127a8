"""Who sees which incidents — the one visibility rule, as a queryset method.

Unverified incidents (draft, in review, rejected) are seen only by users with the incident view
permission; everyone else — anonymous readers of the public API included — sees verified and
disputed incidents, and nothing derived from the others (citations, verdicts, counts, history,
merge pointers, filter ids). Every read path asks `Model.objects.visible_to(user)` (or
`visible_statuses(user)` where it filters statuses itself), so hidden looks exactly like absent.
"""

from django.db import models

from tracker.choices import IncidentStatus
from tracker.models.base import LiveManager, TrashManager

PUBLIC_STATUSES = (IncidentStatus.VERIFIED, IncidentStatus.DISPUTED)
VIEW_PERMISSION = "tracker.view_incident"


def sees_unverified(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_perm(VIEW_PERMISSION))


def visibility_class(user) -> str:
    """Which readers see the same answers: `public` (anonymous readers, and users who may not
    view unpublished incidents) or `unpublished` (those who may). Every read's rows depend on
    the reader only through this — what may be shared between readers (the response cache)."""
    return "unpublished" if sees_unverified(user) else "public"


def visible_statuses(user) -> tuple[str, ...] | None:
    """The statuses `user` may see, or None for all of them."""
    return None if sees_unverified(user) else PUBLIC_STATUSES


class VisibleQuerySet(models.QuerySet):
    """Rows of a model that is, or hangs off, an incident; `visibility_path` on the model leads
    from it to the incident ("" for incidents, "incident__" for citations and verdicts)."""

    def visible_to(self, user) -> "VisibleQuerySet":
        statuses = visible_statuses(user)
        if statuses is None:
            return self
        return self.filter(**{f"{self.model.visibility_path}status__in": statuses})


VisibleLiveManager = LiveManager.from_queryset(VisibleQuerySet)
VisibleTrashManager = TrashManager.from_queryset(VisibleQuerySet)
VisibleManager = models.Manager.from_queryset(VisibleQuerySet)


class VisibleTrashable(models.Model):
    """An incident, or a soft-deletable record that hangs off one: its managers see the live
    rows (`objects`), all of them (`all_objects`) or the trash (`trashed`), each with
    `visible_to(user)`. Listed before SoftDeletable in a model's bases, so these are its managers."""

    visibility_path = ""
    objects = VisibleLiveManager()
    all_objects = VisibleManager()
    trashed = VisibleTrashManager()

    class Meta:
        abstract = True
