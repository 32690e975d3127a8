"""Importing events from dataset files (ACLED, UCDP) through the service layer.

Each row is translated by its format module (tracker.importers.*) into an `Event`, then written
in its own savepoint: its place hierarchy, parties and sources are found or created, the
incident is created or updated in place by (external_source, external_id), and a citation is
added for each report of it not cited yet. A row that fails leaves nothing behind; the others
are imported. Writes go through the services (history with the importing user, verdicts,
provenance, syndication). Re-importing a file changes nothing that has not changed.
"""

import csv
import zoneinfo
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction

from tracker.choices import IncidentStatus, Stance
from tracker.history import Channel, history_context
from tracker.importers import FORMATS
from tracker.importers.events import FLAG_NOTES, ClaimSpec, Event, Skip
from tracker.importers.reading import CountingLines, NotText, Row, RowError, read_rows
from tracker.models import Citation, Incident, Party, Place
from tracker.services import common, incidents, sources
from tracker.services.import_lookups import Lookups

MAX_FAILURES_KEPT = 1000  # failures listed in the summary; all are counted


@dataclass
class Failure:
    row: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.field}: {self.message}"


@dataclass(frozen=True)
class Outcome:
    """What became of one row: created, updated, unchanged, skipped or failed, and why."""

    row: int
    external_id: str
    outcome: str
    detail: str


@dataclass
class Summary(common.Tally):
    """What an import did, row by row counted."""

    rows: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason -> rows
    failed: int = 0
    failures: list[Failure] = field(default_factory=list)  # the first MAX_FAILURES_KEPT
    notes: Counter = field(default_factory=Counter)  # remark -> rows (kind inferred, ...)
    dry_run: bool = False
    # Row by row, the first `keep_outcomes` rows (an admin preview); none for the command.
    keep_outcomes: int = 0
    outcomes: list[Outcome] = field(default_factory=list)

    def fail(self, row: int, field_name: str, message: str, external_id: str = "") -> None:
        self.failed += 1
        if len(self.failures) < MAX_FAILURES_KEPT:
            self.failures.append(Failure(row, field_name, message))
        self.record(Outcome(row, external_id, "failed", f"{field_name}: {message}"))

    def record(self, outcome: Outcome) -> None:
        if len(self.outcomes) < self.keep_outcomes:
            self.outcomes.append(outcome)

    def lines(self) -> list[str]:
        head = "Dry run, nothing saved — would have: " if self.dry_run else ""
        out = [
            f"{head}{self.rows} rows: {self.created} created, {self.updated} updated, {self.unchanged} unchanged, "
            f"{sum(self.skipped.values())} skipped, {self.failed} failed"
        ]
        out += [f"  skipped {n}: {reason}" for reason, n in sorted(self.skipped.items())]
        out += [f"  note {n}: {remark}" for remark, n in sorted(self.notes.items())]
        out += [f"  failed {f}" for f in self.failures]
        if self.failed > len(self.failures):
            out.append(f"  ... and {self.failed - len(self.failures)} more failed rows")
        return out


def _messages(error: ValidationError) -> tuple[str, str]:
    """(field, message) of a validation error, for the summary."""
    if hasattr(error, "error_dict"):
        name, errors = next(iter(error.error_dict.items()))
        return name, "; ".join(m for e in errors for m in e.messages)
    return "row", "; ".join(error.messages)


def _local_midnight(day: date, tzname: str) -> datetime:
    """The first instant of a local day, in UTC. Normalising matters: on a day whose midnight
    does not exist (summer time beginning at 00:00, as in Syria) the zone-local value is never
    equal to another zone's time in Python, so a re-import would see a change every time."""
    return datetime(day.year, day.month, day.day, tzinfo=zoneinfo.ZoneInfo(tzname)).astimezone(UTC)


