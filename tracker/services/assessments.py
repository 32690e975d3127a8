"""Violation verdicts stored: every incident assessed against every ceasefire that could
concern it, kept current as incidents, ceasefires and places change, and reviewers' overrides.

The rules are tracker.domain.verdicts (docs/VERDICTS.md); what they read is
tracker.selectors.verdicts. Each assessment records the commitment it was measured against and
the rules (version and parameters) it was computed under.
"""

import hashlib
import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_update_with_history

from tracker import bulk_insert
from tracker.choices import CommitmentBasis, IncidentStatus, Verdict
from tracker.domain.verdicts import RULES_VERSION, Evaluation, concerns, evaluate, rule_parameters
from tracker.history import bulk_defaults
from tracker.models import Assessment, Ceasefire, Incident, Place, VerdictRules
from tracker.selectors.verdicts import (
    IncidentChains,
    answered_violations,
    candidate_incidents,
    ceasefire_context,
    context_ceasefires,
    incident_context,
    place_timezones,
)
from tracker.services import common, compliance_ledger, outbox


def current_rules() -> VerdictRules:
    """The stored row of the rules in force (created the first time a combination is used)."""
    parameters = rule_parameters()
    canonical = json.dumps({"version": RULES_VERSION, "parameters": parameters}, sort_keys=True)
    rules, _ = VerdictRules.objects.get_or_create(
        key=hashlib.sha256(canonical.encode()).hexdigest(), defaults={"version": RULES_VERSION, "parameters": parameters}
    )
    return rules


def _apply(assessment: Assessment, result: Evaluation, now: datetime, rules: VerdictRules) -> bool:
    """Copy a computed result onto an assessment; mark an override stale if the verdict moved.
    Returns whether anything changed."""
    commitment = result.commitment
    bound_as = commitment.party_id if commitment else None
    basis = commitment.basis if commitment else str(CommitmentBasis.AGREED)
    computed = (
        result.verdict,
        result.reasons,
        result.time_overlap,
        result.place_overlap,
        bound_as,
        basis,
        result.starts_at,
        rules.pk,
    )
    stored = (
        assessment.verdict,
        assessment.reasons,
        assessment.time_overlap,
        assessment.place_overlap,
        assessment.bound_as_id,
        assessment.commitment_basis,
        assessment.commitment_start,
        assessment.rules_id,
    )
    if computed == stored:
        return False
    if assessment.pk and assessment.override_verdict and assessment.verdict != result.verdict:
        assessment.override_stale = True
    if assessment.pk:
        assessment.version += 1
    assessment.verdict, assessment.reasons = result.verdict, result.reasons
    assessment.time_overlap, assessment.place_overlap = result.time_overlap, result.place_overlap
    assessment.bound_as_id, assessment.commitment_basis, assessment.commitment_start = bound_as, basis, result.starts_at
    assessment.rules = rules
    assessment.computed_at = now
    return True


@dataclass
class Counts(common.Tally):
    """What a (re)computation did to the stored assessments."""

    deleted: int = 0

    def __iadd__(self, other: "Counts") -> "Counts":
        for name in asdict(other):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


UPDATE_FIELDS = [
    "verdict",
    "reasons",
    "time_overlap",
    "place_overlap",
    "bound_as",
    "commitment_basis",
    "commitment_start",
    "rules",
    "computed_at",
    "override_stale",
    "version",
    "updated_at",
]


