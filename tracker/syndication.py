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
"""

import re
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


def words(text: str) -> list[str]:
    """Lower-cased word tokens; punctuation, quotes and line breaks fall away."""
    return _WORD.findall(text.casefold())


def shingles(text: str) -> frozenset[bytes]:
    tokens = words(text)
    return frozenset(" ".join(tokens[i : i + SHINGLE_WORDS]).encode() for i in range(len(tokens) - SHINGLE_WORDS + 1))


def signature(shingle_set: frozenset[bytes]) -> np.ndarray:
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED)
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
