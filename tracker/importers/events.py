"""What an importer makes of one dataset row: an event in our terms, before it touches the
database. The service layer (tracker.services.imports) finds or creates its place, parties and
sources and writes it; the format modules (acled, ucdp) only translate columns."""

from dataclasses import dataclass, field
from datetime import date, datetime

from tracker.choices import PartyKind, PlaceKind


@dataclass(frozen=True)
class PlaceSpec:
    """Where: a country and the named levels under it, largest first, the last being the
    event's place, with its coordinates."""

    country: str
    country_code: str
    levels: tuple[tuple[str, str], ...]  # (name, PlaceKind), largest first
    latitude: float | None = None
    longitude: float | None = None

    def event_level(self) -> tuple[str, str]:
        return self.levels[-1] if self.levels else (self.country, PlaceKind.COUNTRY)


@dataclass(frozen=True)
class PartySpec:
    name: str
    kind: str = PartyKind.OTHER


@dataclass(frozen=True)
class ClaimSpec:
    """One report of the event: who published it, what it is called, when."""

    source: str
    title: str
    published_on: date | None = None


@dataclass
class Event:
    """An incident to create or update, identified by (external_source, external_id).

    `first_day`/`last_day` are local calendar days at the place (last inclusive); `fields`
    holds the incident's other fields as the importer read them."""

    external_source: str
    external_id: str
    first_day: date
    last_day: date
    time_precision: str
    place: PlaceSpec
    fields: dict
    perpetrator: PartySpec | None = None
    target: PartySpec | None = None  # the target party (ACLED actor2, UCDP side_b), when armed
    claims: list[ClaimSpec] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what the summary should mention (kind inferred...)
    # What a curator should check (Incident.import_flags), each also counted in the summary.
    flags: list[str] = field(default_factory=list)
    # Exact (occurred_at, occurred_until) in UTC, for formats that give instants, not days.
    instants: tuple[datetime, datetime | None] | None = None


@dataclass(frozen=True)
class Skip:
    """A row deliberately not imported (a protest in ACLED), with the reason counted."""

    reason: str


# Incident.import_flags: what an import could not take as given (and the summary's note for each).
FIGURES_REORDERED = "figures_reordered"
PLACED_COARSER = "placed_coarser"
FLAG_NOTES = {
    FIGURES_REORDERED: "flagged figures_reordered: the source's low was above its high; the range is stored in order "
    "and the published figures are in the description",
    PLACED_COARSER: "flagged placed_coarser: no place named at the stated precision; placed at the deepest level named "
    "(the country at worst)",
}
