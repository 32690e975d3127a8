"""The shapes of synthetic demo records, for `tracker.demo.seed` to insert in bulk: factory-boy
factories that *build* (never save) the gazetteer, sources and ceasefires, and row functions for
the million-row tables.

Every random choice goes through factory-boy's generator (`factory.random.randgen`), which
`seed` reseeds, so the same seed gives the same data. The factories keep records consistent the
way curators would: an exact point only with `geo_precision=exact`, a window only with an
interval precision, a named perpetrator with an attribution, low figures not above high ones.
"""

from datetime import UTC, datetime, timedelta

import factory

from tracker import choices
from tracker.domain.names import normalize_name, transliteration_key
from tracker.models import Ceasefire, Party, Place, Source

SYLLABLES = [
    "ma",
    "ar",
    "rat",
    "num",
    "an",
    "sar",
    "aq",
    "ib",
    "kaf",
    "nabl",
    "tal",
    "deir",
    "khan",
    "ain",
    "ras",
    "jis",
    "ha",
    "sun",
]
WORDS = [
    "strike", "shelling", "village", "market", "road", "outskirts", "convoy", "position", "front", "school",
    "hospital", "camp", "bridge", "fields", "reported", "killed", "wounded", "civilians", "fighters", "overnight",
]  # fmt: skip

# Kinds as the field's datasets see them: shelling and airstrikes dominate.
KIND_WEIGHTS = {
    choices.IncidentKind.ARTILLERY_SHELLING: 34,
    choices.IncidentKind.AIRSTRIKE: 24,
    choices.IncidentKind.ARMED_CLASH: 12,
    choices.IncidentKind.ROCKET_ATTACK: 9,
    choices.IncidentKind.DRONE_STRIKE: 8,
    choices.IncidentKind.BARREL_BOMB: 4,
    choices.IncidentKind.GROUND_ASSAULT: 4,
    choices.IncidentKind.MISSILE_STRIKE: 3,
    choices.IncidentKind.OTHER: 2,
}
STATUS_WEIGHTS = {"verified": 80, "disputed": 5, "in_review": 10, "draft": 5}
PRECISIONS = ["minute", "hour", "hour", "day", "day", "day", "day", "week", "interval"]
GEO_PRECISIONS = ["exact", "near", "town", "town", "town", "district", "region"]

EPOCH = datetime(2019, 1, 1, tzinfo=UTC)
SPAN_DAYS = 6 * 365  # 2019 to 2024


def rng():
    return factory.random.randgen


def place_name() -> str:
    return "".join(rng().choice(SYLLABLES) for _ in range(rng().randint(2, 3))).capitalize()


def sentence(low: int, high: int) -> str:
    return " ".join(rng().choices(WORDS, k=rng().randint(low, high))).capitalize()


def weighted(weights: dict) -> str:
    return rng().choices(list(weights), weights=list(weights.values()))[0]


def square(lon: float, lat: float, half: float) -> dict:
    """A GeoJSON polygon (lon, lat) of side 2 × `half` degrees around a point."""
    ring = [[lon - half, lat - half], [lon + half, lat - half], [lon + half, lat + half], [lon - half, lat + half]]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


class NamedFactory(factory.django.DjangoModelFactory):
    """Builds with the matching keys `save()` would set (bulk inserts skip `save()`)."""

    class Meta:
        abstract = True

    @factory.post_generation
    def keys(self, create, extracted, **kwargs):
        self.name_key = normalize_name(self.name)
        self.name_skeleton = transliteration_key(self.name)


class PlaceShape(NamedFactory):
    class Meta:
        model = Place

    name = factory.LazyFunction(place_name)
    kind = choices.PlaceKind.TOWN
    country_code = "SY"
    latitude = factory.LazyFunction(lambda: round(rng().uniform(32.5, 37.0), 4))
    longitude = factory.LazyFunction(lambda: round(rng().uniform(35.8, 42.0), 4))


