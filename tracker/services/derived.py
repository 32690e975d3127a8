"""Derived data: what follows a write, declared in one table and run by one mechanism.

Every write through the service layer (`services/common.py`: create, update, delete, restore,
the children of a form) is recorded as a `Change`: the record, whether it was created, updated
or deleted, which fields it changed and from what, and who wrote it. A service operation
(`common.operation()`: every service function, an import row, an admin form with its inlines, a
bulk upsert) collects the changes of all its writes and, once, at its end — still inside its
transaction — hands them to `run`, which gives each rule of `RULES` the changes of the models
the rule follows. However many records an operation writes, each derived datum is computed once,
from the state the whole operation leaves.

Each rule keeps its data current in one of three ways, its `timing`:

- WITH_THE_WRITE — work the size of the records written (an incident's provenance and
  verdicts, a report's syndication): done before the operation ends, so the answer to the
  write already shows it and a rollback takes it back with the write;
- ON_THE_QUEUE — work that grows with the database (every verdict of a ceasefire whose zone,
  parties or lifecycle changed): the rule marks the data pending and enqueues a task
  (`services/recompute.py`); the task row commits with the write and a worker runs it after the
  commit (with the `immediate` backend, the default, at once);
- AFTER_THE_COMMIT — state outside the database that others read (the place resolver's index,
  the response cache's data generation): moved once the write is visible to them, so that no
  reader rebuilds it from the data before the commit and keeps that.

The data generation is the one entry not run from here: every committed write moves it, whatever
wrote it (a bulk COPY, a task worker, a migration, psql), so the database connection itself
schedules it (tracker/generation.py); it is listed so that this table answers "what runs when
I save?" whole.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction

from tracker.models import (
    Assessment,
    Ceasefire,
    CeasefireParty,
    CeasefireStatus,
    Citation,
    Declaration,
    Incident,
    Party,
    Place,
    PlaceName,
    Report,
    Source,
)
from tracker.selectors.places import gazetteer_changed
from tracker.services import assessments, compliance_ledger, outbox, provenance, recompute, syndication

WITH_THE_WRITE = "with the write"
ON_THE_QUEUE = "on the task queue"
AFTER_THE_COMMIT = "after the commit"

# A place's fields that say where it is for the verdicts (its zone, its time zone, what it lies in).
LOCATING_FIELDS = ("latitude", "longitude", "geometry", "parent_id", "timezone")

# A report's fields that decide what it is a copy of.
SYNDICATION_FIELDS = ("body", "published_at", "syndication_decision")

# An incident's prose (`Incident.PROSE_FIELDS`): words for readers that no rule reads (the
# verdicts, the compliance series and the provenance grade read its time, place, kind, parties,
# status and links). An edit of these alone — the commonest curator edit — changes no derived
# datum but the subscribers' event, so it costs one UPDATE, not a reassessment under every
# ceasefire and the compliance ledgers' lock (bench/README.md, the mixed load).
INCIDENT_PROSE = Incident.PROSE_FIELDS


@dataclass(frozen=True)
class Change:
    """One write of one record through the service layer.

    `before` maps the attname of each field the write changed to its value before; None when the
    writer did not say (every field may have changed). A move to the trash or back is an update
    of `deleted_at`; `deleted` is a removal for good. `hints`: what the writer already computed
    that a rule needs (a report's fingerprint and matches), so it is not computed twice.
    """

    instance: models.Model
    pk: Any
    kind: str  # "created", "updated" or "deleted"
    before: Mapping[str, Any] | None = None
    user: Any = None
    hints: Mapping[str, Any] = field(default_factory=dict)

    @property
    def created(self) -> bool:
        return self.kind == "created"

    @property
    def live(self) -> bool:
        """Still there and not in the trash."""
        return self.kind != "deleted" and getattr(self.instance, "deleted_at", None) is None

    def changed(self, *attnames: str) -> bool:
        """Whether the write set any of these fields (a creation sets them all)."""
        return self.kind != "updated" or self.before is None or any(name in self.before for name in attnames)

    def only(self, attnames: frozenset[str]) -> bool:
        """Whether the write was an update that changed these fields and no other."""
        return self.kind == "updated" and bool(self.before) and set(self.before) <= attnames

    def was(self, attname: str) -> Any:
        """The field's value before the write (its value now if the write left it)."""
        if self.before is not None and attname in self.before:
            return self.before[attname]
        return getattr(self.instance, attname)


@dataclass(frozen=True)
class Rule:
    """One kind of derived data: what it is, the models whose writes can change it, the function
    that brings it up to date from their changes, and when that runs."""

    keeps: str
    models: tuple[type[models.Model], ...]
    run: Callable[[list[Change]], None] | None
    timing: str


def _latest(changes: Iterable[Change], model: type[models.Model]) -> dict[Any, Change]:
    """The last change of each record of `model` (an operation may write one record twice)."""
    return {change.pk: change for change in changes if isinstance(change.instance, model)}


def _prose_only(changes: list[Change]) -> set[Any]:
    """The incidents whose every change in the operation touched their prose and nothing else."""
    incidents = [change for change in changes if isinstance(change.instance, Incident)]
    other = {change.pk for change in incidents if not change.only(INCIDENT_PROSE)}
    return {change.pk for change in incidents} - other


def _provenance(changes: list[Change]) -> None:
    ids: set[int] = set()
    prose_only = _prose_only(changes)
    for change in changes:
        if change.kind == "deleted" and not isinstance(change.instance, Citation):
            continue  # a source, party or report removed for good: nothing referred to it
        if isinstance(change.instance, Incident) and change.pk in prose_only:
            continue
        ids.update(provenance.incidents_concerned(change.instance, created=change.created))
        if isinstance(change.instance, Citation) and change.changed("incident_id"):
            ids.add(change.was("incident_id"))  # a citation moved away (a merge): the old incident
    provenance.refresh(ids)


def _syndication(changes: list[Change]) -> None:
    for change in _latest(changes, Report).values():
        if not change.live or not change.changed(*SYNDICATION_FIELDS):
            continue
        text, found = change.hints.get("fingerprint"), change.hints.get("matches")
        if change.changed("body"):
            syndication.index(change.instance, text, new=change.created)
        syndication.relink_later_copies(change.instance, user=change.user, found=found)


def _incident_verdicts(changes: list[Change]) -> None:
    assess: dict[int, Incident] = {}
    responses: dict[int, Incident] = {}
    prose_only = _prose_only(changes)
    for pk, change in _latest(changes, Incident).items():
        incident = change.instance
        if pk in prose_only:
            continue
        if change.live:
            assess[pk] = incident
        if not change.created:  # what responds to it reads its time and verdicts
            responses[pk] = incident
        if incident.merged_into_id and change.changed("merged_into_id", "deleted_at"):
            # A duplicate merged (and trashed): the kept incident now holds its claims.
            assess.setdefault(incident.merged_into_id, Incident.objects.get(pk=incident.merged_into_id))
    for incident in assess.values():
        assessments.assess_incident(incident)
    for incident in responses.values():
        assessments.reassess_responses(incident)
    for change in _latest(changes, Place).values():
        if change.kind == "updated" and change.changed(*LOCATING_FIELDS):
            assessments.reassess_incidents_at(change.instance)


def _ceasefire_verdicts(changes: list[Change]) -> None:
    ids: set[int] = set()
    for change in changes:
        record = change.instance
        if isinstance(record, Ceasefire):
            if change.kind != "deleted":
                ids.add(change.pk)
        elif isinstance(record, (CeasefireParty, CeasefireStatus, Declaration)):
            ids |= {record.ceasefire_id, change.was("ceasefire_id")}
        elif isinstance(record, Place) and change.kind == "updated" and change.changed(*LOCATING_FIELDS):
            ids |= recompute.ceasefires_drawing(record)
        elif isinstance(record, Party) and change.kind == "updated" and change.changed("parent_id"):
            ids |= recompute.ceasefires_binding(record, previous_parent_id=change.was("parent_id"))
    recompute.request_verdicts(ids)


def _compliance_ledger(changes: list[Change]) -> None:
    # Live or not (a trashed one's shares go), unless only its prose changed.
    ids: set[int] = set(_latest(changes, Incident)) - _prose_only(changes)
    for change in _latest(changes, Place).values():
        if change.kind == "updated" and change.changed(*LOCATING_FIELDS):
            ids.update(Incident.objects.filter(place=change.instance).values_list("pk", flat=True))
    for change in _latest(changes, Assessment).values():
        if change.changed("override_verdict"):
            ids.add(change.instance.incident_id)
    compliance_ledger.refresh_incidents(ids)


def _incident_events(changes: list[Change]) -> None:
    events = []
    for pk, change in _latest(changes, Incident).items():
        if change.created:
            events.append((pk, outbox.CREATED))
        elif not change.live:
            events.append((pk, outbox.REMOVED))  # trashed, purged, merged away
        else:
            events.append((pk, outbox.CHANGED))  # restored from the trash too
    for change in _latest(changes, Assessment).values():
        if change.changed("override_verdict"):  # a computed verdict that changes: assessments._store
            events.append((change.instance.incident_id, outbox.VERDICT))
    outbox.record(events)


def _place_names(changes: list[Change]) -> None:
    # Now, for this transaction's own reads; again after the commit, for every other process.
    gazetteer_changed()
    transaction.on_commit(gazetteer_changed, robust=True)


RULES: tuple[Rule, ...] = (
    # Claimants, grades and consensus ranges (tracker.domain.provenance): a citation, the report
    # it cites, that report's source or wire source, a party a claim or perpetrator names.
    Rule("an incident's provenance", (Incident, Citation, Report, Source, Party), _provenance, WITH_THE_WRITE),
    # Which earlier report a report copies, and which later ones copy it (tracker.domain.syndication).
    Rule("reports' syndication links and index", (Report,), _syndication, WITH_THE_WRITE),
    # The incident's verdict under each ceasefire, those of the incidents that respond to it,
    # and those of the incidents at a place that moved (tracker.domain.verdicts).
    Rule("an incident's verdicts", (Incident, Place), _incident_verdicts, WITH_THE_WRITE),
    # Every verdict of a ceasefire whose terms, roles, lifecycle, declarations, covered places
    # or bound parties changed: seconds to minutes at a million incidents.
    Rule(
        "a ceasefire's verdicts",
        (Ceasefire, CeasefireParty, CeasefireStatus, Declaration, Place, Party),
        _ceasefire_verdicts,
        ON_THE_QUEUE,
    ),
    # Each counted incident's per-day shares of a ceasefire's compliance series, on every basis
    # (the whole ceasefire's are rebuilt with its verdicts, on the queue, by assess_ceasefire).
    Rule("compliance series' per-day shares", (Incident, Place, Assessment), _compliance_ledger, WITH_THE_WRITE),
    # What happened to which incidents, for subscriptions: one INSERT with the write; matched
    # and delivered on the task queue after the commit (tracker/services/outbox.py).
    Rule("subscriptions' incident events", (Incident, Assessment), _incident_events, WITH_THE_WRITE),
    Rule("the place resolver's name index", (Place, PlaceName), _place_names, AFTER_THE_COMMIT),
    # Run by the database connection for every committed write (see the module's docstring).
    Rule("the data generation (keys the response cache)", (models.Model,), None, AFTER_THE_COMMIT),
)


def run(changes: list[Change]) -> None:
    """Bring the derived data up to date after an operation's changes, rule by rule, in the
    table's order (provenance first: nothing reads it back here, but a reader of the answer does)."""
    for rule in RULES:
        if rule.run is None:
            continue
        concerned = [change for change in changes if isinstance(change.instance, rule.models)]
        if concerned:
            rule.run(concerned)
