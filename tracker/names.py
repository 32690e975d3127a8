"""Name normalisation, so that spelling variants of a place or party match.

`Ma'arrat al-Nu'man`, `MAARRAT AL-NUMAN` and `Maarrat al Nu’man` all share one key: case,
diacritics, apostrophes/ayn marks and hyphenation are not what tells two places apart.
"""

import re
import unicodedata

# Apostrophes, ayn/hamza marks and backticks that transliterations scatter through Arabic names.
_MARKS = re.compile(r"[\u0027\u2018\u2019\u02bb\u02bc\u02be\u02bf\u0060\u00b4]")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_./,]+")


def normalize_name(value: str) -> str:
    """Return the matching key of a name: lower case, no diacritics, no marks, single spaces."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _MARKS.sub("", stripped)
    return _SEPARATORS.sub(" ", stripped).strip().casefold()
