"""Rows read for an answer streamed to its reader (the exports)."""

from collections.abc import Iterator

from django.db import connections, transaction


def rows(queryset, chunk_size: int) -> Iterator:
    """`queryset.iterator(chunk_size)`, read inside a transaction on PostgreSQL.

    Why: outside a transaction Django declares PostgreSQL's server-side cursor WITH HOLD (it must
    outlive the statement's implicit transaction), and PostgreSQL then computes and stores the
    whole result when that transaction ends — before the first row is fetched. An export of
    1,000,000 incidents sent its first byte after 59 s that way, having written its result to
    temporary files first; inside a transaction the cursor hands rows on as they are made."""
    if connections[queryset.db].vendor != "postgresql":
        yield from queryset.iterator(chunk_size=chunk_size)
        return
    with transaction.atomic(using=queryset.db):
        yield from queryset.iterator(chunk_size=chunk_size)
