"""Keeps each ceasefire's compliance ledger current (tracker/models/compliance.py).

The ledger holds, for every basis of a ceasefire (its curated start and each declaration's
claimed start) and every incident the series counts within LEDGER_DAYS local days of that start,
the incident's share of each day before and from the start — computed by the same rules as the
series evaluated afresh (`tracker.selectors.compliance.counted`, `tracker.domain.compliance`) —
and, for each day, those shares summed per status, verdict, kind and perpetrator (the tallies
the series reads: a few rows a day, however many incidents fell on it). Reading the ledger gives
the same answer as evaluating afresh (tests/test_compliance_ledger.py). Whenever shares change,
the tallies of the days they touch (before and after the change) are summed again from them.

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
from datetime import date

from django.db import connection, transaction
from django.utils import timezone

from tracker import bulk_insert
from tracker.choices import IncidentStatus
from tracker.domain.compliance import day_shares
from tracker.domain.timewindows import WINDOW_REACH
from tracker.domain.verdicts import CeasefireContext
from tracker.models import Assessment, Ceasefire, ComplianceLedger, ComplianceShare, ComplianceTally, Declaration, Incident
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


# The tallies are summed in the database, in SQL both databases speak (a ceasefire's whole
# ledger at once in a rebuild). Per side: the share; the killed figures weighted by it; and the
# share of the incidents that have figures (the series' deaths: tracker/selectors/compliance.py).
_TALLIED = ("ceasefire_id", "declaration_id", "day", "status", "verdict", "kind", "perpetrator_id")
_FIGURES = "killed_low IS NOT NULL"
_SUMS = {}
for _side in ("before", "after"):
    _share = f'"{_side}"'  # quoted: a keyword in SQL
    _SUMS |= {
        _side: f"SUM({_share})",
        f"{_side}_low": f"COALESCE(SUM(CASE WHEN {_FIGURES} THEN {_share} * killed_low END), 0)",
        f"{_side}_high": f"COALESCE(SUM(CASE WHEN {_FIGURES} THEN {_share} * COALESCE(killed_high, killed_low) END), 0)",
        f"{_side}_figures": f"SUM(CASE WHEN {_FIGURES} THEN {_share} ELSE 0 END)",
    }
# Above this many days of one basis, its whole series is summed again rather than those days.
_WHOLE_BASIS = 200
EVERY_BASIS = object()


def _sum_tallies(ceasefire_id: int, declaration_id=EVERY_BASIS, days: Iterable[date] | None = None) -> None:
    """Replace the tallies of a ceasefire — of one basis (`declaration_id`, None for the curated
    start) and of these days, if given — with the sums of its shares."""
    where, params = ["ceasefire_id = %s"], [ceasefire_id]
    tallies = ComplianceTally.objects.filter(ceasefire_id=ceasefire_id)
    if declaration_id is not EVERY_BASIS:
        where.append("declaration_id IS NULL" if declaration_id is None else "declaration_id = %s")
        params += [] if declaration_id is None else [declaration_id]
        tallies = tallies.filter(declaration_id=declaration_id)
    if days is not None:
        days = sorted(days)
        where.append(f"day IN ({', '.join(['%s'] * len(days))})")
        params += [connection.ops.adapt_datefield_value(day) for day in days]
        tallies = tallies.filter(day__in=days)
    tallies.delete()
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(ComplianceTally._meta.db_table)} ({', '.join(map(quote, [*_TALLIED, *_SUMS]))}) "  # nosec B608 - names and placeholders only
            f"SELECT {', '.join(_TALLIED)}, {', '.join(_SUMS.values())} FROM {quote(ComplianceShare._meta.db_table)} "
            f"WHERE {' AND '.join(where)} GROUP BY {', '.join(_TALLIED)}",
            params,
        )


def _lock_ledgers(ceasefire: Ceasefire | None = None) -> None:
    """Hold the ledgers (every one, or a ceasefire's) until the transaction ends. A day's tallies
    are deleted and summed again from the shares: two writers summing the same day at once would
    each insert their sums (PostgreSQL's DELETE does not see rows inserted after its snapshot),
    so the second waits for the first and then reads what it committed. In ceasefire order, so
    that two writers cannot wait for each other."""
    ledgers = ComplianceLedger.objects.select_for_update().order_by("ceasefire_id")
    list((ledgers.filter(ceasefire=ceasefire) if ceasefire else ledgers).values_list("pk", flat=True))


def _resum(touched: dict[tuple[int, int | None], set[date]]) -> None:
    """Sum again the tallies of the days these shares touched: (ceasefire, declaration) → days."""
    for (ceasefire_id, declaration_id), days in touched.items():
        _sum_tallies(ceasefire_id, declaration_id, None if len(days) > _WHOLE_BASIS else days)


@transaction.atomic
def rebuild(ceasefire: Ceasefire, ctx: CeasefireContext | None = None) -> int:
    """The ceasefire's whole ledger afresh, on every basis; returns the shares stored.
    `ctx`: the ceasefire's context when the caller has it (a verdict recompute)."""
    ctx = ctx or ceasefire_context(context_ceasefires().get(pk=ceasefire.pk))
    ceasefire = ctx.ceasefire
    _lock_ledgers(ceasefire)
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
    _sum_tallies(ceasefire.pk)
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
    rows = _fresh_shares(ids, timezones)
    _lock_ledgers()
    shares = ComplianceShare.objects.filter(incident_id__in=ids)
    touched = defaultdict(set)
    for ceasefire_id, declaration_id, day in shares.values_list("ceasefire_id", "declaration_id", "day").distinct():
        touched[ceasefire_id, declaration_id].add(day)
    shares.delete()
    for row in rows:
        touched[row[0], row[1]].add(row[3])
    stored = _store(rows)
    _resum(touched)
    return stored


def _fresh_shares(ids: list[int], timezones: dict[int, str] | None) -> list[tuple]:
    """The shares of these incidents in every built ledger, as `_shares` gives them."""
    ceasefires = list(context_ceasefires().filter(compliance_ledger__isnull=False))
    if not ceasefires:
        return []
    incidents = list(Incident.objects.exclude(status=IncidentStatus.REJECTED).filter(pk__in=ids).select_related("place"))
    if not incidents:
        return []
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
    return rows
