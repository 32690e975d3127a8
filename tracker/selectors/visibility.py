"""Who sees which incidents: the rule lives with the models (tracker.models.visibility, the
`visible_to(user)` queryset method of incidents, citations and verdicts); this module is where
reads that filter statuses themselves (compliance, the removals feed) get it, and where a link
from one incident to another (`responds_to`) is checked against it."""

from collections.abc import Iterable

from tracker.models import Incident
from tracker.models.visibility import PUBLIC_STATUSES, VIEW_PERMISSION, sees_unverified, visible_statuses

__all__ = ["PUBLIC_STATUSES", "VIEW_PERMISSION", "sees_unverified", "unseen_incidents", "visible_statuses"]


def unseen_incidents(ids: Iterable[int | None], user) -> set[int]:
    """Of these incident ids (the targets of links from incidents `user` sees), those `user` may
    not see: unpublished, or in the trash. An incident shown to the public may answer one that
    is not (`responds_to`); the link must read as absent then, as the incident itself does —
    its id would tell the public an unpublished record exists. One query, none when the reader
    sees every incident or no id is given."""
    linked = {pk for pk in ids if pk is not None}
    if not linked or visible_statuses(user) is None:
        return set()
    return linked - set(Incident.objects.visible_to(user).filter(pk__in=linked).values_list("pk", flat=True))
