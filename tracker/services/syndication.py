"""Linking reports that are near-copies of each other (a wire story run by several outlets) to
the earliest report of their cluster. See tracker.domain.syndication for the text comparison.

Detection runs inside the report's own write (one history row: the link is part of the saved
report, set by tracker.services.sources before it is saved); the report's index and the later
copies re-pointed at a newly entered earlier original (one history row each) follow at the end
of the operation (a rule of tracker.services.derived). A curator's decision (`confirmed`,
`detached`) is never overridden.
"""

from collections import Counter, OrderedDict
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F
from django_tasks import task

from tracker import conf
from tracker.domain.syndication import MIN_COMMON_PHRASES, Fingerprint, Similarity, compare, fingerprint
from tracker.history import Channel, history_context
from tracker.models import Report, ReportBand
from tracker.services import common


def threshold() -> float:
    """Overlap from which a report counts as a copy (setting TRACKER_SYNDICATION_THRESHOLD)."""
    return float(conf.SYNDICATION_THRESHOLD)


def min_shared_sentences() -> int:
    """Sentences two texts must share, whatever their overlap, to count as one wire story's
    (setting TRACKER_SYNDICATION_MIN_SHARED_SENTENCES)."""
    return int(conf.SYNDICATION_MIN_SHARED_SENTENCES)


def _order(report: Report) -> tuple:
    """Earliest first: publication time (unknown last), then id (unsaved last)."""
    return (report.published_at is None, report.published_at or 0, report.pk is None, report.pk or 0)


def root_of(report: Report) -> Report:
    """The original at the top of a report's chain of links."""
    seen = set()
    while report.syndicated_from_id is not None and report.pk not in seen:
        seen.add(report.pk)
        report = Report.all_objects.get(pk=report.syndicated_from_id)
    return report


@dataclass
class Match:
    report: Report
    similarity: Similarity

    def link_fields(self) -> dict:
        return {
            "syndication_score": self.similarity.score,
            "syndication_shared_sentences": self.similarity.shared_sentences,
        }


class Fingerprints:
    """Fingerprints of report texts by report id, the most recently used `size` kept: a bulk
    run (detect_syndication) compares each report with candidates it has mostly seen already."""

    def __init__(self, size: int = 20_000):
        self.size, self.items = size, OrderedDict()

    def of(self, report: Report) -> Fingerprint:
        found = self.items.get(report.pk)
        if found is None:
            found = self._keep(report.pk, fingerprint(report.body))
        else:
            self.items.move_to_end(report.pk)
        return found

    def _keep(self, pk: int, text: Fingerprint) -> Fingerprint:
        self.items[pk] = text
        if len(self.items) > self.size:
            self.items.popitem(last=False)
        return text

    def load(self, ids) -> dict[int, Fingerprint]:
        """Fingerprints of these reports, reading only the texts not kept yet (one query)."""
        found = {pk: self.items[pk] for pk in ids if pk in self.items}
        missing = [pk for pk in ids if pk not in found]
        for pk, body in Report.all_objects.filter(pk__in=missing).values_list("pk", "body"):
            found[pk] = self._keep(pk, fingerprint(body))
        return found


NO_LINK = {"syndicated_from": None, "syndication_score": None, "syndication_shared_sentences": None}


def max_key_reports() -> int:
    """A sentence key held by more original reports than this is dropped from candidate
    searches (setting TRACKER_SYNDICATION_MAX_KEY_REPORTS): a sentence made of the commonest
    words collides with many unrelated texts, while a re-used sentence is held by one cluster
    (its copies do not count: a wire story run by fifty outlets is one original)."""
    return int(conf.SYNDICATION_MAX_KEY_REPORTS)


# Keys held by more reports than this many times the limit are popular whatever the clusters.
SURELY_POPULAR = 20


# A report found only through sentence keys must share at least this many phrases with the
# text: as many as `compare` needs before it compares two texts sentence by sentence, so every
# pair it could call a copy through shared sentences is a candidate.
MIN_SENTENCE_KEY_HITS = MIN_COMMON_PHRASES


