"""Benchmark of near-copy detection: a full `detect_syndication` over N reports, and the cost
of one report write (which detects its own cluster) against that many reports.

    .venv/bin/python bench/syndication.py [--reports 100000] [--seed 1]

Uses DATABASE_URL if set (PostgreSQL: point it at a scratch database, it is emptied), else a
scratch SQLite file under bench/results/. Texts are synthetic and deterministic, drawn from a
vocabulary of 20,000 pseudo-words with Zipf-Mandelbrot frequencies and common English function words:
one story in ten is a wire story; about a quarter are outlet copies of one (a paragraph of their
own at each end, a few edits, some cut paragraphs); one in thirty is the agency's later story,
new text with two of the earlier story's sentences lightly reworded; the rest are independent
stories drawing on the same vocabulary. Reports are bulk-inserted, then indexed and linked by the real code, and the
clusters found are checked against the ones generated.
"""

import itertools
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta

import scratch

ROOT = scratch.ROOT
scratch.setup("syndication")

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from tracker.models import Report, ReportBand, Source  # noqa: E402
from tracker.services import sources  # noqa: E402

STOP = ["the", "of", "and", "to", "in", "a", "on", "said", "that", "was", "for", "by", "with", "as", "at", "from"]


def vocabulary(rng: random.Random, size: int = 4000) -> tuple[list[str], list[float]]:
    """(words, cumulative weights)."""
    """Pseudo-words with Zipf-like frequencies, as news prose has: a few very common content
    words, a long tail of rare ones."""
    letters = "bcdfghklmnprstvz"
    words = sorted({"".join(rng.choice(letters) + rng.choice("aeiou") for _ in range(rng.randint(2, 5))) for _ in range(size)})
    rng.shuffle(words)
    return words, list(itertools.accumulate(1 / (rank + 30) for rank in range(len(words))))


def sentence(rng: random.Random, vocab) -> str:
    words, cumulative = vocab
    count = rng.randint(12, 30)
    content = rng.choices(words, cum_weights=cumulative, k=count)
    out = [rng.choice(STOP) if rng.random() < 0.35 else word for word in content]
    return " ".join(out).capitalize() + "."


def paragraph(rng: random.Random, vocab) -> str:
    return " ".join(sentence(rng, vocab) for _ in range(rng.randint(1, 3)))


def reworded(text: str, rng: random.Random) -> str:
    """A background sentence re-used in a later story: a word or two changed, the rest kept."""
    words = text.split()
    for _ in range(2):
        i = rng.randrange(len(words))
        words[i] = rng.choice(STOP)
    return " ".join(words)