def _store(pairs: list[tuple[Incident, Ceasefire, Evaluation]], existing: dict[tuple[int, int], Assessment]) -> Counts:
    now, counts = timezone.now(), Counts()
    new, changed = [], []
    rules = current_rules() if pairs else None
    verdicts_moved = set()  # incidents whose verdict under a ceasefire appeared, changed or went
    for incident, ceasefire, result in pairs:
        current = existing.pop((incident.pk, ceasefire.pk), None)
        if current is None:
            assessment = Assessment(incident=incident, ceasefire=ceasefire, computed_at=now)
            _apply(assessment, result, now, rules)
            new.append(assessment)
            verdicts_moved.add(incident.pk)
        else:
            effective = current.override_verdict or current.verdict
            if _apply(current, result, now, rules):
                current.updated_at = now
                changed.append(current)
                if (current.override_verdict or current.verdict) != effective:
                    verdicts_moved.add(incident.pk)
            else:
                counts.unchanged += 1
    # One history row per created or changed assessment, written in bulk like the rows.
    bulk_insert.create(Assessment, new)
    bulk_update_with_history(changed, Assessment, UPDATE_FIELDS, batch_size=500, **bulk_defaults())
    counts.created, counts.updated = len(new), len(changed)
    # What no longer concerns the incident goes, unless a reviewer overrode it: then it stays,
    # flagged for another look.
    gone = [a for a in existing.values() if not a.override_verdict]
    kept = [a for a in existing.values() if a.override_verdict and not a.override_stale]
    for a in kept:
        a.override_stale, a.updated_at = True, now
    for a in kept:
        a.version += 1
    bulk_update_with_history(kept, Assessment, ["override_stale", "updated_at", "version"], batch_size=500, **bulk_defaults())
    # Deleting through the ORM sends post_delete per row, which records each in history.
    counts.deleted = Assessment.objects.filter(pk__in=[a.pk for a in gone]).delete()[0] if gone else 0
    verdicts_moved.update(a.incident_id for a in gone)
    outbox.record((pk, outbox.VERDICT) for pk in sorted(verdicts_moved))
    return counts


@transaction.atomic
def assess_incident(incident: Incident) -> Counts:
    """(Re)compute the incident's assessments against every ceasefire that could concern it."""
    incident = Incident.objects.select_related("place").get(pk=incident.pk)
    existing = {(a.incident_id, a.ceasefire_id): a for a in Assessment.objects.filter(incident=incident)}
    pairs = []
    if incident.status != IncidentStatus.REJECTED:
        chains = IncidentChains.of(incident)
        answered = _answered_chains(incident)
        for ceasefire in context_ceasefires():
            ctx = incident_context(ceasefire, chains)
            if concerns(incident, ctx):
                pairs.append((incident, ceasefire, evaluate(incident, ctx, answered=answered(ceasefire))))
    return _store(pairs, existing)


def _answered_chains(incident: Incident):
    """For one incident: a function of a ceasefire giving {the incident it responds to} when
    that one is a violation of the ceasefire, else nothing."""
    linked = (
        Incident.objects.exclude(status=IncidentStatus.REJECTED)
        .select_related("place")
        .filter(pk=incident.responds_to_id)
        .first()
        if incident.responds_to_id
        else None
    )
    if linked is None:
        return lambda ceasefire: frozenset()
    chains = IncidentChains.of(linked)

    def answered(ceasefire: Ceasefire) -> frozenset[int]:
        ctx = incident_context(ceasefire, chains)
        return (
            frozenset([linked.pk])
            if concerns(linked, ctx) and evaluate(linked, ctx).verdict == Verdict.VIOLATION
            else frozenset()
        )

    return answered


def reassess_responses(incident: Incident) -> Counts:
    """An incident changed: the incidents responding to it may gain or lose the note that they
    answer a violation."""
    counts = Counts()
    for response in Incident.objects.filter(responds_to=incident).only("pk"):
        counts += assess_incident(response)
    return counts


@transaction.atomic
def assess_incidents(incidents: list[Incident], timezones: dict[int, str]) -> Counts:
    """(Re)compute the assessments of many incidents at once (a bulk import's batch): each
    ceasefire's context is read once for all of them, not per incident; the rules and the rows
    stored are `assess_incident`'s. Incidents carry their place; `timezones` gives each of
    those places' zone."""
    if not incidents:
        return Counts()
    existing = {(a.incident_id, a.ceasefire_id): a for a in Assessment.objects.filter(incident__in=[i.pk for i in incidents])}
    live = [i for i in incidents if i.status != IncidentStatus.REJECTED and i.place.deleted_at is None]
    pairs = []
    for ceasefire in context_ceasefires():
        ctx = ceasefire_context(ceasefire, timezones)
        concerned = [i for i in live if concerns(i, ctx)]
        answered = answered_violations(concerned, ctx)
        pairs += [(i, ceasefire, evaluate(i, ctx, answered=answered)) for i in concerned]
    return _store(pairs, existing)


