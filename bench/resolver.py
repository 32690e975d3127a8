"""Benchmark of the place-name resolver over a generated gazetteer.

    .venv/bin/python bench/resolver.py [--places 50000] [--queries 1000] [--seed 1]

Uses DATABASE_URL if set (PostgreSQL: point it at a scratch database, it is emptied), else a
scratch SQLite file under bench/results/. Place names are generated the way Arabic toponyms are
built (Kafr/Tell/Deir/Maarat/Khan/Jisr/Ain/Ras + a root, with or without the article), each
with one alternate spelling in two. Queries are other transliterations of existing names (vowels,
doubled letters, article assimilation, apostrophes, case), and typos in a consonant.

Reported, for the same queries: the baseline — the indexed lookup of the exact normalised key
that the `place_name` filter did before — and the resolver (key, transliteration key, then
similar names), with their latencies, the ratio between them, and how often each finds the
right place first.
"""

import random
import statistics
import time

import scratch

ROOT = scratch.ROOT
scratch.setup("resolver")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Q  # noqa: E402

from tracker.domain.names import normalize_name, transliteration_key  # noqa: E402
from tracker.models import Place, PlaceName  # noqa: E402
from tracker.selectors.places import resolve  # noqa: E402

PREFIXES = ["Kafr", "Tell", "Deir", "Maarat", "Khan", "Jisr", "Ain", "Ras", "Tal", "Bab", "Jabal", "Qasr", "Beit", "Umm", ""]
CONSONANTS = "bdfhjklmnqrstwz"
VOWELS = ["a", "i", "u", "aa", "ee", "ou"]
ARTICLES = ["al-", "an-", "ar-", "as-", "ash-", "el-", "ad-"]


def root(rng: random.Random) -> str:
    syllables = rng.randint(2, 3)
    text = "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS[:3]) for _ in range(syllables)) + rng.choice(CONSONANTS)
    return text.capitalize()


def name(rng: random.Random) -> str:
    prefix = rng.choice(PREFIXES)
    article = rng.choice(["", "al-"]) if prefix else ""
    return f"{prefix} {article}{root(rng)}".strip()


def transliterate(value: str, rng: random.Random) -> str:
    """Another spelling of the same name, as another source would write it."""
    out = value
    for _ in range(rng.randint(1, 3)):
        roll = rng.random()
        if roll < 0.25:
            out = out.replace("a", rng.choice(["e", "aa", "a'a"]), 1)
        elif roll < 0.45:
            out = out.replace("i", rng.choice(["ee", "e", "y"]), 1)
        elif roll < 0.6:
            out = out.replace("u", rng.choice(["ou", "o", "oo"]), 1)
        elif roll < 0.75:
            out = out.replace("al-", rng.choice(ARTICLES + ["al ", "Al-", "el "]), 1)
        elif roll < 0.9:
            i = rng.randrange(len(out))
            if out[i].lower() in CONSONANTS:
                out = out[: i + 1] + out[i] + out[i + 1 :]  # a doubled letter
        else:
            out = out.upper()
    return out


def typo(value: str, rng: random.Random) -> str:
    """A consonant of the root changed: not a transliteration, only similar."""
    start = value.rfind(" ") + 1  # the root, not the prefix or the article
    if value[start:].lower().startswith("al-"):
        start += 3
    positions = [i for i, ch in enumerate(value) if ch.lower() in CONSONANTS and i >= start]
    i = rng.choice(positions)
    return value[:i] + rng.choice([c for c in CONSONANTS if c != value[i].lower()]) + value[i + 1 :]


def generate(n: int, rng: random.Random) -> list[str]:
    names, seen = [], set()
    while len(names) < n:
        candidate = name(rng)
        if transliteration_key(candidate) in seen:
            continue  # distinct places, distinct keys (else "the right place" is ambiguous)
        seen.add(transliteration_key(candidate))
        names.append(candidate)
    places = [
        Place(name=v, name_key=normalize_name(v), name_skeleton=transliteration_key(v), kind="town", country_code="SY")
        for v in names
    ]
    Place.objects.bulk_create(places, batch_size=2000)
    ids = dict(Place.objects.values_list("name", "pk"))
    alternates = []
    for v in names[::2]:
        alt = transliterate(v, rng)
        if normalize_name(alt) != normalize_name(v):
            alternates.append(
                PlaceName(place_id=ids[v], name=alt, name_key=normalize_name(alt), name_skeleton=transliteration_key(alt))
            )
    PlaceName.objects.bulk_create(alternates, batch_size=2000)
    return names


def timed(function, queries):
    timings, results = [], []
    for q in queries:
        t0 = time.perf_counter()
        results.append(function(q))
        timings.append(1000 * (time.perf_counter() - t0))
    return timings, results


def baseline(query: str) -> list[int]:
    key = normalize_name(query)
    names = PlaceName.objects.filter(name_key=key).values("place_id")
    return list(Place.objects.filter(Q(name_key=key) | Q(pk__in=names)).values_list("pk", flat=True)[:5])


def resolved(query: str) -> list[int]:
    return [c.place.pk for c in resolve(query, country="SY", limit=5)]


def report(label: str, timings: list[float], results: list, expected: list[int]) -> float:
    first = sum(1 for r, e in zip(results, expected, strict=True) if r[:1] == [e])
    top5 = sum(1 for r, e in zip(results, expected, strict=True) if e in r)
    median = statistics.median(timings)
    p95 = sorted(timings)[int(0.95 * len(timings)) - 1]
    print(
        f"  {label:<10} median {median:6.2f} ms, p95 {p95:6.2f} ms; "
        f"right place first {first}/{len(expected)}, in the first five {top5}/{len(expected)}"
    )
    return median


def main() -> None:
    args = scratch.parser(__doc__, places=50_000, queries=1000, seed=1).parse_args()
    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)

    started = time.perf_counter()
    names = generate(args.places, rng)
    print(
        f"database: {connection.vendor}; {Place.objects.count()} places, {PlaceName.objects.count()} alternate names "
        f"generated in {time.perf_counter() - started:.1f} s"
    )
    ids = dict(Place.objects.values_list("name", "pk"))
    started = time.perf_counter()
    resolve("warm up", country="SY")  # builds the in-memory index of names once
    print(f"in-memory name index built in {time.perf_counter() - started:.2f} s")
    sample = rng.sample(names, args.queries)
    for kind, make in (("transliterations", transliterate), ("typos", typo)):
        queries = [make(v, rng) for v in sample]
        expected = [ids[v] for v in sample]
        print(f"{len(queries)} {kind} of existing names, e.g. {sample[0]!r} -> {queries[0]!r}:")
        base_t, base_r = timed(baseline, queries)
        res_t, res_r = timed(resolved, queries)
        base = report("baseline", base_t, base_r, expected)
        ours = report("resolver", res_t, res_r, expected)
        print(f"  resolver / baseline median latency: {ours / base:.1f}x")


if __name__ == "__main__":
    main()