def generate(n: int, rng: random.Random, insert: bool = True) -> tuple[dict[int, int], dict[int, int]]:
    """Bulk-insert n reports; returns {copy: wire story} for outlet copies and for later
    stories that re-use two of a wire story's sentences (indexes into the insertion order).
    `insert=False`: the same texts and truth (same seed), for a database that has them."""
    vocab = vocabulary(rng)
    source = Source.objects.create(name="Bench wire", kind="wire_agency") if insert else None
    start = datetime(2020, 1, 1, tzinfo=UTC)
    wires: list[tuple[int, list[str]]] = []
    copies: dict[int, int] = {}
    reuses: dict[int, int] = {}
    rows = []
    for i in range(n):
        roll = rng.random()
        if roll < 0.1 or not wires:
            paras = [paragraph(rng, vocab) for _ in range(rng.randint(8, 14))]
            wires.append((i, paras))
            body = "\n\n".join(paras)
        elif roll < 0.37:
            wire_index, paras = rng.choice(wires[-200:])
            kept = paras[: rng.randint(len(paras) // 2, len(paras))]
            edited = [p.replace(" said", " told reporters") if rng.random() < 0.3 else p for p in kept]
            body = "\n\n".join([paragraph(rng, vocab), *edited, paragraph(rng, vocab)])
            copies[i] = wire_index
        elif roll < 0.4:
            # The agency's next story: new text and two of the earlier one's sentences, reworded.
            wire_index, paras = rng.choice(wires[-200:])
            background = [s.strip() + "." for p in paras for s in p.split(".") if len(s.split()) >= 16]
            if len(background) < 2:
                continue
            new = [paragraph(rng, vocab) for _ in range(rng.randint(8, 12))]
            for s in rng.sample(background, 2):
                new.insert(rng.randrange(len(new)), reworded(s, rng))
            body = "\n\n".join(new)
            reuses[i] = wire_index
        else:
            body = "\n\n".join(paragraph(rng, vocab) for _ in range(rng.randint(6, 12)))
        rows.append(Report(source=source, title=f"Report {i}", body=body, published_at=start + timedelta(minutes=10 * i)))
    if insert:
        Report.objects.bulk_create(rows, batch_size=2000)
    return copies, reuses


def main() -> None:
    parser = scratch.parser(__doc__, reports=100_000, seed=1)
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="Keep the reports and text index of the last run with the same --reports and --seed: only re-link.",
    )
    args = parser.parse_args()
    rng = random.Random(args.seed)
    call_command("migrate", verbosity=0)
    if not args.reuse:
        call_command("flush", interactive=False, verbosity=0)

    started = time.perf_counter()
    copies, reuses = generate(args.reports, rng, insert=not args.reuse)
    if args.reuse:
        # Back to no links (derived data; the benchmark's own database), without the last
        # run's timed single writes.
        Report.all_objects.filter(title__startswith="New ").delete()
        Report.objects.update(syndicated_from=None, syndication_score=None, syndication_shared_sentences=None)
    print(
        f"database: {connection.vendor}; generated {Report.objects.count()} reports ({len(copies)} copies, "
        f"{len(reuses)} later stories re-using two sentences) in {time.perf_counter() - started:.1f} s"
    )

    started = time.perf_counter()
    call_command("detect_syndication", stdout=sys.stdout, keep_index=args.reuse)
    elapsed = time.perf_counter() - started
    print(
        f"detect_syndication: {elapsed:.1f} s for {args.reports} reports "
        f"({1000 * elapsed / args.reports:.2f} ms per report); {ReportBand.objects.count()} band keys"
    )

    by_title = dict(Report.objects.values_list("title", "pk"))
    found = dict(Report.objects.exclude(syndicated_from=None).values_list("pk", "syndicated_from_id"))
    wrong_total = 0
    for label, truth in (("copies", copies), ("later stories", reuses)):
        expected = {by_title[f"Report {c}"]: by_title[f"Report {w}"] for c, w in truth.items()}
        hits = sum(1 for pk, wire in expected.items() if found.get(pk) == wire)
        wrong_total += sum(1 for pk, wire in expected.items() if found.get(pk) not in (None, wire))
        print(f"clusters: {hits}/{len(expected)} {label} linked to their wire story")
    expected_all = {by_title[f"Report {c}"] for c in (*copies, *reuses)}
    false = sum(1 for pk in found if pk not in expected_all)
    print(f"clusters: {false} independent stories linked, {wrong_total} copies linked to the wrong story")

    source = Source.objects.get(name="Bench wire")
    vocab = vocabulary(random.Random(args.seed))
    timings = []
    for i in range(20):
        body = "\n\n".join(paragraph(rng, vocab) for _ in range(10))
        t0 = time.perf_counter()
        sources.report_create(
            data={"source": source, "title": f"New {i}", "body": body, "published_at": datetime(2030, 1, 1, tzinfo=UTC)},
            user=None,
        )
        timings.append(1000 * (time.perf_counter() - t0))
    print(f"one report write with detection: median {statistics.median(timings):.1f} ms, max {max(timings):.1f} ms (20 writes)")


if __name__ == "__main__":
    main()