def _bands(select: str, keys, tail: str = "", params=()) -> list[tuple]:
    """Rows of the band index for these keys. Plain SQL: this runs for every report written and
    every report of a bulk run, with a few hundred keys each, and building the ORM's IN clause
    cost more than the indexed lookups it asks for."""
    if not keys:
        return []
    table, key = map(connection.ops.quote_name, (ReportBand._meta.db_table, "key"))
    placeholders = ", ".join(["%s"] * len(keys))
    # Only quoted names and this module's own fragments are formatted in; every value is a parameter.
    sql = f"SELECT {select} FROM {table} WHERE {key} IN ({placeholders}){tail}"  # nosec B608
    with connection.cursor() as cursor:
        cursor.execute(sql, [*keys, *params])
        return cursor.fetchall()


def candidate_keys(text: Fingerprint) -> tuple[list[int], list[int]]:
    """The keys to look candidates up by: the text's own, and its sentences' but the popular ones.

    Counting reports per key is one index-only query; only keys over the limit whose reports
    could still be few originals (copies of one story) are looked at report by report."""
    sentence_keys = text.sentence_keys()
    limit = max_key_reports()
    held = dict(_bands('"key", COUNT(*)', sentence_keys, ' GROUP BY "key" HAVING COUNT(*) > %s', [limit]))
    popular = {key for key, n in held.items() if n > limit * SURELY_POPULAR}
    unsure = [key for key in held if key not in popular]
    if unsure:
        rows = _bands('"key", report_id', unsure)
        originals = set(
            Report.all_objects.filter(pk__in={r for _, r in rows}, syndicated_from__isnull=True).values_list("pk", flat=True)
        )
        per_key = Counter(key for key, report_id in rows if report_id in originals)
        popular |= {key for key, n in per_key.items() if n > limit}
    return text.text_keys(), [k for k in sentence_keys if k not in popular]


def candidates(text: Fingerprint, exclude: int | None = None) -> list[Report]:
    """Reports worth comparing with this text: those sharing a band of the whole text, or
    MIN_SENTENCE_KEY_HITS of its searchable sentence (phrase) keys."""
    text_keys, sentence_keys = candidate_keys(text)
    by_text = set(text_keys)
    rows = _bands('"key", report_id', [*text_keys, *sentence_keys])
    ids = {report_id for key, report_id in rows if key in by_text}
    hits = Counter(report_id for key, report_id in rows if key not in by_text)
    ids |= {report_id for report_id, n in hits.items() if n >= MIN_SENTENCE_KEY_HITS}
    ids.discard(exclude)
    if not ids:
        return []
    return list(Report.objects.filter(pk__in=ids).only("id", "published_at", "syndicated_from_id", "syndication_decision"))


def matches(report: Report, text: Fingerprint | None = None, cache: Fingerprints | None = None) -> list[Match]:
    """Reports whose text is a near-copy of this one's (overlap at the threshold, or enough
    shared sentences), found through the LSH keys. `cache`: fingerprints kept across calls
    (texts must not change meanwhile)."""
    text = fingerprint(report.body) if text is None else text
    if not text.comparable:
        return []
    found_candidates = candidates(text, exclude=report.pk)
    # Texts are read (and fingerprinted) only for candidates not seen before.
    texts = (cache or Fingerprints(len(found_candidates) + 1)).load([c.pk for c in found_candidates])
    found = []
    limit, sentences = threshold(), min_shared_sentences()
    for candidate in found_candidates:
        similarity = compare(text, texts[candidate.pk])
        if similarity.is_copy(limit, sentences):
            found.append(Match(candidate, similarity))
    return found


def link_for(report: Report, found: list[Match] | None = None, cache: Fingerprints | None = None) -> dict:
    """The `syndicated_from`/`syndication_score` the report should have (applied by the caller
    before saving). A curator's decision keeps what it has. `found`: its matches, when the
    caller already has them."""
    if report.syndication_decision:
        return {}
    if found is None:
        found = matches(report, cache.of(report) if cache else None, cache)
    earlier = [m for m in found if _order(m.report) < _order(report)]
    if not earlier:
        return dict(NO_LINK)
    first = min(earlier, key=lambda m: _order(m.report))
    root = root_of(first.report)
    if root.pk != first.report.pk:
        # Linked to the root, scored against the closer of the two.
        against_root = compare(*(cache.of(r) if cache else fingerprint(r.body) for r in (report, root)))
        first = Match(
            first.report,
            Similarity(
                max(first.similarity.score, against_root.score),
                max(first.similarity.shared_sentences, against_root.shared_sentences),
            ),
        )
    return {"syndicated_from": root, **first.link_fields()}


