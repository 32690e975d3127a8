"""The bulk path of imports: large files, the same outcome as the row-by-row path, in batches.

The row-by-row path (`tracker.services.imports.import_rows`) writes each row through the
services: about thirty queries for a new event (its incident, reports, citations, their history
rows, its verdicts, its provenance), 47 rows a second. Here a batch of rows is read, translated
and resolved (places, parties and sources are few and cached, and still go through the
services), and then:

- incidents already in the database are read in one query, and those the file gives unchanged
  are settled in Python, without a write;
- new incidents, their reports and their citations are validated one by one exactly as the
  services validate them (`full_clean`), then inserted in bulk with one history row each
  (channel import, the importing user, the run's label) — on PostgreSQL by COPY
  (`tracker.bulk_insert`);
- their verdicts and their shares of the compliance series are computed for the whole batch at
  once (`assess_incidents`, `compliance_ledger.refresh_incidents`: each ceasefire's context read
  once), and their provenance graded from the records in memory;
- a row whose place and parties the run already knows needs no savepoint (it writes nothing
  until the batch's bulk insert);
- everything else — an incident that changed, a row that repeats an external id of the same
  batch — goes through the row-by-row path, in its own savepoint.

Each batch is one transaction: a crash loses at most the batch under way, and a re-run finds
the rows already committed unchanged (settled without writes). Rows still fail one at a time,
with their number, column and reason. Tested against the row-by-row path for identical results
(`tests/test_bulk_imports.py`).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import transaction

from tracker import bulk_insert
from tracker.choices import IncidentStatus, Stance
from tracker.history import Channel, history_context
from tracker.importers.events import FLAG_NOTES, Event, Skip
from tracker.importers.reading import Row, RowError
from tracker.models import Assessment, Citation, Incident, IncidentProvenance, Party, Place, Report
from tracker.services import assessments, common, compliance_ledger, provenance
from tracker.services.common import acting_user
from tracker.services.import_lookups import Lookups
from tracker.services.imports import (
    Outcome,
    Summary,
    _incident_data,
    _local_midnight,
    _messages,
    removed_skip,
    resolve_event,
    write_resolved,
)
from tracker.services.incidents import differs

BULK_BATCH_ROWS = 1000
# Statistics are refreshed once this many incidents are new, then each time the run doubles them.
ANALYZE_EVERY_ROWS = 10_000
WRITTEN_MODELS = (Incident, Report, Citation, Assessment, IncidentProvenance)


def _full_clean(obj, known_unique: set[str] = frozenset()) -> None:
    """The services' validation (`full_clean`), less the UNIQUE look-ups on `known_unique`
    fields, which the batch has settled for all its records at once."""
    obj._unique_known = frozenset(known_unique)
    try:
        obj.full_clean()
    finally:
        del obj._unique_known


class _Resolved:
    """A row translated into an event, with its place, perpetrator and zone found."""

    __slots__ = ("row", "event", "place", "perpetrator", "tzname", "incident")

    def __init__(self, row: Row, event: Event, place: Place, perpetrator: Party | None, tzname: str):
        self.row, self.event, self.place, self.perpetrator, self.tzname = row, event, place, perpetrator, tzname
        self.incident: Incident | None = None  # a new one, validated

    @property
    def key(self) -> tuple[str, str]:
        return self.event.external_source, self.event.external_id


def import_rows_bulk(
    rows: Iterable[Row],
    parse: Callable[[Row], Event | Skip],
    *,
    user=None,
    label: str = "import",
    on_row: Callable[[], None] | None = None,
    keep_outcomes: int = 0,
    batch_rows: int | None = None,
) -> Summary:
    """Import rows in batches of `batch_rows` (BULK_BATCH_ROWS), each batch one transaction."""
    batch_rows = batch_rows or BULK_BATCH_ROWS
    summary = Summary(keep_outcomes=keep_outcomes)
    lookups = Lookups(user)
    rows = iter(rows)
    analyzed_at = 0  # rows created when the tables' statistics were last refreshed
    with history_context(channel=Channel.IMPORT, reason=label, user=user):
        while batch := list(islice(rows, batch_rows)):
            with transaction.atomic():
                _Batch(lookups, summary).run(batch, parse)
            if on_row:
                for _ in batch:
                    on_row()
            if summary.created - analyzed_at >= max(ANALYZE_EVERY_ROWS, analyzed_at):
                # Each time the run has doubled what it wrote (a handful of times in a large load).
                bulk_insert.analyze(*WRITTEN_MODELS)
                analyzed_at = summary.created
    if summary.created > analyzed_at:
        bulk_insert.analyze(*WRITTEN_MODELS)
    # Rows of a batch are settled in stages (parse, then new incidents, then the rest): list
    # them in the file's order, as the row-by-row path does.
    summary.failures.sort(key=lambda failure: failure.row)
    summary.outcomes.sort(key=lambda outcome: outcome.row)
    return summary


class _Batch:
    def __init__(self, lookups: Lookups, summary: Summary):
        self.lookups, self.summary = lookups, summary
        self.user = acting_user(lookups.user)

    def run(self, batch: list[Row], parse) -> None:
        events = [(row, event) for row in batch if (event := self._parse(row, parse)) is not None]
        existing = self._existing([event for _, event in events])
        self._cited = self._citations_of([i.pk for i in existing.values()])
        new, settled, one_by_one = [], set(), []
        for row, event in events:
            key = (event.external_source, event.external_id)
            found = existing.get(key)
            creating = found is None and key not in settled
            item = self._resolve(row, event, validate_new=creating)
            if item is None:
                continue
            if key in settled or (found is not None and found.deleted_at is None and not self._unchanged(item, found)):
                one_by_one.append((item, found))
            elif found is not None and (skip := removed_skip(found)):
                self._done(item, skip)
            elif found is not None:
                self._done(item, "unchanged")
            else:
                new.append(item)
            settled.add(key)
        self._create(new)
        for item, found in one_by_one:
            # Read again: an earlier row of this batch may have written it.
            found = Incident.all_objects.filter(pk=found.pk).first() if found is not None else self._find(item)
            self._write_one(item, found)

    # --- reading and resolving --------------------------------------------------------------

    def _parse(self, row: Row, parse) -> Event | None:
        self.summary.rows += 1
        try:
            event = parse(row)
        except RowError as error:
            self._fail(row, error, "")
            return None
        if isinstance(event, Skip):
            self.summary.skipped[event.reason] += 1
            self.summary.record(Outcome(row.number, "", "skipped", event.reason))
            return None
        return event

    def _resolve(self, row: Row, event: Event, *, validate_new: bool) -> _Resolved | None:
        """The event's place, perpetrator and zone; a new incident is also validated here, so
        that a row refused leaves nothing behind (the places it created roll back with it)."""
        # A row whose place, perpetrator and zone the run knows writes nothing here: no savepoint
        # (two statements a row) is needed to take back what it wrote if it is refused.
        writes = not self.lookups.knows(event)
        try:
            with transaction.atomic() if writes else nullcontext():
                item = _Resolved(row, event, *resolve_event(event, self.lookups))
                if validate_new:
                    item.incident = self._new_incident(item)
                    # Its external id is new: the batch read every incident it could clash with.
                    _full_clean(item.incident, known_unique={"external_id"})
        except (RowError, ValidationError) as error:
            self._fail(row, error, event.external_id)
            return None
        self.lookups.row_done()
        return item

    def _new_incident(self, item: _Resolved) -> Incident:
        data = _incident_data(item.event, item.place, item.perpetrator, item.tzname)
        return self._stamped(Incident(**{"status": IncidentStatus.DRAFT, **data}))

    def _fail(self, row: Row, error: Exception, external_id: str) -> None:
        self.lookups.row_failed()
        field_name, message = (error.field, error.message) if isinstance(error, RowError) else _messages(error)
        self.summary.fail(row.number, field_name, message, external_id)

    @staticmethod
    def _existing(events: list[Event]) -> dict[tuple[str, str], Incident]:
        ids = defaultdict(set)
        for event in events:
            ids[event.external_source].add(event.external_id)
        found = {}
        for source, external_ids in ids.items():
            rows = Incident.all_objects.filter(external_source=source, external_id__in=external_ids).exclude(external_id="")
            found |= {(i.external_source, i.external_id): i for i in rows.order_by()}
        return found

    @staticmethod
    def _find(item: _Resolved) -> Incident | None:
        return Incident.all_objects.filter(external_source=item.key[0], external_id=item.key[1]).first()

    def _unchanged(self, item: _Resolved, found: Incident) -> bool:
        """Whether the file gives the incident as it is, its claims all cited (no query: the
        batch's citations were read with `_cited`)."""
        data = _incident_data(item.event, item.place, item.perpetrator, item.tzname)
        if any(differs(found, name, value) for name, value in data.items()):
            return False
        cited = self._cited_of(found.pk)
        return all((self.lookups.source(c.source).pk, c.title) in cited for c in item.event.claims)

    @staticmethod
    def _citations_of(incident_ids: list[int]) -> dict[int, set[tuple[int, str]]]:
        """(source, title) of the reports each incident cites: the batch's, in one query."""
        cited = defaultdict(set)
        rows = Citation.objects.filter(incident_id__in=incident_ids).values_list(
            "incident_id", "report__source_id", "report__title"
        )
        for incident_id, source_id, title in rows:
            cited[incident_id].add((source_id, title))
        return cited

    def _cited_of(self, incident_id: int) -> set[tuple[int, str]]:
        return self._cited.get(incident_id, set())

    # --- writing ----------------------------------------------------------------------------

    def _done(self, item: _Resolved, outcome: str | Skip) -> None:
        if isinstance(outcome, Skip):
            self.summary.skipped[outcome.reason] += 1
            self.summary.record(Outcome(item.row.number, item.event.external_id, "skipped", outcome.reason))
            return
        setattr(self.summary, outcome, getattr(self.summary, outcome) + 1)
        self.summary.record(Outcome(item.row.number, item.event.external_id, outcome, item.event.fields.get("title", "")))
        for remark in item.event.notes:
            self.summary.notes[remark] += 1
        for flag in set(item.event.flags):
            self.summary.notes[FLAG_NOTES[flag]] += 1

    def _write_one(self, item: _Resolved, found: Incident | None) -> None:
        """The row-by-row path for one row, in its own savepoint."""
        try:
            with common.operation():
                if found is not None and (skip := removed_skip(found)):
                    outcome = skip
                else:
                    outcome = write_resolved(item.event, self.lookups, found, item.place, item.perpetrator, item.tzname)
        except (RowError, ValidationError) as error:
            self._fail(item.row, error, item.event.external_id)
            return
        self._done(item, outcome)

    def _stamped(self, obj):
        obj.created_by = obj.updated_by = self.user
        obj.version = 1
        return obj

    def _create(self, items: list[_Resolved]) -> None:
        """New incidents with their reports and citations, validated each, inserted in bulk."""
        valid = [(item, item.incident) for item in items]
        if not valid:
            return
        bulk_insert.create(Incident, [incident for _, incident in valid])
        reports, citations = [], []
        for item, incident in valid:
            cited = set()
            for claim in item.event.claims:
                source = self.lookups.source(claim.source)
                if (source.pk, claim.title) in cited:
                    continue
                cited.add((source.pk, claim.title))
                published = _local_midnight(claim.published_on, item.tzname) if claim.published_on else None
                report = self._stamped(Report(source=source, title=claim.title, published_at=published))
                _full_clean(report)
                reports.append(report)
                citations.append((incident, report, item.perpetrator))
        bulk_insert.create(Report, reports)
        self.lookups.row_done()  # the sources it found or created are the batch's, not a row's
        rows = []
        for incident, report, perpetrator in citations:
            citation = self._stamped(
                Citation(incident=incident, report=report, named_perpetrator=perpetrator, stance=Stance.REPORTS)
            )
            # Its incident and report are new: no citation can clash with it.
            _full_clean(citation, known_unique={"incident", "report"})
            rows.append(citation)
        bulk_insert.create(Citation, rows)
        created = [incident for _, incident in valid]
        timezones = {i.place_id: item.tzname for item, i in valid}
        assessments.assess_incidents(created, timezones)
        compliance_ledger.refresh_incidents([i.pk for i in created], timezones)
        provenance.store_new(created, rows)
        for item, _ in valid:
            self._done(item, "created")
