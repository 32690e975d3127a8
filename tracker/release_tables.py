"""Where a release's frozen records live, and how a request reads them instead of the live ones.

A release (tracker.models.Release) is a copy, taken in one transaction, of every public record
and what the tracker derived from them: the public incidents, their live citations, verdicts,
provenance and compliance shares, and every place, party, source, report and ceasefire they can
point to. The copy has the live tables' own columns (and, on PostgreSQL, their indexes), so the
tracker's ordinary read code — filters, list rows, aggregates, exports, compliance — serves a
release unchanged: `reading(release)` makes the release's tables answer to the live tables'
names for the duration of a block.

- PostgreSQL: each release is a schema, `release_<id>`, holding tables named as the live ones;
  reading puts it first on the transaction's `search_path` (a `search_path` change also makes
  PostgreSQL re-parse any prepared statement, which a table shadowing another would not).
- SQLite: each table is `release_<id>__<table>` in the main database; reading puts temporary
  views named as the live tables over them (tracker.shadow_tables).

Why a copy and not the history tables read "as of" the release's instant: what the tracker
derives (provenance grades, compliance shares) keeps no history, and a copy answers at the speed
of the live tables; a release is meant to be read for years.

Only what is listed in `released()` is copied. Everything a released read touches must be in it
— a table left out would be read live, so later edits would show through (the tests compare a
release's answers before and after editing every kind of record).
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar

from django.db import DatabaseError, connection, models, transaction

from tracker import replicas
from tracker.shadow_tables import shadowing

_reading: ContextVar[object | None] = ContextVar("tracker_release_reading", default=None)


def released() -> list[tuple[type[models.Model], models.QuerySet | None]]:
    """Each released model with the ids of its rows to copy (None: every row). Hidden incidents
    (unpublished, in the trash) and everything that hangs off them stay out; records incidents
    point to are copied whole, trashed ones included, so that no released row points nowhere."""
    from tracker.models import (
        Assessment,
        Ceasefire,
        CeasefireParty,
        CeasefireStatus,
        Citation,
        ComplianceLedger,
        ComplianceShare,
        ComplianceTally,
        Declaration,
        Incident,
        IncidentProvenance,
        Party,
        PartyAlias,
        Place,
        PlaceName,
        Report,
        Source,
        VerdictRecompute,
        VerdictRules,
    )
    from tracker.models.visibility import PUBLIC_STATUSES

    public = Incident.objects.visible_to(None).values("pk")
    return [
        (Incident, public),
        (Citation, Citation.objects.filter(incident__in=public).values("pk")),
        (Assessment, Assessment.objects.filter(incident__in=public).values("pk")),
        (IncidentProvenance, IncidentProvenance.objects.filter(incident__in=public).values("pk")),
        (ComplianceShare, ComplianceShare.objects.filter(incident__in=public).values("pk")),
        (ComplianceTally, ComplianceTally.objects.filter(status__in=PUBLIC_STATUSES).values("pk")),
        (ComplianceLedger, None),
        (Place, None),
        (PlaceName, None),
        (Party, None),
        (PartyAlias, None),
        (Source, None),
        (Report, None),
        (Ceasefire, None),
        (CeasefireParty, None),
        (Declaration, None),
        (CeasefireStatus, None),
        (VerdictRecompute, None),
        (VerdictRules, None),
    ]


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def schema(release_id: int) -> str:
    """The PostgreSQL schema of a release."""
    return f"release_{int(release_id)}"


def table(release_id: int, live_table: str) -> str:
    """The quoted name of a release's copy of `live_table`, as SQL can name it."""
    quote = connection.ops.quote_name
    if _postgresql():
        return f"{quote(schema(release_id))}.{quote(live_table)}"
    return quote(f"release_{int(release_id)}__{live_table}")


def create(release_id: int) -> None:
    """Copy the released rows into the release's tables (in the caller's transaction, whose
    snapshot is the release's instant). The copied incidents' answers to incidents left out
    (`responds_to`) are cleared: an unpublished incident's id is not the public's to see."""
    quote = connection.ops.quote_name
    drop(release_id)  # leftovers of a release whose row a restore removed (ids can come round again)
    with connection.cursor() as cursor:
        if _postgresql():
            cursor.execute("SELECT current_schema()")
            (live_schema,) = cursor.fetchone()
            cursor.execute(f"CREATE SCHEMA {quote(schema(release_id))}")
        for model, ids in released():
            live = model._meta.db_table
            copy = table(release_id, live)
            if _postgresql():
                cursor.execute(f"CREATE TABLE {copy} (LIKE {quote(live_schema)}.{quote(live)} INCLUDING ALL)")
            else:
                _sqlite_create_like(cursor, release_id, live)
            where, params = ("", [])
            if ids is not None:
                sql, params = ids.query.sql_with_params()
                where = f" WHERE {quote(model._meta.pk.column)} IN ({sql})"
            cursor.execute(f"INSERT INTO {copy} SELECT * FROM {quote(live)}{where}", params)  # nosec B608 - quoted names
        incidents = table(release_id, "tracker_incident")
        cursor.execute(
            f"UPDATE {incidents} SET responds_to_id = NULL WHERE responds_to_id IS NOT NULL "  # nosec B608 - quoted names
            f"AND responds_to_id NOT IN (SELECT id FROM {incidents})"
        )
        # Statistics for the planner: a new table is planned as if empty, and the release's first
        # reads (its checksum's export, at a million incidents) crawled on nested scans until then.
        for model, _ in released():
            cursor.execute(f"ANALYZE {table(release_id, model._meta.db_table)}")