def index(report: Report, text: Fingerprint | None = None, new: bool = False) -> None:
    """Rebuild the report's LSH keys (derived data, no history). `new`: the report was just
    created, so it has no keys to remove."""
    if not new:
        ReportBand.objects.filter(report=report).delete()
    text = fingerprint(report.body) if text is None else text
    if text.comparable:
        ReportBand.objects.bulk_create(ReportBand(report=report, key=k) for k in text.lsh_keys())


def index_all(chunk_size: int = 1000) -> int:
    """Rebuild every report's LSH keys in bulk: one delete, then inserts in batches. Returns
    the number of keys."""
    ReportBand.objects.all().delete()
    total, last = 0, 0
    while True:
        chunk = list(Report.objects.filter(pk__gt=last).order_by("pk").only("id", "body")[:chunk_size])
        if not chunk:
            return total
        rows = []
        for report in chunk:
            text = fingerprint(report.body)
            if text.comparable:
                rows += [(report.pk, k) for k in text.lsh_keys()]
        # Plain tuples: building millions of model instances costs more than the inserts. One
        # transaction per chunk (in autocommit, SQLite would commit every row).
        with transaction.atomic(), connection.cursor() as cursor:
            quoted = map(connection.ops.quote_name, (ReportBand._meta.db_table, "report_id", "key"))
            sql = "INSERT INTO {} ({}, {}) VALUES (%s, %s)".format(*quoted)  # nosec B608 - quoted names only
            cursor.executemany(sql, rows)
        total += len(rows)
        last = chunk[-1].pk


@transaction.atomic
def relink_later_copies(report: Report, *, user, found: list[Match] | None = None) -> int:
    """A report that is earlier than copies already linked elsewhere (or not at all) becomes
    their original: re-point undecided later matches at this report's root. `found`: its
    matches, when the caller already has them."""
    if report.syndicated_from_id is not None:
        return 0
    moved = 0
    for match in matches(report) if found is None else found:
        later = match.report
        if later.syndication_decision or _order(later) < _order(report) or later.syndicated_from_id == report.pk:
            continue
        if later.syndicated_from_id is not None and _order(root_of(later)) <= _order(report):
            continue  # already a copy of something earlier still
        current = Report.objects.get(pk=later.pk)
        common.update(current, data={"syndicated_from": report, **match.link_fields()}, user=user)
        moved += 1
    return moved


def detect_all(*, keep_index: bool = False) -> dict[str, int]:
    """Re-run detection over every report, earliest first (so each report's earlier matches
    already point at their root): after a threshold change, or to rebuild links from scratch.
    Work that grows with the corpus — `detect_syndication_everywhere` runs it on the task queue.
    Returns how many reports were linked, made originals, left unchanged, or decided by a curator."""
    ordered = Report.objects.order_by(F("published_at").asc(nulls_last=True), "pk")
    if not keep_index:
        index_all()
    cache = Fingerprints()
    counts = {"linked": 0, "originals": 0, "unchanged": 0, "decided by a curator": 0}
    for report in ordered.iterator(chunk_size=500):
        if report.syndication_decision:
            counts["decided by a curator"] += 1
            continue
        link = link_for(report, cache=cache)
        target = link["syndicated_from"].pk if link["syndicated_from"] else None
        current = (report.syndicated_from_id, report.syndication_score, report.syndication_shared_sentences)
        if (target, link["syndication_score"], link["syndication_shared_sentences"]) == current:
            counts["unchanged"] += 1
            continue
        common.update(report, data=link, user=None)
        counts["linked" if target else "originals"] += 1
    return counts


@task()
def detect_syndication_everywhere(keep_index: bool = False) -> dict[str, int]:
    """`detect_all` as a task (`manage.py detect_syndication --queue`), its links recorded in
    history as the command's."""
    with history_context(channel=Channel.COMMAND, reason="detect_syndication"):
        return detect_all(keep_index=keep_index)
