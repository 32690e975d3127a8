"""What an import run finds or creates as it goes — places (through the gazetteer and the
resolver), parties, sources — remembered for the run so that a file of thousands of rows about
the same places reads and writes each once (tracker.services.imports uses it)."""

import re
from collections import defaultdict

from django.db.models import Case, When

from tracker.choices import PartyKind, PlaceKind, SourceKind
from tracker.countries import country_code, country_timezone
from tracker.domain.names import normalize_name
from tracker.history import Channel
from tracker.importers.events import Event, PartySpec, PlaceSpec
from tracker.models import Party, Place, PlaceName, Source
from tracker.models.hierarchy import chain_rows
from tracker.selectors.places import MIN_SKELETON, key_match_q, keys, resolve
from tracker.services import gazetteer, sources

# Words gazetteers add to an administrative division's name.
KIND_WORDS = {
    PlaceKind.GOVERNORATE: ("Governorate", "Province"),
    PlaceKind.DISTRICT: ("District",),
    PlaceKind.SUBDISTRICT: ("Subdistrict", "Sub-district", "Nahiya"),
}
# How ACLED and UCDP name a state's government and forces.
STATE_FORCES = re.compile(r"(?P<role>Government|Military Forces|Police Forces|Armed Forces) of (?P<country>.+)", re.IGNORECASE)
SETTLEMENTS = {PlaceKind.CITY, PlaceKind.TOWN, PlaceKind.VILLAGE, PlaceKind.NEIGHBOURHOOD, PlaceKind.SITE}


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
            found = sources.SOURCES.create(data={"name": name[:200], "kind": SourceKind.OTHER}, user=self.user)
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
