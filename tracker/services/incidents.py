"""Writes to incidents and citations, and the curation workflow's status rules."""

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tracker.choices import REVIEWER_STATUSES, IncidentStatus
from tracker.history import history_context
from tracker.models import Citation, Incident
from tracker.models.visibility import PUBLIC_STATUSES
from tracker.services import common

REVIEW_PERMISSION = "tracker.review_incident"


def _check_status_change(*, old: str | None, new: str, user) -> None:
    """Only reviewers move an incident into or out of verified/disputed/rejected.

    Writes without a user (management commands, fixtures) are trusted system writes.
    """
    if user is None or old == new:
        return
    if (new in REVIEWER_STATUSES or old in REVIEWER_STATUSES) and not user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied(f"Only reviewers may change an incident's status from '{old}' to '{new}'.")


@common.operation()
def incident_create(*, data: Mapping[str, Any], user) -> Incident:
    """Create an incident. A curator's new incident starts as draft or in review."""
    _check_status_change(old=None, new=data.get("status", IncidentStatus.DRAFT), user=user)
    return common.create(Incident, data=data, user=user)


@common.operation()
def incident_update(*, incident: Incident, data: Mapping[str, Any], user, expected_version=None) -> Incident:
    """Update an incident's fields; status changes follow the review rules."""
    if "status" in data:
        _check_status_change(old=incident.status, new=data["status"], user=user)
        if incident.status in PUBLIC_STATUSES and data["status"] not in PUBLIC_STATUSES:
            # Unpublished or rejected: readers who saw it must be told it is gone (removals feed).
            data = {**data, "withdrawn_at": timezone.now()}
    return common.update(incident, data=data, user=user, expected_version=expected_version)


class Removed(Exception):
    """The external id names an incident deleted or merged in the tracker: an upsert leaves it
    alone rather than bring it back (a curator's removal outranks a feed)."""


def differs(incident: Incident, name: str, value) -> bool:
    """Whether writing `value` to the field `name` would change the incident."""
    field = Incident._meta.get_field(name)
    if field.is_relation:
        return getattr(incident, field.attname) != (value.pk if value is not None else None)
    return getattr(incident, name) != value


def find_external(external_source: str, external_id: str) -> Incident | None:
    """The incident (live or in the trash) with this external id, if any."""
    if not external_id:
        return None
    # The condition of the partial unique index, stated so that SQLite's planner uses that index
    # (it cannot infer it from the equality) instead of scanning every incident in date order.
    rows = Incident.all_objects.filter(external_source=external_source, external_id=external_id).exclude(external_id="")
    return next(iter(rows.order_by()[:1]), None)


@common.operation()
def incident_upsert(
    *, data: Mapping[str, Any], user, existing: Incident | None = None, create_defaults=None
) -> tuple[Incident, str]:
    """Create the incident with data's (external_source, external_id), or update it in place:
    returns it and 'created', 'updated' or 'unchanged' (nothing written, no history row).
    `create_defaults` apply only when creating (an import's draft status). Raises Removed for
    an incident deleted or merged in the tracker."""
    if existing is None:
        existing = find_external(data["external_source"], data["external_id"])
    if existing is None:
        return incident_create(data={**(create_defaults or {}), **data}, user=user), "created"
    if existing.deleted_at is not None:
        if existing.merged_into_id:
            raise Removed(f"merged in the tracker into incident {existing.merged_into_id}")
        raise Removed("deleted in the tracker (restore it to update it)")
    changed = {name: value for name, value in data.items() if differs(existing, name, value)}
    if not changed:
        return existing, "unchanged"
    return incident_update(incident=existing, data=changed, user=user), "updated"


def incident_set_status(*, incident: Incident, status: str, user) -> Incident:
    """Move an incident through the workflow: draft → in review → verified/disputed/rejected."""
    if status not in IncidentStatus.values:
        raise ValidationError({"status": f"'{status}' is not a status."})
    return incident_update(incident=incident, data={"status": status}, user=user)


@common.operation()
def incident_delete(*, incident: Incident, user, expected_version=None) -> None:
    """Move an incident and its citations to the trash. Its assessments are kept as they were
    (hidden with it), so a restore gives back the reviewers' overrides too."""
    common.delete(incident, user=user, expected_version=expected_version)


@common.operation()
def incident_restore(incident: Incident, *, user, expected_version=None) -> Incident:
    """Bring an incident and the citations trashed with it back, and reassess it. A merged
    duplicate stays merged: its citations now belong to the incident it was merged into."""
    if incident.merged_into_id is not None:
        raise ValidationError(
            {
                "merged_into": f"Incident {incident.pk} was merged into incident {incident.merged_into_id}; its citations are there."
            }
        )
    return common.restore(incident, user=user, expected_version=expected_version)


@common.operation()
def incident_merge(*, merged: Incident, kept: Incident, user, reason: str = "", expected_version=None) -> Incident:
    """Merge a duplicate into the incident that is kept: the duplicate's citations move to the
    kept incident (a claim the kept one already has — same report, same claimant — goes to the
    trash instead), the duplicate goes to the trash with `merged_into` pointing at the kept one,
    and its id answers with that pointer from then on. Both histories stay: every move is a
    history row with the reason. Returns the kept incident."""
    errors = {}
    if merged.pk == kept.pk:
        errors["into"] = "An incident cannot be merged into itself."
    elif kept.is_deleted:
        errors["into"] = f"Incident {kept.pk} is in the trash; restore it first."
    elif merged.is_deleted:
        errors["into"] = f"Incident {merged.pk} is in the trash already."
    if errors:
        raise ValidationError(errors)
    if user is not None and not (user.has_perm("tracker.change_incident") and user.has_perm("tracker.delete_incident")):
        raise PermissionDenied("Merging needs the permissions to change and to delete incidents.")
    note = reason or f"Merged incident {merged.pk} into incident {kept.pk}."
    with history_context(reason=note):
        held = {(c.report_id, c.claimant_id) for c in kept.citations.all()}
        for citation in merged.citations.all():
            if (citation.report_id, citation.claimant_id) in held:
                common.delete(citation, user=user)
            else:
                common.update(citation, data={"incident": kept}, user=user)
                held.add((citation.report_id, citation.claimant_id))
        merged.merged_into = kept
        common.delete(merged, user=user, expected_version=expected_version)
    return Incident.objects.get(pk=kept.pk)


INCIDENTS = common.Writes(incident_create, incident_update, incident_delete, instance_kwarg="incident", restore=incident_restore)
# A citation attaches a report's claim to an incident; deleting one moves it to the trash.
CITATIONS = common.Writes.plain(Citation)