def _incident_data(event: Event, place: Place, perpetrator: Party | None, tzname: str) -> dict:
    """The incident's fields: the event's local days become UTC instants at the place."""
    data = {
        **event.fields,
        "place": place,
        "perpetrator": perpetrator,
        "time_precision": event.time_precision,
        "occurred_at": _local_midnight(event.first_day, tzname),
        "occurred_until": None,
        "external_source": event.external_source,
        "external_id": event.external_id,
        "import_flags": sorted(set(event.flags)),
    }
    if event.time_precision == "interval":
        data["occurred_until"] = _local_midnight(event.last_day + timedelta(days=1), tzname)
    if event.instants is not None:  # a format that gives exact instants (our own CSV)
        data["occurred_at"], data["occurred_until"] = event.instants
    return data


def resolve_event(event: Event, lookups: Lookups) -> tuple[Place, Party | None, str]:
    """The event's place, perpetrator and local time zone, found or created."""
    spec = event.place
    place = lookups.place(spec) if spec.country or spec.country_code else lookups.named_place(spec)
    perpetrator = lookups.party(event.perpetrator) if event.perpetrator else None
    # The target party is one more of the incident's fields; it is found (or created) here
    # with the perpetrator, so the importers' fields carry it from now on.
    event.fields["target_party"] = lookups.party(event.target) if event.target else None
    return place, perpetrator, lookups.timezone(place)


def removed_skip(existing: Incident) -> Skip | None:
    """Why an incident deleted or merged in the tracker is not brought back by an import."""
    if existing.deleted_at is None:
        return None
    if existing.merged_into_id:
        return Skip("merged in the tracker into another incident")
    return Skip("deleted in the tracker (restore it to import updates)")


def write_event(event: Event, lookups: Lookups) -> str | Skip:
    """Create or update the event's incident and cite its reports: 'created', 'updated' or
    'unchanged' (Skip for an incident deleted or merged in the tracker)."""
    existing = incidents.find_external(event.external_source, event.external_id)
    if existing is not None and (skip := removed_skip(existing)):
        return skip
    return write_resolved(event, lookups, existing, *resolve_event(event, lookups))


def write_resolved(
    event: Event, lookups: Lookups, existing: Incident | None, place: Place, perpetrator: Party | None, tzname: str
) -> str:
    """`write_event` once the event's incident, place, perpetrator and zone are known."""
    data = _incident_data(event, place, perpetrator, tzname)
    defaults = {"status": IncidentStatus.DRAFT} if "status" not in data else {}
    incident, outcome = incidents.incident_upsert(data=data, user=lookups.user, existing=existing, create_defaults=defaults)
    if _cite(incident, event.claims, perpetrator, tzname, lookups) and outcome == "unchanged":
        outcome = "updated"
    return outcome


def _cite(incident: Incident, claims: Iterable[ClaimSpec], perpetrator: Party | None, tzname: str, lookups: Lookups) -> int:
    """Add a report and a citation for each claim the incident does not cite yet (same source
    and title). Returns how many were added."""
    cited = set(Citation.objects.filter(incident=incident).values_list("report__source_id", "report__title"))
    added = 0
    for claim in claims:
        source = lookups.source(claim.source)
        if (source.pk, claim.title) in cited:
            continue
        report = sources.report_create(
            data={
                "source": source,
                "title": claim.title,
                "published_at": _local_midnight(claim.published_on, tzname) if claim.published_on else None,
            },
            user=lookups.user,
        )
        incidents.CITATIONS.create(
            data={"incident": incident, "report": report, "named_perpetrator": perpetrator, "stance": Stance.REPORTS},
            user=lookups.user,
        )
        cited.add((source.pk, claim.title))
        added += 1
    return added


class _DryRun(Exception):
    """Raised to roll a dry run's transaction back."""


BATCH_ROWS = 500  # rows committed together (each still in its own savepoint)


def import_rows(
    rows: Iterable[Row],
    parse: Callable[[Row], Event | Skip],
    *,
    user=None,
    dry_run: bool = False,
    label: str = "import",
    on_row: Callable[[], None] | None = None,
    keep_outcomes: int = 0,
) -> Summary:
    """Import rows, each in its own savepoint, committed every BATCH_ROWS rows (a commit per
    row would cost SQLite a disk sync each). A dry run does everything in one transaction and
    rolls it back, so its counts are what a real run would do."""
    summary = Summary(dry_run=dry_run, keep_outcomes=keep_outcomes)
    lookups = Lookups(user)
    rows = iter(rows)
    with history_context(channel=Channel.IMPORT, reason=label, user=user):
        if dry_run:
            try:
                with transaction.atomic():
                    _import_batch(rows, None, parse, lookups, summary, on_row)
                    raise _DryRun
            except _DryRun:
                pass
            return summary
        while True:
            with transaction.atomic():
                if not _import_batch(rows, BATCH_ROWS, parse, lookups, summary, on_row):
                    return summary