class PartyShape(NamedFactory):
    class Meta:
        model = Party

    name = factory.LazyFunction(lambda: f"{place_name()} Brigade")
    kind = choices.PartyKind.ARMED_GROUP


class SourceShape(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.LazyFunction(lambda: f"{place_name()} News")
    kind = factory.LazyFunction(
        lambda: rng().choice(["wire_agency", "newspaper", "broadcaster", "online_media", "monitoring_group", "ngo", "activist"])
    )
    reliability = factory.LazyFunction(lambda: rng().choice("ABBCCCDF"))


class CeasefireShape(factory.django.DjangoModelFactory):
    class Meta:
        model = Ceasefire

    name = factory.LazyFunction(lambda: f"{place_name()} ceasefire")
    starts_at = factory.LazyFunction(lambda: EPOCH + timedelta(days=rng().randrange(SPAN_DAYS - 120), hours=rng().randrange(24)))
    ends_at = factory.LazyAttribute(lambda c: c.starts_at + timedelta(days=rng().choice([14, 30, 90, 180])))
    ceasefire_type = factory.LazyFunction(lambda: rng().choice(["bilateral", "multilateral", "unilateral"]))
    purpose = factory.LazyFunction(lambda: rng().choice(["de_escalation", "humanitarian", "cessation_of_hostilities"]))
    timezone = "Asia/Damascus"


# Incidents, their reports and citations are a million rows: factory-boy's build costs ~0.3 ms
# an object, so these shapes are plain functions returning column values, with the same rules.


def incident_row(pk: int, town: Place, perpetrators: list[Party]) -> dict:
    """An incident at `town`, by one of `perpetrators` (or, one time in five, no one named)."""
    r = rng()
    kind = weighted(KIND_WEIGHTS)
    occurred_at = EPOCH + timedelta(minutes=r.randrange(SPAN_DAYS * 24 * 60))
    precision, geo = r.choice(PRECISIONS), r.choice(GEO_PRECISIONS)
    exact = geo == "exact"
    perpetrator = r.choice(perpetrators) if r.random() < 0.8 else None
    killed = r.choice([0, 0, 0, 1, 1, 2, 3, 5, 8, 13])
    return {
        "id": pk,
        "title": f"{choices.IncidentKind(kind).label} on {town.name}",
        "kind": kind,
        "description": sentence(6, 14) + ".",
        "occurred_at": occurred_at,
        "occurred_until": occurred_at + timedelta(hours=r.randint(2, 30)) if precision == "interval" else None,
        "time_precision": precision,
        "place_id": town.pk,
        "geo_precision": geo,
        "latitude": round(town.latitude + r.uniform(-0.02, 0.02), 5) if exact else None,
        "longitude": round(town.longitude + r.uniform(-0.02, 0.02), 5) if exact else None,
        "perpetrator_id": perpetrator.pk if perpetrator else None,
        "attribution": r.choice(["alleged", "alleged", "claimed"]) if perpetrator else "unknown",
        "killed_low": killed,
        "killed_high": killed + r.choice([0, 0, 1, 3]) if r.random() < 0.3 else None,
        "civilians_killed_low": r.randint(0, killed) if killed else None,
        "injured_low": r.choice([None, 0, 1, 2, 4, 10]),
        "status": weighted(STATUS_WEIGHTS),
        "confidence": r.choice(["unassessed", "unassessed", "weak", "fair"]),
    }


def report_row(pk: int, incident: dict, source: Source) -> dict:
    """A report by `source`, published after the incident it is first about."""
    return {
        "id": pk,
        "source_id": source.pk,
        "title": f"{incident['title']}: {sentence(3, 6).lower()}",
        "url": f"https://demo.invalid/reports/{pk}",
        "published_at": incident["occurred_at"] + timedelta(hours=rng().randint(1, 72)),
        "language": "en",
    }


def citation_row(pk: int, incident_id: int, report_id: int) -> dict:
    return {
        "id": pk,
        "incident_id": incident_id,
        "report_id": report_id,
        "stance": "denies" if rng().random() < 0.03 else "reports",
    }
