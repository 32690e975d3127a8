"""Keeps each ceasefire's compliance ledger current (tracker/models/compliance.py).

The ledger holds, for every basis of a ceasefire (its curated start and each declaration's
claimed start) and every incident the series counts within LEDGER_DAYS local days of that start,
the incident's share of each day before and from the start — computed by the same rules as the
series evaluated afresh (`tracker.selectors.compliance.counted`, `tracker.domain.compliance`), so
reading the ledger gives the same answer (tests/test_compliance_ledger.py).

When it is rebuilt or refreshed:
- a ceasefire's verdicts recomputed (its terms, roles, lifecycle, declarations, zone or bound
  parties changed; on the task queue): its whole ledger, by `assess_ceasefire`;
- an incident written (its time, place, perpetrator, kind, status, figures, the trash), a place
  that moved, a reviewer's override: the shares of the incidents concerned, in every built ledger
  (the derived-data rule in tracker/services/derived.py, and a bulk import's batch).
"""

import itertools
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db import connection, transaction
from django.utils import timezone

from tracker import bulk_insert
from tracker.choices import IncidentStatus
from tracker.domain.compliance import day_shares
from tracker.domain.timewindows import WINDOW_REACH
from tracker.domain.verdicts import CeasefireContext
from tracker.models import Assessment, Ceasefire, ComplianceLedger, ComplianceShare, Declaration, Incident
from tracker.selectors.compliance import MAX_DAYS, Basis, Span, counted, overrides_of
from tracker.selectors.verdicts import (
    IncidentChains,
    candidate_incidents,
    ceasefire_context,
    context_ceasefires,
    incident_context,
    place_timezones,
)

# Days kept either side of each start: the longest series the API serves.
LEDGER_DAYS = MAX_DAYS
CHUNK = 20_000  # shares per COPY


def _declared(ceasefire_ids: Iterable[int]) -> dict[int, list[Declaration]]:
    found = defaultdict(list)
    claims = Declaration.objects.filter(ceasefire_id__in=list(ceasefire_ids), claimed_start__isnull=False)
    for declaration in claims.select_related("party").order_by("pk"):
        found[declaration.ceasefire_id].append(declaration)
    return found


def bases(ceasefire: Ceasefire, declared: dict[int, list[Declaration]] | None = None) -> list[Basis]:
    """The curated start and every declaration's claimed start."""
    declared = declared if declared is not None else _declared([ceasefire.pk])
    return [Basis(starts_at=ceasefire.starts_at), *(Basis(d.claimed_start, d) for d in declared[ceasefire.pk])]


# A share's columns, in the order `_shares` gives them.
COLUMNS = [
    "ceasefire_id",
    "declaration_id",
    "incident_id",
    "day",
    "before",
    "after",
    "verdict",
    "kind",
    "status",
    "perpetrator_id",
    "killed_low",
    "killed_high",
]


def _shares(
    ceasefire: Ceasefire, basis: Basis, ctx: CeasefireContext, incidents: Iterable[Incident], span: Span, overrides
) -> Iterator:
    """The rows of these incidents' shares on this basis, as tuples in COLUMNS' order: a
    rebuild at a million incidents writes over a million, and model instances cost more than
    evaluating them."""
    declaration_id = basis.declaration.pk if basis.declaration else None
    for incident, window, verdict in counted(incidents, ctx, basis, overrides, span, span.margin(ceasefire)):
        for day, before, after in day_shares(window, span.tz, span.bounds, basis.starts_at):
            yield (
                ceasefire.pk,
                declaration_id,
                incident.pk,
                day,
                before,
                after,
                verdict,
                incident.kind,
                incident.status,
                incident.perpetrator_id,
                incident.killed_low,
                incident.killed_high,
            )


def _store(rows: Iterable[tuple]) -> int:
    """Insert the rows, a chunk at a time: by COPY on PostgreSQL (a chunk is gathered before
    its COPY starts — the rows come from a cursor on the same connection), as model instances
    elsewhere. Derived rows, so no history."""
    stored = 0
    for chunk in _batched(rows):
        if connection.vendor == "postgresql":
            bulk_insert.copy_rows(ComplianceShare._meta.db_table, COLUMNS, chunk)
        else:
            ComplianceShare.objects.bulk_create([ComplianceShare(**dict(zip(COLUMNS, row, strict=True))) for row in chunk])
        stored += len(chunk)
    return stored


