"""Importing events from dataset files (ACLED, UCDP) through the service layer.

Each row is translated by its format module (tracker.importers.*) into an `Event`, then written
in its own savepoint: its place hierarchy, parties and sources are found or created, the
incident is created or updated in place by (external_source, external_id), and a citation is
added for each report of it not cited yet. A row that fails leaves nothing behind; the others
are imported. Writes go through the services (history with the importing user, verdicts,
provenance, syndication). Re-importing a file changes nothing that has not changed.
"""

import csv
import re
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import BinaryIO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, When

from tracker.choices import IncidentStatus, PartyKind, PlaceKind, SourceKind, Stance
from tracker.countries import country_code, country_timezone
from tracker.domain.names import normalize_name
from tracker.history import Channel, history_context
from tracker.importers import FORMATS
from tracker.importers.events import FLAG_NOTES, ClaimSpec, Event, PartySpec, PlaceSpec, Skip
from tracker.importers.reading import CountingLines, NotText, Row, RowError, read_rows
from tracker.models import Citation, Incident, Party, Place, PlaceName, Source
from tracker.models.hierarchy import chain_rows
from tracker.selectors.places import MIN_SKELETON, key_match_q, keys, resolve
from tracker.services import gazetteer, incidents, provenance, sources

MAX_FAILURES_KEPT = 1000  # failures listed in the summary; all are counted

