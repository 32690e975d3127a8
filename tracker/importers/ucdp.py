"""UCDP Georeferenced Event Dataset (GED) files, read by header name (releases differ in which
columns they carry).

`date_start`..`date_end` is the event's window (a single day, or an explicit interval);
`where_prec` says which of the named places the event is placed at; `best`/`low`/`high` are
the fatality range (best kept in the description); `deaths_civilians` the civilian deaths;
`side_a`/`side_b` the parties: side A is the *alleged* perpetrator and side B the target party
(one-sided violence's side B, civilians, stays in the target description); state-based and
non-state conflict are fights between the two sides, so their initiator is unknown. UCDP records
no weapon: the kind is inferred from the headlines' and articles' words, else `other`, and the
summary says which.
"""

import re

from tracker.choices import Attribution, GeoPrecision, IncidentKind, Initiator, PartyKind, PlaceKind, TimePrecision
from tracker.countries import country_code
from tracker.importers.events import FIGURES_REORDERED, PLACED_COARSER, ClaimSpec, Event, PartySpec, PlaceSpec
from tracker.importers.reading import Row, RowError, labelled, parse_coordinate, parse_date, parse_int, split_list

NAME = "ucdp"
# Columns a file must have; a row must fill all but country (see parse).
REQUIRED = ("id", "date_start", "type_of_violence", "country", "side_a")
# side_a may be empty: GED always names it, but a file exported with no perpetrator known (the
# tracker's own `format=ged`) must import with none, not be refused.
ROW_REQUIRED = ("id", "date_start", "type_of_violence")
VIOLENCE_TYPES = {"1": "state-based conflict", "2": "non-state conflict", "3": "one-sided violence"}

# where_prec 1..7: exact place; within 25 km of it; second-order division; first-order
# division; between places or along a line; only the country; international waters or
# airspace. The deepest level each may be placed at, and its precision there.
WHERE = {
    "1": ("location", GeoPrecision.TOWN),
    "2": ("location", GeoPrecision.WITHIN_25KM),  # the codebook's own radius, not "near" (5 km)
    "3": ("adm_2", GeoPrecision.DISTRICT),
    "4": ("adm_1", GeoPrecision.REGION),
    # A line between places is no place: its event goes in the divisions it lies in.
    "5": ("adm_2", GeoPrecision.DISTRICT),
    "6": ("country", GeoPrecision.REGION),
    "7": ("country", GeoPrecision.REGION),
}
# The precision of an event placed at a level shallower than its where_prec says.
LEVEL_PRECISION = {"adm_2": GeoPrecision.DISTRICT, "adm_1": GeoPrecision.REGION, "country": GeoPrecision.REGION}
LEVELS = ("adm_1", "adm_2", "location")

# Words of headlines and articles that tell the weapon, most specific first.
KIND_WORDS = (
    (IncidentKind.BARREL_BOMB, ("barrel bomb",)),
    (IncidentKind.DRONE_STRIKE, ("drone",)),
    (IncidentKind.AIRSTRIKE, ("airstrike", "air strike", "air raid", "airraid", "warplane", "jets", "bombing raid", "aerial")),
    (IncidentKind.MISSILE_STRIKE, ("missile",)),
    (IncidentKind.ROCKET_ATTACK, ("rocket",)),
    (IncidentKind.ARTILLERY_SHELLING, ("shelling", "shelled", "artillery", "mortar")),
    (IncidentKind.ARMED_CLASH, ("clash", "fighting", "battle", "firefight", "gunfight")),
    (IncidentKind.GROUND_ASSAULT, ("offensive", "assault", "stormed", "advance")),
)

_SUFFIX = re.compile(
    r"\s+(governorate|province|region|state|district|sub-district|subdistrict|town|village|city|area|nahiya|mantiqah)\s*$",
    re.IGNORECASE,
)


def _plain(name: str) -> str:
    """'Idlib governorate' → 'Idlib': UCDP appends the division's kind to its names."""
    return _SUFFIX.sub("", name).strip()


def _place(row: Row, where_prec: str) -> tuple[PlaceSpec, str, list[str]]:
    """The event's place: the named levels down to the one where_prec gives, or — when the row
    names none there (GED's "Operation Peace Spring", "Northern Iraq") — down to the deepest it
    does name, the country at worst, flagged for a curator when that is coarser than stated.
    The location's own name is GED's where_coordinates (older files: where_description)."""
    deepest, precision = WHERE[where_prec]
    location = row.get("where_coordinates") or row.get("where_description").split(",")[0]
    names = {
        "adm_1": (_plain(row.get("adm_1")), PlaceKind.GOVERNORATE),
        "adm_2": (_plain(row.get("adm_2")), PlaceKind.DISTRICT),
        "location": (_plain(location), PlaceKind.TOWN),
    }
    wanted = LEVELS[: LEVELS.index(deepest) + 1] if deepest in LEVELS else ()
    levels = tuple(names[level] for level in wanted if names[level][0])
    placed_at = next((level for level in reversed(wanted) if names[level][0]), "country")
    flags = []
    if placed_at != deepest:
        precision = LEVEL_PRECISION[placed_at]
        # A line between places (5) in its division is as precise as it gets; anything else is coarser.
        if not (where_prec == "5" and placed_at != "country"):
            flags.append(PLACED_COARSER)
    latitude = parse_coordinate(row.get("latitude"), "latitude", 90)
    longitude = parse_coordinate(row.get("longitude"), "longitude", 180)
    return PlaceSpec(row.get("country"), country_code(row.get("country")), levels, latitude, longitude), precision, flags


