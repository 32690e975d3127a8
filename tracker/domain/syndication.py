"""Near-copy detection for report texts: word shingles, MinHash signatures and LSH band keys.

A wire story run by several outlets shares most of its word sequences with each copy, though
each outlet adds a headline, captions or paragraphs, or cuts the ending. So texts are compared
as sets of 5-word shingles, and similarity is the **overlap coefficient** |A ∩ B| / min(|A|, |B|):
a copy that adds three paragraphs to the wire text still scores near 1 against it.

Finding candidates must not compare all pairs: each text's MinHash signature (256 permutations,
datasketch) is cut into 128 bands of 2 rows; two texts become candidates when any band is equal.
The band keys live in the database (`ReportBand`), so a new report finds its candidates with
one indexed query whatever the number of reports. Real wire copies are heavily edited: the
founding articles' copies of one Reuters story share 38–54 % of the shorter text's shingles,
a Jaccard similarity of only 0.12–0.2 (each outlet adds much of its own). Bands of 2 rows make
such pairs candidates with probability 0.85–0.99 (Jaccard 0.12–0.2), while unrelated texts on the
same topic (Jaccard ≤ 0.01) rarely are (≤ 0.013); candidates are then scored exactly, and a
copy missed against the original is still found through any other member of its cluster.

Wire agencies also re-use their own background paragraphs, lightly reworded, in the next day's
story: the Moscow Times ran a later Reuters story that shares only 2–3 % of its shingles with the
earlier one but carries two of its sentences nearly word for word. So each text also keeps its
**sentences** as sets of content words (stop words dropped); two sentences are the same passage
when most of the shorter one's content words, and some of its two-word phrases, recur in the
other. Texts sharing at least `TRACKER_SYNDICATION_MIN_SHARED_SENTENCES` such sentences are
linked too. The phrases of the 24 longest sentences are keys of their own, so these pairs are
candidates without comparing all pairs either (a shared passage shares at least three
phrases; phrases common to many stories are dropped at search time). Independent stories on the same
event share vocabulary ("Turkey", "Russia", "ceasefire", "Idlib") but not phrasing.
"""

import re
from dataclasses import dataclass
from functools import cache, cached_property
from hashlib import blake2b

import numpy as np
from datasketch import MinHash

SHINGLE_WORDS = 5
NUM_PERM = 256
BANDS, ROWS = 128, 2
SEED = 20200112
# Fewer shingles than this (a one-line statement) are not compared: too little text to tell.
MIN_SHINGLES = 20

_WORD = re.compile(r"\w+", re.UNICODE)

# Sentences: content words they must have to be compared, the share of the shorter one's
# content words (and of its content-word pairs) that must recur in the other.
SENTENCE_MIN_WORDS = 8
SENTENCE_WORD_SHARE = 0.7
SENTENCE_PHRASE_SHARE = 0.3
SENTENCE_BANDS, SENTENCE_ROWS = 6, 4
# Only the longest sentences get keys (background paragraphs are long; captions and headlines
# short): the index stays a few hundred keys per report.
KEYED_SENTENCES = 24
# A sentence ends at . ! ? (or a closing quote after one) before a space, or at a line break.
_SENTENCE_END = re.compile(r"(?<=[.!?\"”’])\s+|\n")
# Function words of English news prose: they carry no content, so reworded copies keep the rest.
STOP_WORDS = frozenset(
    [
        "a",
        "about",
        "after",
        "also",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "before",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "down",
        "for",
        "from",
        "had",
        "has",
        "have",
        "he",
        "her",
        "here",
        "his",
        "in",
        "into",
        "is",
        "it",
        "its",
        "may",
        "might",
        "more",
        "most",
        "not",
        "of",
        "on",
        "or",
        "out",
        "over",
        "said",
        "say",
        "says",
        "she",
        "since",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "to",
        "up",
        "was",
        "were",
        "which",
        "who",
        "whom",
        "will",
        "with",
        "would",
    ]
)


def words(text: str) -> list[str]:
    """Lower-cased word tokens; punctuation, quotes and line breaks fall away."""
    return _WORD.findall(text.casefold())


def shingles(text: str) -> frozenset[bytes]:
    tokens = words(text)
    return frozenset(" ".join(tokens[i : i + SHINGLE_WORDS]).encode() for i in range(len(tokens) - SHINGLE_WORDS + 1))