@transaction.atomic
def assess_ceasefire(ceasefire: Ceasefire, *, chunk_size: int = 2000, timezones: dict[int, str] | None = None) -> Counts:
    """(Re)compute every assessment of one ceasefire, streaming candidates in chunks."""
    ceasefire = context_ceasefires().get(pk=ceasefire.pk)
    ctx = ceasefire_context(ceasefire, timezones)
    counts = Counts()
    chunk: list[Incident] = []
    kept: set[int] = set()

    def flush():
        existing = {a.incident_id: a for a in Assessment.objects.filter(ceasefire=ceasefire, incident__in=[i.pk for i in chunk])}
        concerned = [i for i in chunk if concerns(i, ctx)]
        answered = answered_violations(concerned, ctx)
        pairs = [(i, ceasefire, evaluate(i, ctx, answered=answered)) for i in concerned]
        kept.update(i.pk for i, _, _ in pairs)
        # Candidates that no longer concern the ceasefire lose their assessments (see _store).
        counts.__iadd__(_store(pairs, {(pk, ceasefire.pk): a for pk, a in existing.items()}))
        chunk.clear()

    for incident in candidate_incidents(ctx).order_by("pk").iterator(chunk_size=chunk_size):
        chunk.append(incident)
        if len(chunk) >= chunk_size:
            flush()
    if chunk:
        flush()
    # Assessments of incidents that left the candidate set altogether (moved, re-dated, rejected).
    # Incidents in the trash keep their assessments as they were, for a restore.
    live = Assessment.objects.filter(ceasefire=ceasefire, incident__deleted_at__isnull=True)
    left = [a for a in live.iterator(chunk_size=chunk_size) if a.incident_id not in kept]
    if left:
        counts += _store([], {(a.incident_id, a.ceasefire_id): a for a in left})
    # The compliance series reads what the verdicts now say (tracker/services/compliance_ledger.py).
    compliance_ledger.rebuild(ceasefire, ctx)
    return counts


def recompute(ceasefire_ids: Iterable[int] | None = None) -> Counts:
    """Recompute all assessments (or those of the given ceasefires)."""
    timezones = place_timezones()
    total = Counts()
    ceasefires = Ceasefire.objects.all() if ceasefire_ids is None else Ceasefire.objects.filter(pk__in=list(ceasefire_ids))
    for ceasefire in ceasefires.order_by("pk"):
        total += assess_ceasefire(ceasefire, timezones=timezones)
    return total


REVIEW_PERMISSION = "tracker.review_incident"


@transaction.atomic
def assessment_override(*, assessment: Assessment, verdict: str, reason: str, user, expected_version=None) -> Assessment:
    """A reviewer sets the verdict by hand, with a reason. Recomputation keeps it."""
    from django.core.exceptions import PermissionDenied, ValidationError

    if user is not None and not user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("Only reviewers may override a verdict.")
    if verdict not in Verdict.values:
        raise ValidationError({"override_verdict": f"'{verdict}' is not a verdict."})
    if not (reason or "").strip():
        raise ValidationError({"override_reason": "An override needs a reason."})
    return common.update(
        assessment,
        data={
            "override_verdict": verdict,
            "override_reason": reason.strip(),
            "override_by": common.acting_user(user),
            "override_at": timezone.now(),
            "override_stale": False,
        },
        user=user,
        expected_version=expected_version,
    )


@transaction.atomic
def assessment_override_clear(*, assessment: Assessment, user, expected_version=None) -> Assessment:
    """Remove a reviewer's override: the computed verdict applies again."""
    from django.core.exceptions import PermissionDenied

    from tracker.services import common

    if user is not None and not user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied("Only reviewers may clear an override.")
    return common.update(
        assessment,
        data={"override_verdict": "", "override_reason": "", "override_by": None, "override_at": None, "override_stale": False},
        user=user,
        expected_version=expected_version,
    )


def reassess_incidents_at(place: Place) -> Counts:
    """A place's point, geometry, time zone or parent changed: redo its incidents' verdicts
    (the ceasefires it draws or scopes recompute on the task queue: tracker.services.recompute)."""
    counts = Counts()
    for incident in Incident.objects.filter(place=place).only("pk").iterator(chunk_size=500):
        counts += assess_incident(incident)
    return counts