def infer_kind(text: str) -> IncidentKind | None:
    text = text.casefold()
    for kind, words in KIND_WORDS:
        if any(word in text for word in words):
            return kind
    return None


def _claims(row: Row) -> list[ClaimSpec]:
    """One claim per `source_article` item ("Office,2020-01-15,Headline;..."); office, date and
    headline come from the matching items of source_office/source_date/source_headline when
    those list as many."""
    articles = split_list(row.get("source_article"))
    offices, dates, headlines = (split_list(row.get(c)) for c in ("source_office", "source_date", "source_headline"))
    claims = []
    for i, article in enumerate(articles):
        parts = [p.strip() for p in article.split(",", 2)]
        office = offices[i] if len(offices) == len(articles) else (offices[0] if len(offices) == 1 else parts[0])
        headline = headlines[i] if len(headlines) == len(articles) else (parts[2] if len(parts) == 3 else article)
        raw_date = dates[i] if len(dates) == len(articles) else (parts[1] if len(parts) >= 2 else "")
        try:
            published = parse_date(raw_date, "source_date") if raw_date else None
        except RowError:
            if len(dates) == len(articles):
                raise
            published = None  # the article text's second part was not a date
        claims.append(ClaimSpec(office[:200], (headline or article)[:500], published))
    return claims


def _party(name: str) -> PartySpec:
    return PartySpec(name, PartyKind.GOVERNMENT if name.casefold().startswith("government of") else PartyKind.ARMED_GROUP)


def parse(row: Row) -> Event:
    row = row.restored()  # the tracker's own ?format=ged export, read back as written
    for column in ROW_REQUIRED:
        row.require(column)
    if not any(row.get(c) for c in ("country", "adm_1", "adm_2", "where_coordinates", "where_description")):
        raise RowError("country", "The row names no country and no location.")
    violence = row.get("type_of_violence")
    if violence not in VIOLENCE_TYPES:
        raise RowError("type_of_violence", f"'{violence}' is not 1, 2 or 3.")
    first = parse_date(row.get("date_start"), "date_start")
    last = parse_date(row.get("date_end"), "date_end") if row.get("date_end") else first
    if last < first:
        raise RowError("date_end", f"{last} is before date_start {first}.")
    where_prec = row.get("where_prec") or "1"
    if where_prec not in WHERE:
        raise RowError("where_prec", f"'{where_prec}' is not 1..7.")
    place, geo_precision, flags = _place(row, where_prec)
    latitude, longitude = place.latitude, place.longitude
    levels = place.levels

    low, best, high = (parse_int(row.get(c), c) for c in ("low", "best", "high"))
    published = [n for n in (low, best, high) if n is not None]
    if published != sorted(published):
        # GED releases hold rows such as low 18, best 18, high 17: the event is real, so it is
        # imported with the range in order, the published figures kept, and a flag for a curator.
        flags.append(FIGURES_REORDERED)
        low, high = min(published), max(published)
    civilians = parse_int(row.get("deaths_civilians"), "deaths_civilians")
    claims = _claims(row)
    side_a, side_b = row.get("side_a"), row.get("side_b")
    one_sided = violence == "3"
    words = " ".join([row.get("source_headline"), row.get("source_article")])
    kind = infer_kind(words)
    notes = [] if kind else ["no weapon named in its headlines or articles: kind 'other'"]
    details = [
        f"UCDP GED {row.get('id')}: {VIOLENCE_TYPES[violence]}",
        *labelled(
            row,
            (
                ("conflict_name", "Conflict"),
                ("dyad_name", "Dyad"),
                ("where_coordinates", "Where (as UCDP names it)"),
                ("where_description", "Where"),
                ("where_prec", "Place precision (where_prec)"),
                ("low", "Low estimate of deaths as published"),
                ("best", "Best estimate of deaths"),
                ("high", "High estimate of deaths as published"),
                ("event_clarity", "Event clarity"),
                ("date_prec", "Date precision"),
            ),
        ),
        f"Kind: {'inferred from the sources’ words' if kind else 'not named by the sources'}",
    ]
    event_name = levels[-1][0] if levels else row.get("country")
    fields = {
        "title": f"{(kind or IncidentKind.OTHER).label} – {event_name}"[:300],
        "kind": kind or IncidentKind.OTHER,
        "description": "\n".join(details),
        "geo_precision": geo_precision,
        "latitude": latitude,
        "longitude": longitude,
        "attribution": Attribution.ALLEGED if side_a else Attribution.UNKNOWN,
        "initiator": Initiator.PERPETRATOR if one_sided else Initiator.UNKNOWN,
        "target_description": (side_b if one_sided else " vs ".join(s for s in (side_a, side_b) if s))[:500],
        "killed_low": low if low is not None else best,
        "killed_high": high if high is not None else best,
        "civilians_killed_low": civilians,
        "civilians_killed_high": civilians,
    }
    return Event(
        external_source=NAME,
        external_id=row.get("id"),
        first_day=first,
        last_day=last,
        time_precision=TimePrecision.DAY if first == last else TimePrecision.INTERVAL,
        place=place,
        fields=fields,
        perpetrator=_party(side_a) if side_a else None,
        target=_party(side_b) if side_b and not one_sided else None,
        claims=claims,
        notes=notes,
        flags=flags,
    )