def _batched(rows: Iterable[tuple]) -> Iterator[list[tuple]]:
    """Lists of CHUNK rows (itertools.batched, which Python 3.11 lacks)."""
    iterator = iter(rows)
    while chunk := list(itertools.islice(iterator, CHUNK)):
        yield chunk


@transaction.atomic
def rebuild(ceasefire: Ceasefire, ctx: CeasefireContext | None = None) -> int:
    """The ceasefire's whole ledger afresh, on every basis; returns the shares stored.
    `ctx`: the ceasefire's context when the caller has it (a verdict recompute)."""
    ctx = ctx or ceasefire_context(context_ceasefires().get(pk=ceasefire.pk))
    ceasefire = ctx.ceasefire
    ComplianceShare.objects.filter(ceasefire=ceasefire).delete()
    spans = [(basis, Span.around(ceasefire, basis.starts_at, LEDGER_DAYS, ctx.ended)) for basis in bases(ceasefire)]
    overrides = overrides_of(ceasefire, spans[0][0])
    # One scan covering every basis's span; unordered, as the series' own (tracker/selectors/compliance.py).
    margin = max(span.margin(ceasefire) for _, span in spans)
    ends = max(span.ends for _, span in spans) + WINDOW_REACH  # a month dated after the end may reach back into it
    candidates = candidate_incidents(ctx, margin=margin).filter(occurred_at__lt=ends).order_by()

    def shares() -> Iterator[ComplianceShare]:
        chunk = []
        for incident in candidates.iterator(chunk_size=2000):
            chunk.append(incident)
            if len(chunk) == 2000:
                for basis, span in spans:
                    yield from _shares(ceasefire, basis, ctx, chunk, span, {} if basis.declaration else overrides)
                chunk = []
        for basis, span in spans:
            yield from _shares(ceasefire, basis, ctx, chunk, span, {} if basis.declaration else overrides)

    stored = _store(shares())
    ComplianceLedger.objects.update_or_create(ceasefire=ceasefire, defaults={"built_at": timezone.now(), "days": LEDGER_DAYS})
    return stored


@transaction.atomic
def refresh_incidents(incident_ids: Iterable[int], timezones: dict[int, str] | None = None) -> int:
    """The shares of these incidents afresh in every built ledger: after they were written
    (created, changed, trashed or restored, rejected), their place moved or a verdict of theirs
    was overridden. One incident is evaluated in its own narrow context (as `assess_incident`
    does); a batch in each ceasefire's, read once (`timezones`: of the batch's places)."""
    ids = sorted(set(incident_ids))
    if not ids:
        return 0
    ComplianceShare.objects.filter(incident_id__in=ids).delete()
    ceasefires = list(context_ceasefires().filter(compliance_ledger__isnull=False))
    if not ceasefires:
        return 0
    incidents = list(Incident.objects.exclude(status=IncidentStatus.REJECTED).filter(pk__in=ids).select_related("place"))
    if not incidents:
        return 0
    chains = IncidentChains.of(incidents[0]) if len(incidents) == 1 else None
    if chains is None and timezones is None:
        timezones = place_timezones()
    declared = _declared(c.pk for c in ceasefires)
    overridden = defaultdict(dict)
    for incident_id, ceasefire_id, verdict in (
        Assessment.objects.filter(incident_id__in=ids, ceasefire__in=ceasefires)
        .exclude(override_verdict="")
        .values_list("incident_id", "ceasefire_id", "override_verdict")
    ):
        overridden[ceasefire_id][incident_id] = verdict
    rows = []
    for ceasefire in ceasefires:
        ctx = incident_context(ceasefire, chains) if chains else ceasefire_context(ceasefire, timezones)
        for basis in bases(ceasefire, declared):
            span = Span.around(ceasefire, basis.starts_at, LEDGER_DAYS, ctx.ended)
            overrides = {} if basis.declaration else overridden[ceasefire.pk]  # reviewers' verdicts: the curated basis's
            rows += _shares(ceasefire, basis, ctx, incidents, span, overrides)
    return _store(rows)