def _import_batch(rows, size: int | None, parse, lookups: Lookups, summary: Summary, on_row) -> int:
    """Import up to `size` rows (all when None); returns how many there were."""
    count = 0
    for row in rows:
        summary.rows += 1
        _import_row(row, parse, lookups, summary)
        if on_row:
            on_row()
        count += 1
        if size is not None and count >= size:
            break
    return count


def _import_row(row: Row, parse, lookups: Lookups, summary: Summary) -> None:
    event = None
    try:
        with common.operation():
            event = parse(row)
            outcome = event if isinstance(event, Skip) else write_event(event, lookups)
    except (RowError, ValidationError) as error:
        lookups.row_failed()
        field_name, message = (error.field, error.message) if isinstance(error, RowError) else _messages(error)
        summary.fail(row.number, field_name, message, getattr(event, "external_id", ""))
        return
    lookups.row_done()
    external_id = getattr(event, "external_id", "")
    if isinstance(outcome, Skip):
        summary.skipped[outcome.reason] += 1
        summary.record(Outcome(row.number, external_id, "skipped", outcome.reason))
        return
    setattr(summary, outcome, getattr(summary, outcome) + 1)
    summary.record(Outcome(row.number, external_id, outcome, event.fields.get("title", "")))
    for remark in event.notes:
        summary.notes[remark] += 1
    for flag in set(event.flags):
        summary.notes[FLAG_NOTES[flag]] += 1


class ImportFileError(Exception):
    """The file as a whole cannot be imported (empty, or not of the format given)."""


def import_file(
    stream: BinaryIO,
    fmt: str,
    *,
    user=None,
    dry_run: bool = False,
    label: str = "import",
    keep_outcomes: int = 0,
    on_progress: Callable[[int], None] | None = None,
    bulk: bool | None = None,
) -> Summary:
    """Import a dataset file of format `fmt` (tracker.importers.FORMATS), read as it streams.
    `on_progress` is called with the bytes read so far after each row (each batch on the bulk
    path). `bulk`: the bulk path (tracker.services.bulk_imports) — by default for real runs;
    dry runs (the admin's preview) go row by row, each row's outcome in order."""
    module = FORMATS[fmt]
    lines = CountingLines(stream)
    try:
        header, rows = read_rows(lines)
    except RowError as error:
        raise ImportFileError(str(error)) from None
    except (NotText, csv.Error) as error:
        raise ImportFileError(_file_error(error)) from None
    missing = [column for column in module.REQUIRED if column not in header]
    if missing:
        raise ImportFileError(f"not a {fmt} file: missing column(s) {', '.join(missing)}.")

    def on_row():
        if on_progress:
            on_progress(lines.bytes_read)

    use_bulk = not dry_run if bulk is None else bulk and not dry_run
    try:
        if use_bulk:
            from tracker.services.bulk_imports import import_rows_bulk

            return import_rows_bulk(rows, module.parse, user=user, label=label, on_row=on_row, keep_outcomes=keep_outcomes)
        return import_rows(
            rows, module.parse, user=user, dry_run=dry_run, label=label, on_row=on_row, keep_outcomes=keep_outcomes
        )
    except (NotText, csv.Error) as error:
        # Batches committed before the bad line stay (a re-import finds them unchanged); the
        # batch it was in rolled back. The admin's preview reads the whole file first.
        raise ImportFileError(_file_error(error)) from None


def _file_error(error: Exception) -> str:
    if isinstance(error, csv.Error):  # e.g. a NUL byte: a binary file
        return f"The file is not CSV text: {error}."
    return str(error)
