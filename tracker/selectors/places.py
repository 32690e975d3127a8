"""Finding a place whatever its spelling: the resolver behind `/api/v1/places/resolve/`, the
`place_name` filter and the admin's search (importers use it too).

Candidates come in three grades:

- **exact**: the name's `normalize_name` key equals a place's name or alternate name (score 1);
- **transliteration**: its `transliteration_key` does (Maaret al-Numan / Ma'arrat an-Nu'man),
  scored 0.90–0.99 by how close the two spellings are;
- **similar**: when no key matches, names whose key is close (rapidfuzz's normalised Indel
  similarity on the keys, at least `SIMILAR_CUTOFF`), scored below 0.9 — a suggestion for a
  curator, never a match: Kafr Nabl is not Kafr Nabudah.

Key matches are indexed lookups. Similar names are ranked over every name's key held in memory
(rapidfuzz's C++ scorer over 70,000 keys takes milliseconds); that index is rebuilt when a place
is written (a generation counter in the cache, so every worker sees it) or after a minute.
"""

import time
from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Q
from rapidfuzz import fuzz, process

from tracker.domain.names import normalize_name, transliteration_key
from tracker.models import Place, PlaceName

RESOLVED = 0.9  # scores from here up are key matches
SIMILAR_CUTOFF = 75  # rapidfuzz similarity (0-100) of keys for a "similar" suggestion
MIN_SKELETON = 2  # shorter keys ("b" for Al-Bab) match too much to be trusted alone


@dataclass(frozen=True)
class Candidate:
    place: Place
    score: float
    matched_name: str
    match: str  # exact | transliteration | similar


def keys(name: str) -> tuple[str, str]:
    return normalize_name(name), transliteration_key(name)


def key_match_q(name: str, prefix: str = "") -> Q:
    """Places (through `prefix`) whose name or an alternate name has `name`'s exact or
    transliteration key."""
    key, skeleton = keys(name)
    by_key = Q(**{f"{prefix}name_key": key}) | Q(**{f"{prefix}alternate_names__name_key": key})
    if len(skeleton) < MIN_SKELETON:
        return by_key
    return by_key | Q(**{f"{prefix}name_skeleton": skeleton}) | Q(**{f"{prefix}alternate_names__name_skeleton": skeleton})


GENERATION_KEY = "tracker:gazetteer-generation"
INDEX_TTL = 60.0  # seconds; a worker without a shared cache still catches up


def gazetteer_changed() -> None:
    """Called after every write of a place or alternate name, and again after its commit (a
    rule of tracker.services.derived)."""
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, 1, None)


class _NameIndex:
    """Every live place's names and alternate names as (key, place id, name, country)."""

    def __init__(self):
        self.generation, self.built_at = None, 0.0
        self.skeletons: list[str] = []
        self.rows: list[tuple[int, str, str]] = []

    def current(self) -> "_NameIndex":
        generation = cache.get(GENERATION_KEY, 0)
        if generation != self.generation or time.monotonic() - self.built_at > INDEX_TTL:
            rows = list(Place.objects.values_list("name_skeleton", "pk", "name", "country_code"))
            rows += PlaceName.objects.filter(place__deleted_at__isnull=True).values_list(
                "name_skeleton", "place_id", "name", "place__country_code"
            )
            self.skeletons = [r[0] for r in rows]
            self.rows = [r[1:] for r in rows]
            self.generation, self.built_at = generation, time.monotonic()
        return self


_index = _NameIndex()


def _similar(skeleton: str, key: str, country: str | None, limit: int) -> list[Candidate]:
    index = _index.current()
    scored: dict[int, tuple[float, str]] = {}
    # Ranked by the keys (what a misspelling keeps), ties broken by the spelled names.
    for _, closeness, i in process.extract(
        skeleton, index.skeletons, scorer=fuzz.ratio, score_cutoff=SIMILAR_CUTOFF, limit=max(50, limit * 10)
    ):
        place_id, name, place_country = index.rows[i]
        if country and place_country != country:
            continue
        score = round(0.85 * (0.8 * closeness + 0.2 * fuzz.ratio(key, normalize_name(name))) / 100, 4)
        if score > scored.get(place_id, (0.0, ""))[0]:
            scored[place_id] = (score, name)
    best = sorted(scored.items(), key=lambda item: -item[1][0])[:limit]
    places = Place.objects.in_bulk([pk for pk, _ in best])
    return [Candidate(places[pk], score, name, "similar") for pk, (score, name) in best if pk in places]


def _names(query: Q, country: str | None) -> list[tuple[Place, str, str, str]]:
    """(place, name, key, skeleton) for places and alternate names matching `query` (on the
    name fields), live places only, in one query each."""
    places = Place.objects.filter(query)
    alternates = PlaceName.objects.filter(query, place__deleted_at__isnull=True).select_related("place")
    if country:
        places, alternates = places.filter(country_code=country), alternates.filter(place__country_code=country)
    rows = [(p, p.name, p.name_key, p.name_skeleton) for p in places[:500]]
    rows += [(n.place, n.name, n.name_key, n.name_skeleton) for n in alternates[:500]]
    return rows


def resolve(name: str, *, country: str | None = None, limit: int = 10, similar: bool = True) -> list[Candidate]:
    """Ranked candidates for `name` (best first, one per place)."""
    key, skeleton = keys(name)
    if not key:
        return []
    best: dict[int, Candidate] = {}

    def offer(candidate: Candidate) -> None:
        current = best.get(candidate.place.pk)
        if current is None or candidate.score > current.score:
            best[candidate.place.pk] = candidate

    exact = Q(name_key=key) | (Q(name_skeleton=skeleton) if len(skeleton) >= MIN_SKELETON else Q(pk__in=[]))
    for place, matched, name_key, _ in _names(exact, country):
        if name_key == key:
            offer(Candidate(place, 1.0, matched, "exact"))
        else:
            closeness = fuzz.ratio(key, name_key) / 100
            offer(Candidate(place, round(RESOLVED + 0.09 * closeness, 4), matched, "transliteration"))

    # Similar names only when no key matches: next to a match they are noise.
    if similar and not best and len(skeleton) >= MIN_SKELETON:
        for candidate in _similar(skeleton, key, country, limit):
            offer(candidate)

    ranked = sorted(best.values(), key=lambda c: (-c.score, c.place.name, c.place.pk))
    return ranked[:limit]