# Words gazetteers add to an administrative division's name.
KIND_WORDS = {
    PlaceKind.GOVERNORATE: ("Governorate", "Province"),
    PlaceKind.DISTRICT: ("District",),
    PlaceKind.SUBDISTRICT: ("Subdistrict", "Sub-district", "Nahiya"),
}
# How ACLED and UCDP name a state's government and forces.
STATE_FORCES = re.compile(r"(?P<role>Government|Military Forces|Police Forces|Armed Forces) of (?P<country>.+)", re.IGNORECASE)
SETTLEMENTS = {PlaceKind.CITY, PlaceKind.TOWN, PlaceKind.VILLAGE, PlaceKind.NEIGHBOURHOOD, PlaceKind.SITE}


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
class Summary:
    """What an import did, row by row counted."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
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


class RunGazetteer:
    """Every live place by the keys of its names (and alternate names), read once per import
    run: finding a row's levels by name was two indexed queries per level and row, most of an
    import's time. The places the run creates are added as it goes; a row that fails forgets
    them (its savepoint removed them). Matches what `key_match_q` finds: a name's exact key or,
    when long enough, its transliteration skeleton."""

    def __init__(self):
        self.by_key: dict[tuple[str, str], set[int]] | None = None
        self.places: dict[int, Place] = {}
        self._added: list[Place] = []

    def _load(self) -> None:
        self.by_key = defaultdict(set)
        # What resolving, dating and assessing an event read of its place (no deferred loads).
        fields = ("id", "name", "kind", "parent_id", "country_code", "name_key", "name_skeleton", "latitude", "longitude")
        fields += ("timezone", "deleted_at")
        for place in Place.objects.only(*fields):
            self._index(place, place.name_key, place.name_skeleton)
        for place_id, key, skeleton in PlaceName.objects.filter(place__deleted_at__isnull=True).values_list(
            "place_id", "name_key", "name_skeleton"
        ):
            self.by_key[("k", key)].add(place_id)
            if len(skeleton) >= MIN_SKELETON:
                self.by_key[("s", skeleton)].add(place_id)

    def _index(self, place: Place, key: str, skeleton: str) -> None:
        self.places[place.pk] = place
        self.by_key[("k", key)].add(place.pk)
        if len(skeleton) >= MIN_SKELETON:
            self.by_key[("s", skeleton)].add(place.pk)

    def named(self, *names: str) -> list[Place]:
        """Places any of `names` matches, by name then id (the gazetteer's order)."""
        if self.by_key is None:
            self._load()
        found: set[int] = set()
        for name in names:
            key, skeleton = keys(name)
            found |= self.by_key.get(("k", key), set())
            if len(skeleton) >= MIN_SKELETON:
                found |= self.by_key.get(("s", skeleton), set())
        return sorted((self.places[pk] for pk in found if pk in self.places), key=lambda p: (p.name, p.pk))

    def add(self, place: Place) -> None:
        if self.by_key is not None:
            self._index(place, *keys(place.name))
            self._added.append(place)

    def forget_added(self) -> None:
        for place in self._added:
            self.places.pop(place.pk, None)
        self._added.clear()

    def row_done(self) -> None:
        self._added.clear()


class Lookups:
    """Finds or creates the places, parties and sources rows refer to, remembering them for
    the rest of the run. What a failed row created is forgotten with it (its savepoint rolled
    it back)."""

    def __init__(self, user):
        self.user = user
        self.places: dict[tuple, Place] = {}
        self.parties: dict[str, Party] = {}
        self.sources: dict[str, Source] = {}
        self.timezones: dict[int, str] = {}
        self.chains: dict[int, frozenset[int]] = {}  # place -> its ancestors' ids
        self.gazetteer = RunGazetteer()
        self._added: list[tuple[dict, object]] = []

    def _remember(self, cache: dict, key, value):
        cache[key] = value
        self._added.append((cache, key))
        return value

    def row_done(self) -> None:
        self._added.clear()
        self.gazetteer.row_done()

    def row_failed(self) -> None:
        for cache, key in self._added:
            cache.pop(key, None)
        self._added.clear()
        # Places the row created were rolled back with it: read the gazetteer again when needed.
        self.gazetteer.forget_added()

    @staticmethod
    def _path_key(spec: PlaceSpec) -> tuple:
        return ("path", spec.country_code or normalize_name(spec.country), *((normalize_name(n), k) for n, k in spec.levels))

    def knows(self, event: Event) -> bool:
        """Whether the event's place, perpetrator and zone are all in this run's memory already:
        resolving it then writes nothing (no savepoint needed around it)."""
        spec = event.place
        if not (spec.country or spec.country_code):
            return False
        place = self.places.get(self._path_key(spec))
        if place is None or place.pk not in self.timezones:
            return False
        return all(spec is None or normalize_name(spec.name) in self.parties for spec in (event.perpetrator, event.target))

    def country(self, spec: PlaceSpec) -> Place:
        key = ("country", spec.country_code or normalize_name(spec.country))
        if key in self.places:
            return self.places[key]
        countries = Place.objects.filter(kind=PlaceKind.COUNTRY)
        found = countries.filter(country_code=spec.country_code).first() if spec.country_code else None
        found = found or countries.filter(key_match_q(spec.country)).first()
        if found is None:
            found = gazetteer.place_create(
                data={
                    "name": spec.country,
                    "kind": PlaceKind.COUNTRY,
                    "country_code": spec.country_code,
                    "timezone": country_timezone(spec.country_code, spec.latitude, spec.longitude),
                },
                user=self.user,
            )
            self.gazetteer.add(found)
        return self._remember(self.places, key, found)

    def named_place(self, spec: PlaceSpec) -> Place:
        """A place known only by its name and point (our own CSV): the place of that name (or
        spelling) nearest the point, else a new top-level place there."""
        name, kind = spec.event_level()
        key = ("named", normalize_name(name), spec.latitude, spec.longitude)
        if key in self.places:
            return self.places[key]
        matches = [c.place for c in resolve(name, similar=False, limit=50)]
        if matches:
            found = min(matches, key=lambda p: _distance(p, spec.latitude, spec.longitude))
        else:
            data = {"name": name, "kind": kind, "latitude": spec.latitude, "longitude": spec.longitude}
            found = gazetteer.place_create(data=data, user=self.user)
            self.gazetteer.add(found)
        return self._remember(self.places, key, found)

    def place(self, spec: PlaceSpec) -> Place:
        """The event's place. Each named level is looked for below the deepest one found so
        far, by any spelling of its name and however deep (a gazetteer may file a town directly
        under its governorate, skipping the district the dataset names). Levels not found are
        created only if the event's own place is not found, as a chain under the deepest found
        one; the event's place gets the row's coordinates."""
        key = self._path_key(spec)
        if key in self.places:
            return self.places[key]
        found_levels, missing = [self.country(spec)], []
        for name, kind in spec.levels:
            found = self._find_below(found_levels, name, kind)
            if found is None:
                missing.append((name, kind))
                continue
            if missing and found.parent_id == found_levels[-1].pk and self._imported_untouched(found):
                # An earlier, vaguer row filed this place directly under an ancestor; this row
                # names the levels in between: create them and file the place under them, so
                # that the gazetteer ends the same whichever row came first.
                found = self._deepen(found, self._create_chain(found_levels[-1], missing))
            found_levels, missing = [*found_levels, found], []
        anchor = self._create_chain(found_levels[-1], missing, spec)
        return self._remember(self.places, key, anchor)

    def _create_chain(self, anchor: Place, levels: list[tuple[str, str]], spec: PlaceSpec | None = None) -> Place:
        """Create `levels` as a chain under `anchor`; the last gets the row's point (if `spec`)."""
        for depth, (name, kind) in enumerate(levels):
            data = {"name": name, "kind": kind, "parent": anchor, "country_code": anchor.country_code}
            if spec is not None and depth == len(levels) - 1 and spec.latitude is not None:
                data |= {"latitude": spec.latitude, "longitude": spec.longitude}
            anchor = gazetteer.place_create(data=data, user=self.user)
            self.gazetteer.add(anchor)
        return anchor

    def _deepen(self, place: Place, parent: Place) -> Place:
        moved = gazetteer.place_update(place=place, data={"parent": parent}, user=self.user)
        self.chains.clear()  # ancestors cached for it and what lies below it changed
        return moved

    @staticmethod
    def _imported_untouched(place: Place) -> bool:
        """Whether only imports ever wrote this place: a curator's filing is never moved."""
        channels = set(Place.history.filter(id=place.pk).values_list("history_channel", flat=True))
        return channels == {Channel.IMPORT}

    def _find_below(self, ancestors: list[Place], name: str, kind: str) -> Place | None:
        """A place of that name (or a transliteration of it, or it with its kind's word:
        "Idleb" is "Idlib Governorate") below the deepest of `ancestors` it can be found under
        (a direct child first). Administrative levels must be of the same kind, a town any
        kind of settlement. Looking below shallower levels too keeps the answer independent
        of which intermediate levels earlier rows happened to create."""
        matches = self.gazetteer.named(name, *(f"{name} {word}" for word in KIND_WORDS.get(kind, ())))
        fits = [p for p in matches if p.kind == kind or (kind == PlaceKind.TOWN and p.kind in SETTLEMENTS)]
        if not fits:
            return None
        for ancestor in reversed(ancestors):
            for place in fits:
                if place.parent_id == ancestor.pk:
                    return place
            for place in fits:
                if ancestor.pk in self._ancestor_ids(place):
                    return place
        return None

    def _ancestor_ids(self, place: Place) -> frozenset[int]:
        if place.pk not in self.chains:
            self._remember(self.chains, place.pk, frozenset(pk for (pk,) in chain_rows(Place, place.pk)[1:]))
        return self.chains[place.pk]

    def party(self, spec: PartySpec) -> Party:
        """The party by its name or an alias (with or without the datasets' bracketed dates
        and former names: "Military Forces of Syria (2000-)"). A state's forces as ACLED and
        UCDP name them ("Government of Russia", "Military Forces of Syria") belong to that
        country's top-level state or government party: the government is that party itself,
        its forces a new unit under it, so verdicts treat them as the party bound by a
        ceasefire. Otherwise a new top-level party."""
        key = normalize_name(spec.name)
        if key in self.parties:
            return self.parties[key]
        plain = re.sub(r"\s*\(.*?\)", "", spec.name).strip()
        found = None
        for name_key in dict.fromkeys([key, normalize_name(plain)]):
            found = (
                Party.objects.filter(name_key=name_key).first()
                or Party.objects.filter(aliases__name_key=name_key).first()
                or Party.objects.filter(short_name__iexact=spec.name).first()
            )
            if found:
                break
        if found is None:
            found = self._state_party(plain, spec)
        if found is None:
            found = gazetteer.party_create(data={"name": spec.name[:200], "kind": spec.kind}, user=self.user)
        return self._remember(self.parties, key, found)

    def _state_party(self, plain: str, spec: PartySpec) -> Party | None:
        match = STATE_FORCES.fullmatch(plain)
        code = country_code(match["country"]) if match else ""
        if not code:
            return None
        roots = Party.objects.filter(parent=None, country_code=code, kind__in=[PartyKind.GOVERNMENT, PartyKind.STATE])
        root = roots.order_by(Case(When(kind=PartyKind.GOVERNMENT, then=0), default=1), "pk").first()
        if root is None:
            return None
        if match["role"].casefold() == "government":
            return root
        return gazetteer.party_create(
            data={"name": spec.name[:200], "kind": PartyKind.ARMED_FORCES, "parent": root, "country_code": code},
            user=self.user,
        )

    def source(self, name: str) -> Source:
        key = name.casefold()
        if key in self.sources:
            return self.sources[key]
        found = Source.objects.filter(name__iexact=name).first()
        if found is None:
            found = sources.source_create(data={"name": name[:200], "kind": SourceKind.OTHER}, user=self.user)
        return self._remember(self.sources, key, found)

    def timezone(self, place: Place) -> str:
        """The place's zone, or its nearest ancestor's (UTC when none): one query up the chain."""
        if place.pk not in self.timezones:
            zone = next((tz for _, tz in chain_rows(Place, place.pk, "timezone") if tz), "UTC")
            self._remember(self.timezones, place.pk, zone)
        return self.timezones[place.pk]


def _distance(place: Place, latitude: float | None, longitude: float | None) -> float:
    """Squared degrees between a place and a point (unknown points last): to choose among
    places of one name."""
    if place.latitude is None or latitude is None:
        return float("inf") if place.latitude is None else 0.0
    return (place.latitude - latitude) ** 2 + (place.longitude - longitude) ** 2


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
        incidents.citation_create(
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
        with transaction.atomic(), provenance.deferred():
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