def signature(shingle_set: frozenset[bytes]) -> np.ndarray:
    minhash = _minhash(NUM_PERM, SEED)
    minhash.update_batch(list(shingle_set))
    return minhash.hashvalues


def band_keys(sig: np.ndarray) -> list[int]:
    """One 63-bit key per band: the band number in the top bits (7 bits), a hash of its rows
    below (56 bits)."""
    keys = []
    for band in range(BANDS):
        rows = sig[band * ROWS : (band + 1) * ROWS].astype("<u4").tobytes()
        digest = int.from_bytes(blake2b(rows, digest_size=7).digest(), "big")
        keys.append((band << 56) | digest)
    return keys


def overlap(a: frozenset, b: frozenset) -> float:
    """|A ∩ B| / min(|A|, |B|): 1.0 when one text contains the other."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def content_words(text: str) -> list[str]:
    """Words that carry content: no stop words, no bare numbers (dates and figures get edited)."""
    return [w for w in words(text) if w not in STOP_WORDS and not w.isdigit()]


@dataclass(frozen=True)
class Sentence:
    words: frozenset[str]
    phrases: frozenset[str]


def sentences(text: str) -> tuple[Sentence, ...]:
    """The text's sentences long enough to compare, as sets of content words and word pairs."""
    found = []
    for part in _SENTENCE_END.split(text):
        tokens = content_words(part)
        unique = frozenset(tokens)
        if len(unique) >= SENTENCE_MIN_WORDS:
            found.append(Sentence(unique, frozenset(f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False))))
    return tuple(found)


def same_passage(a: Sentence, b: Sentence) -> bool:
    """Most of the shorter sentence's content words, and some of its phrasing, recur in the other."""
    words_share = len(a.words & b.words) / min(len(a.words), len(b.words))
    if words_share < SENTENCE_WORD_SHARE:
        return False
    phrases_share = len(a.phrases & b.phrases) / max(1, min(len(a.phrases), len(b.phrases)))
    return phrases_share >= SENTENCE_PHRASE_SHARE


def shared_sentences(a: tuple[Sentence, ...], b: tuple[Sentence, ...], common: frozenset[str] | None = None) -> int:
    """How many sentences the two texts share (counted on the text with fewer matched).

    Only sentence pairs with a phrase in common can be the same passage, so pairs are found
    through an index of b's phrases (those in `common`, the phrases both texts have, if given)
    rather than by comparing every pair."""
    if not a or not b:
        return 0
    by_phrase: dict[str, list[int]] = {}
    for j, y in enumerate(b):
        for phrase in y.phrases if common is None else y.phrases & common:
            by_phrase.setdefault(phrase, []).append(j)
    matched_a, matched_b = set(), set()
    for i, x in enumerate(a):
        for j in {j for phrase in x.phrases for j in by_phrase.get(phrase, ())}:
            if same_passage(x, b[j]):
                matched_a.add(i)
                matched_b.add(j)
    return min(len(matched_a), len(matched_b))


@cache
def _permutations(num_perm: int, seed: int):
    """Generating a MinHash's permutations costs more than hashing a text: do it once."""
    return MinHash(num_perm=num_perm, seed=seed).permutations


def _minhash(num_perm: int, seed: int) -> MinHash:
    return MinHash(num_perm=num_perm, seed=seed, permutations=_permutations(num_perm, seed), scheme="affine32")


def sentence_keys(found: tuple[Sentence, ...]) -> set[int]:
    """Keys of the phrases (content-word pairs) of the text's longest sentences.

    A re-used passage is recognised by its phrases (`same_passage`), and two texts are compared
    sentence by sentence only when they share MIN_COMMON_PHRASES of them: keying the phrases
    themselves finds every such pair. (MinHash keys over each sentence's words did not: they
    estimate Jaccard similarity, and a background sentence shortened in one story — eight of
    its nineteen content words — scores 0.42 and almost never shares a band.) Phrases common to
    many stories are dropped at search time as popular keys."""
    keys = set()
    longest = sorted(found, key=lambda sentence: len(sentence.words), reverse=True)[:KEYED_SENTENCES]
    for sentence in longest:
        for phrase in sentence.phrases:
            keys.add(int.from_bytes(blake2b(phrase.encode(), digest_size=7, person=b"phrase").digest(), "big"))
    return keys


