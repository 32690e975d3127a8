"""Who sees which incidents: the rule lives with the models (tracker.models.visibility, the
`visible_to(user)` queryset method of incidents, citations and verdicts); this module is where
reads that filter statuses themselves (compliance, the removals feed) get it."""

from tracker.models.visibility import PUBLIC_STATUSES, VIEW_PERMISSION, sees_unverified, visible_statuses

__all__ = ["PUBLIC_STATUSES", "VIEW_PERMISSION", "sees_unverified", "visible_statuses"]