def stored_ids() -> set[int]:
    """The ids of the releases whose tables are in the database."""
    with connection.cursor() as cursor:
        if _postgresql():
            cursor.execute("SELECT nspname FROM pg_namespace WHERE nspname ~ '^release_[0-9]+$'")
            return {int(name.removeprefix("release_")) for (name,) in cursor.fetchall()}
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'release_[0-9]*__*'")
        return {int(name.split("__")[0].removeprefix("release_")) for (name,) in cursor.fetchall()}


def drop(release_id: int) -> None:
    """Remove a release's tables, if any."""
    with connection.cursor() as cursor:
        if _postgresql():
            cursor.execute(f"DROP SCHEMA IF EXISTS {connection.ops.quote_name(schema(release_id))} CASCADE")
            return
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB %s", [f"release_{int(release_id)}__*"])
        for (name,) in cursor.fetchall():
            cursor.execute(f"DROP TABLE {connection.ops.quote_name(name)}")  # its indexes go with it


def drop_orphans() -> list[int]:
    """Remove the tables of releases that no longer have a row (after `manage.py restore`, which
    replaces every row): what nothing can serve any more. Returns their ids."""
    from tracker.models import Release

    orphans = sorted(stored_ids() - set(Release.objects.values_list("pk", flat=True)))
    for release_id in orphans:
        drop(release_id)
    return orphans


# A column's reference to another table: the copy stands alone (a live row deleted later must not
# be refused, or cascade, because a release row pointed to it).
_REFERENCES = re.compile(r'\s+REFERENCES\s+"\w+"\s*\("\w+"\)(\s+DEFERRABLE\s+INITIALLY\s+DEFERRED)?', re.IGNORECASE)
_INDEX = re.compile(r'^(CREATE\s+(?:UNIQUE\s+)?INDEX)\s+"?(\w+)"?\s+ON\s+"?(\w+)"?', re.IGNORECASE)


def _sqlite_create_like(cursor, release_id: int, live: str) -> None:
    """SQLite's CREATE TABLE … LIKE: the live table's own statement (its columns' declared types
    are what Django's converters read), renamed, without references; its indexes likewise."""
    cursor.execute("SELECT type, sql FROM sqlite_master WHERE tbl_name = %s AND sql IS NOT NULL", [live])
    statements = cursor.fetchall()
    prefix = f"release_{int(release_id)}__"
    for kind, sql in sorted(statements, key=lambda s: s[0] != "table"):  # the table before its indexes
        if kind == "table":
            created = re.sub(r'^CREATE TABLE\s+"?\w+"?', f'CREATE TABLE "{prefix}{live}"', sql, count=1)
            cursor.execute(_REFERENCES.sub("", created))
        elif kind == "index":
            cursor.execute(_INDEX.sub(lambda m: f'{m[1]} "{prefix}{m[2]}" ON "{prefix}{m[3]}"', sql, count=1))


def current():
    """The release the current block reads (None: the live records)."""
    return _reading.get()


@contextmanager
def named(release) -> Iterator[None]:
    """Within the block, `current()` is `release` (what keys cached answers) without switching
    any table: `reading` does that."""
    token = _reading.set(release)
    try:
        yield
    finally:
        _reading.reset(token)


@contextmanager
def reading(release) -> Iterator[None]:
    """Within the block, every query of the released tables reads the release's copy. One
    transaction on the primary (a replica's session would not see the switch)."""
    token = _reading.set(release)
    try:
        if not _postgresql():
            lives = [model._meta.db_table for model, _ in released()]
            with shadowing({live: f"SELECT * FROM main.{table(release.pk, live)}" for live in lives}):  # nosec B608
                yield
            return
        quote = connection.ops.quote_name
        with replicas.primary_only(), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('search_path')")
            (previous,) = cursor.fetchone()
            cursor.execute("SELECT set_config('search_path', %s, true)", [f"{quote(schema(release.pk))}, {previous}"])
            try:
                yield
            finally:
                # When the block failed in the database, its rollback restores the path anyway.
                with suppress(DatabaseError):
                    cursor.execute("SELECT set_config('search_path', %s, true)", [previous])
    finally:
        _reading.reset(token)


def streamed(release, chunks: Iterator[bytes]) -> Iterator[bytes]:
    """A streamed response's body read from the release: the body is produced after the view has
    returned (outside its `reading` block), so each stream reads inside its own."""
    with reading(release):
        yield from chunks
