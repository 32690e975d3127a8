"""Name normalisation, so that spelling variants of a place or party match.

`Ma'arrat al-Nu'man`, `MAARRAT AL-NUMAN` and `Maarrat al Nu’man` all share one key: case,
diacritics, apostrophes/ayn marks and hyphenation are not what tells two places apart.
"""

import re
import unicodedata
from functools import lru_cache

# Apostrophes, ayn/hamza marks and backticks that transliterations scatter through Arabic names.
_MARKS = re.compile(r"[\u0027\u2018\u2019\u02bb\u02bc\u02be\u02bf\u0060\u00b4]")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015_./,]+")


# Names repeat (a file's places and actors, row after row): both keys are pure, so remembered.
@lru_cache(maxsize=1 << 16)
def normalize_name(value: str) -> str:
    """Return the matching key of a name: lower case, no diacritics, no marks, single spaces."""
    decomposed = unicodedata.normalize("NFKD", value)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    stripped = _MARKS.sub("", stripped)
    return _SEPARATORS.sub(" ", stripped).strip().casefold()


# The Arabic article as transliterations write it, assimilated or not ("al-Numan", "an-Numan",
# "ash-Shughur", "el Bab", "ez-Zor"): dropped, since sources add, omit and assimilate it freely.
ARTICLES = frozenset(
    ["al", "el", "il", "ul", "an", "en", "ar", "er", "as", "es", "ash", "esh", "ad", "ed", "adh", "at", "et", "ath", "az", "ez"]
)
# Spellings of one sound: diphthongs written as vowels (Dayr/Deir, Zawr/Zor), and letters that
# transliterations render two ways (Saraqib/Sarakeb, Shughur/Shugur, Khan/Han is left alone).
_DIPHTHONGS = [(re.compile(r"a[wu](?=[^aeiouy]|$)"), "o"), (re.compile(r"[ae][yi](?=[^aeiouy]|$)"), "e")]
_LETTERS = str.maketrans({"q": "k", "c": "k"})
_DIGRAPHS = [("gh", "g"), ("ph", "f"), ("dh", "d"), ("th", "t")]
_VOWELS = re.compile(r"[aeiouy]")
# Ta marbuta: Nabudah, Nabuda and Naboudeh end alike.
_FINAL_H = re.compile(r"(?<=[aeiouy])h$")
# The article written onto a later word: "Maaret Alnuman".
_ATTACHED_ARTICLE = re.compile(r"^[ae]l(?=[a-z]{4})")
_DOUBLES = re.compile(r"(.)\1+")


def _word_skeleton(word: str) -> str:
    word = _FINAL_H.sub("", word)
    for pattern, replacement in _DIPHTHONGS:
        word = pattern.sub(replacement, word)
    word = word.translate(_LETTERS)
    for digraph, letter in _DIGRAPHS:
        word = word.replace(digraph, letter)
    word = _DOUBLES.sub(r"\1", word)
    # The first letter stays (as "a" if it is a vowel: Idlib, Edlib); later vowels go.
    head, rest = word[:1], word[1:]
    if head in "aeiou":
        head = "a"
    return _DOUBLES.sub(r"\1", head + _VOWELS.sub("", rest))


@lru_cache(maxsize=1 << 16)
def transliteration_key(value: str) -> str:
    """The key under which transliterations of one Arabic name meet: `normalize_name`, then the
    article dropped, each word reduced to its first letter and its consonants (vowels are what
    transliterations disagree on: Maaret/Maarat/Ma'arrat), doubled letters single, and the words
    joined (Kafr Nabl / Kafranbel). Maaret al-Numan, Ma'arrat an-Nu'man and MAARET AL NUMAN are
    all "mrtnmn"; Maarat Misrin is "mrtmsrn".
    """
    words = normalize_name(value).split()
    words = words[:1] + [_ATTACHED_ARTICLE.sub("", w) for w in words[1:]]
    kept = [w for w in words if w not in ARTICLES] or words
    return "".join(_word_skeleton(w) for w in kept)
