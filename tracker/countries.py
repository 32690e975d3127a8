"""Countries: ISO 3166-1 alpha-2 codes (the 249 officially assigned) for validating country
fields and filters; country names and codes as the datasets we import write them; and each
country's local time zone (from the tz database shipped by tzdata)."""

import importlib.resources
import math
import re
from functools import cache

import pycountry

_CODES = (
    "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE "
    "BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD "
    "CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM "
    "DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF "
    "GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU "
    "ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN "
    "KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME "
    "MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA "
    "NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM "
    "PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI "
    "SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK "
    "TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI "
    "VN VU WF WS YE YT ZA ZM ZW "
)

ISO_3166_ALPHA2 = frozenset(_CODES.split())


# Names ACLED and UCDP use that ISO 3166's own names and common names do not match. UCDP adds
# former names in brackets ("Russia (Soviet Union)"), which are dropped before the lookup.
DATASET_NAMES = {
    "turkey": "TR",
    "russia": "RU",
    "democratic republic of congo": "CD",
    "dr congo": "CD",
    "republic of congo": "CG",
    "congo": "CG",
    "ivory coast": "CI",
    "palestine": "PS",
    "bosnia-herzegovina": "BA",
    "macedonia": "MK",
    "swaziland": "SZ",
    "kingdom of eswatini": "SZ",
    "east timor": "TL",
    "cape verde": "CV",
    "micronesia": "FM",
    "vatican city": "VA",
    "united states": "US",
    "united kingdom": "GB",
    "syria": "SY",
    "iran": "IR",
    "south korea": "KR",
    "north korea": "KP",
    "laos": "LA",
    "moldova": "MD",
    "tanzania": "TZ",
    "venezuela": "VE",
    "bolivia": "BO",
}


def country_code(name: str = "", *, numeric: str = "", alpha3: str = "") -> str:
    """ISO 3166-1 alpha-2 code of a country given by numeric code, alpha-3 code or name, as
    the datasets write them; "" when none is known (Kosovo has no ISO code)."""
    if numeric.strip().isdigit() and int(numeric) > 0:
        found = pycountry.countries.get(numeric=f"{int(numeric):03d}")
        if found:
            return found.alpha_2
    if alpha3.strip():
        found = pycountry.countries.get(alpha_3=alpha3.strip().upper())
        if found:
            return found.alpha_2
    plain = re.sub(r"\s*\(.*?\)\s*", " ", name).strip()
    if not plain:
        return ""
    if plain.casefold() in DATASET_NAMES:
        return DATASET_NAMES[plain.casefold()]
    try:
        return pycountry.countries.lookup(plain).alpha_2
    except LookupError:
        return ""


def country_name(code: str) -> str:
    """The common name of the country with this alpha-2 code ("Syria", not "Syrian Arab
    Republic"); the code itself when pycountry does not know it."""
    found = pycountry.countries.get(alpha_2=code.upper())
    if found is None:
        return code
    return getattr(found, "common_name", None) or found.name


def _degrees(text: str) -> float:
    """±DDMM[SS] or ±DDDMM[SS] (zone.tab's notation) in degrees."""
    sign = -1 if text[0] == "-" else 1
    digits = text[1:]
    width = 2 if len(digits) in (4, 6) else 3
    parts = [digits[:width], digits[width : width + 2], digits[width + 2 :] or "0"]
    return sign * (int(parts[0]) + int(parts[1]) / 60 + int(parts[2]) / 3600)


@cache
def _zones() -> dict[str, list[tuple[float, float, str]]]:
    """Country code → [(lat, lon, IANA zone)], from the tz database's zone.tab (tzdata)."""
    text = importlib.resources.files("tzdata").joinpath("zoneinfo/zone.tab").read_text(encoding="utf-8")
    zones: dict[str, list[tuple[float, float, str]]] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        code, coordinates, zone = line.split("\t")[:3]
        split = max(coordinates.rfind("+"), coordinates.rfind("-"))
        zones.setdefault(code, []).append((_degrees(coordinates[:split]), _degrees(coordinates[split:]), zone))
    return zones


def country_timezone(code: str, latitude: float | None = None, longitude: float | None = None) -> str:
    """The IANA zone of local time in a country: its only zone, or the zone whose reference
    city is nearest the point for countries with several (Russia); "" when unknown."""
    zones = _zones().get(code.upper(), [])
    if not zones:
        return ""
    if len(zones) == 1 or latitude is None or longitude is None:
        return zones[0][2]

    def distance(zone) -> float:
        dlat, dlon = zone[0] - latitude, (zone[1] - longitude) * math.cos(math.radians(latitude))
        return dlat * dlat + dlon * dlon

    return min(zones, key=distance)[2]