@dataclass(frozen=True)
class Fingerprint:
    """What a text is compared by: its shingles and its comparable sentences."""

    shingles: frozenset[bytes]
    sentences: tuple[Sentence, ...]
    phrases: frozenset[str] = frozenset()  # every sentence's phrases, for a quick first check

    @property
    def comparable(self) -> bool:
        return len(self.shingles) >= MIN_SHINGLES or bool(self.sentences)

    # Keys are computed once per fingerprint (a bulk run asks for them when indexing and again
    # when searching); cached_property writes past the frozen dataclass's __setattr__.
    @cached_property
    def _text_keys(self) -> tuple[int, ...]:
        return tuple(band_keys(signature(self.shingles))) if len(self.shingles) >= MIN_SHINGLES else ()

    @cached_property
    def _sentence_keys(self) -> tuple[int, ...]:
        return tuple(sorted(sentence_keys(self.sentences)))

    def text_keys(self) -> list[int]:
        """The whole text's LSH band keys (none for a text too short to compare)."""
        return list(self._text_keys)

    def sentence_keys(self) -> list[int]:
        return list(self._sentence_keys)

    def lsh_keys(self) -> list[int]:
        """All LSH keys: the text's bands (if long enough) and its sentences'."""
        return sorted({*self.text_keys(), *self.sentence_keys()})


def fingerprint(text: str) -> Fingerprint:
    found = sentences(text)
    return Fingerprint(shingles(text), found, frozenset().union(*(s.phrases for s in found)))


# One passage in common needs at least this many phrases in common (30 % of a sentence's seven
# or more phrases): texts sharing fewer are not compared sentence by sentence.
MIN_COMMON_PHRASES = 3


@dataclass(frozen=True)
class Similarity:
    """How two texts compare: shingle overlap and sentences they share."""

    score: float
    shared_sentences: int

    def is_copy(self, threshold: float, min_shared_sentences: int) -> bool:
        return self.score >= threshold or self.shared_sentences >= min_shared_sentences


def compare(a: Fingerprint, b: Fingerprint) -> Similarity:
    score = overlap(a.shingles, b.shingles) if min(len(a.shingles), len(b.shingles)) >= MIN_SHINGLES else 0.0
    common = a.phrases & b.phrases
    shared = shared_sentences(a.sentences, b.sentences, common) if len(common) >= MIN_COMMON_PHRASES else 0
    return Similarity(round(score, 4), shared)


# --- Bylines: who a story is by ----------------------------------------------------------------

_TAG = re.compile(r"<[^>]+>")
_BY = re.compile(r"^by\s+(?P<names>.+)$", re.IGNORECASE)
# A dateline naming the agency: "BEIRUT (Reuters) -", "ANKARA, Jan 10 (AFP) —".
_DATELINE = re.compile(r"^[A-Z][A-Za-z .,'’-]{1,60}\((?P<names>[^()]{2,40})\)\s*[-–—]")
_SEPARATORS = re.compile(r"\s*(?:/|,|;|\band\b|&)\s*", re.IGNORECASE)
BYLINE_LINES = 12  # bylines and credit lines stand near the top (or at the end) of a story
CREDIT_MAX_WORDS = 8


def byline_names(text: str) -> list[str]:
    """Names a story's byline or dateline gives ("By Reuters", markup stripped; "BEIRUT
    (Reuters) -"), then those of short credit lines ("Duvar English / Reuters"), which also
    credit photos and so come last. A caption ending "(AP)" is not a byline."""
    lines = [_TAG.sub("", line).strip() for line in text.splitlines()]
    lines = [line for line in lines if line and "://" not in line]
    strong: list[str] = []
    weak: list[str] = []
    for line in [*lines[:BYLINE_LINES], *lines[-3:]]:
        found = _BY.match(line) or _DATELINE.match(line)
        if found and len(found["names"].split()) <= CREDIT_MAX_WORDS:
            strong += _names(found["names"])
        elif "/" in line and len(line.split()) <= CREDIT_MAX_WORDS:
            weak += _names(line)
    return list(dict.fromkeys([*strong, *weak]))


def _names(text: str) -> list[str]:
    return [part.strip(" .:-–—()") for part in _SEPARATORS.split(text) if part.strip(" .:-–—()")]
