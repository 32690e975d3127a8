"""The data generation: a number in the database that moves after every committed write.

Cached API responses (tracker.api.caching) are keyed by it. It must move for *every* write —
through the services, the admin, a management command, a bulk recompute, loaddata, a
migration — so it is not left to each writer: a wrapper on every database connection
(installed when the connection opens) watches the SQL it runs, and the first statement that
can change data in a transaction schedules one bump for after the commit.

Why after the commit, not inside the transaction: bumping inside would make the generation
row a lock every writing transaction waits on until the one before it commits (a bulk
recompute would hold up every curator for its whole run). After the commit the bump is one
short autocommit UPDATE, and the order of events keeps readers right:

- a reader that reads the new generation reads after the bump, so after the commit: it sees
  the write, and caches what it saw under the new generation;
- a reader that read the old generation may cache old (or already new) data under it, which
  no one looks up once the bump is done — and the writer's own response leaves only after it.

Writes that bypass Django (psql, another program) do not move it: cached answers then live
until their time-out (TRACKER_RESPONSE_CACHE_SECONDS); `manage.py bump_generation` moves it by hand.

Families: answers that read only a few tables need not be thrown away by every write. Beside the
global generation (row 1, moved by every write), each family of tables in FAMILIES has a row of
its own, moved only by writes to its tables: the places, parties, sources and reports lists are
keyed by their families' generations (a view's `cache_families`), so a curator's incident writes
leave them cached. A statement whose target this cannot read moves every family.

The facts generation (row FACTS): everything but two kinds of write can change what an answer
that shows no incident's prose says — a history row (only history answers read them), and an
edit of an incident's prose alone (`Incident.PROSE_FIELDS`: words no rule reads, no filter but
free text, no order but `updated_at`). So it moves with every write except those: an UPDATE of
`tracker_incident` setting nothing but prose and bookkeeping columns, in a transaction that also
moves the incident's version (the service layer's compare-and-set does; a prose UPDATE without
one moves it). Aggregates and the compliance series are keyed by it; an incident list, whose rows
show prose, is keyed by it and checked against its incidents' versions when read
(tracker.api.caching).
"""

import functools
import logging
import re
import secrets

from django.conf import settings
from django.db import DatabaseError, connections, router
from django.db.backends.signals import connection_created

from tracker.shadow_tables import VIEW_STATEMENTS

log = logging.getLogger(__name__)

TABLE = "tracker_datageneration"
GLOBAL = 1
# Each family's row, and the tables (with their history) whose writes move it.
FAMILIES = {"places": 2, "parties": 3, "sources": 4, "reports": 5, "facts": 6}
FACTS = "facts"
_FAMILY_OF = {
    f"tracker_{history}{name}": family
    for family, names in {
        "places": ("place", "placename"),
        "parties": ("party", "partyalias"),
        "sources": ("source",),
        "reports": ("report", "reportband"),
    }.items()
    for name in names
    for history in ("", "historical")
}
ALL = "*"  # every family: a write whose target is not known
# An incident UPDATE setting only these leaves the facts generation alone (with a version move).
_INCIDENT = "tracker_incident"
_BOOKKEEPING = frozenset({"version", "updated_at", "updated_by_id"})
_SET_COLUMN = re.compile(r'(?:\bSET|,)\s*"(\w+)"\s*=')
# Statements that cannot change data (tracker.shadow_tables' temporary views included). Anything
# else counts as a write: guessing wrong only costs a cache flush.
_READS = (
    "SELECT",
    "SAVEPOINT",
    "RELEASE",
    "ROLLBACK",
    "BEGIN",
    "COMMIT",
    "SET ",
    "SHOW",
    "EXPLAIN",
    "PRAGMA",
    *VIEW_STATEMENTS,
)
_MODIFIES = re.compile(r"\b(INSERT|UPDATE|DELETE|MERGE)\b", re.IGNORECASE)
# Bookkeeping no cached answer shows: a token's last use (recorded as it authenticates — moving the
# generation there would throw away every cached answer each time a token client reads), replayed
# idempotency keys, sessions; the webhooks' own rows — subscriptions (their API is never cached),
# their secrets, the outbox, what each follows, the delivery log (every attempt updates it: a
# receiver being retried must not empty the cache every few seconds); the task queue's results.
# A statement whose target is one of these is not a write here.
UNSERVED_TABLES = frozenset(
    {
        "tracker_apitoken",
        "tracker_idempotencyrecord",
        "django_session",
        "tracker_subscription",
        "tracker_historicalsubscription",
        "tracker_subscriptionsecret",
        "tracker_incidentevent",
        "tracker_subscriptionincident",
        "tracker_delivery",
        "django_tasks_database_dbtaskresult",
    }
)
# SQLite's `INSERT OR IGNORE INTO` (bulk_create's ignore_conflicts) included.
_TARGET = re.compile(r'\s*(?:UPDATE|INSERT\s+(?:OR\s+\w+\s+)?INTO|DELETE\s+FROM)\s+"?(\w+)"?[\s(]', re.IGNORECASE)


def current(using: str | None = None, *, families: tuple[str, ...] | None = None) -> int | str | None:
    """The global generation as the database that serves reads of it holds it — or, with
    `families`, theirs joined ("17.4") — None if a row or the table is missing: nothing can be
    cached then."""
    alias = using or router.db_for_read(_model())
    ids = sorted(FAMILIES[name] for name in families or ())
    try:
        with connections[alias].cursor() as cursor:
            if not ids:
                cursor.execute(f"SELECT value FROM {TABLE} WHERE id = 1")  # nosec B608 - a constant
                row = cursor.fetchone()
                return row[0] if row else None
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(f"SELECT id, value FROM {TABLE} WHERE id IN ({marks})", ids)  # nosec B608 - a constant
            found = dict(cursor.fetchall())
    except DatabaseError:
        return None
    return ".".join(str(found[i]) for i in ids) if len(found) == len(ids) else None


def bump(using: str = "default", *, connection=None, families=ALL) -> None:
    """Move the global generation and those of `families` (a set of names, or ALL), outside any
    transaction: called after a commit. A missing row is created at a random value, so a
    database flushed and refilled never repeats a generation some cache still holds."""
    connection = connection or connections[using]
    ids = [GLOBAL, *sorted(FAMILIES.values() if families == ALL else (FAMILIES[f] for f in families))]
    try:
        with connection.cursor() as cursor:
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(f"UPDATE {TABLE} SET value = value + 1 WHERE id IN ({marks})", ids)  # nosec B608 - a constant
            if cursor.rowcount < len(ids):
                cursor.execute(f"SELECT id FROM {TABLE} WHERE id IN ({marks})", ids)  # nosec B608 - a constant
                present = {row[0] for row in cursor.fetchall()}
                for missing in sorted(set(ids) - present):
                    cursor.execute(f"INSERT INTO {TABLE} (id, value) VALUES (%s, %s)", [missing, secrets.randbits(62)])  # nosec B608
    except DatabaseError:
        # Before the migration that creates the table (or on a read-only replica): nothing is
        # cached against a generation that does not exist.
        log.debug("data generation not bumped on %s", connection.alias, exc_info=True)


def _model():
    from tracker.models import DataGeneration

    return DataGeneration


_NOT_A_WRITE = object()
# An UPDATE of incidents' prose and bookkeeping only; the same, setting their version too.
_PROSE, _VERSIONED = object(), object()
_VALUE = r'(?:%s|\?|NULL|\("tracker_incident"\."version"\s*\+\s*(?:%s|1)\))'
_ASSIGNMENTS = re.compile(
    rf'\s*UPDATE\s+"tracker_incident"\s+SET\s+("\w+"\s*=\s*{_VALUE}(?:\s*,\s*"\w+"\s*=\s*{_VALUE})*)\s+WHERE\b',
    re.IGNORECASE,
)


@functools.cache
def _prose_columns() -> frozenset[str]:
    from tracker.models import Incident

    return frozenset(Incident._meta.get_field(name).column for name in Incident.PROSE_FIELDS) | _BOOKKEEPING


def _table_moves(table: str | None):
    """The families a write into `table` moves (None: a table not known)."""
    if table is None:
        return ALL
    table = table.lower()
    if table in UNSERVED_TABLES:
        return _NOT_A_WRITE
    family = _FAMILY_OF.get(table)
    if table.startswith("tracker_historical"):  # only history answers read history
        return frozenset({family} if family else ())
    return frozenset({family, FACTS} if family else {FACTS})


def _moves(sql: str):
    """What a statement's write moves: `_NOT_A_WRITE`; ALL (a write whose target is not known);
    `_PROSE` or `_VERSIONED` (an incident's prose or version alone: no family); or the set of
    families it moves (the global generation moves with any of these)."""
    head = sql.lstrip()[:32].upper()
    if head.startswith("WITH"):  # a read, unless a data-modifying common table expression
        return ALL if _MODIFIES.search(sql) is not None else _NOT_A_WRITE
    if head.startswith(_READS):
        return _NOT_A_WRITE
    target = _TARGET.match(sql)
    if target is None:
        return ALL
    if target.group(1).lower() == _INCIDENT and head.startswith("UPDATE"):
        assignments = _ASSIGNMENTS.match(sql)
        columns = set(_SET_COLUMN.findall(f"SET {assignments.group(1)}")) if assignments else None
        if columns and columns <= _prose_columns():
            return _VERSIONED if "version" in columns else _PROSE
    return _table_moves(target.group(1))


def _is_write(sql: str) -> bool:
    return _moves(sql) is not _NOT_A_WRITE


class _WriteWatcher:
    """The execute wrapper of one connection: one bump after the commit of each transaction
    that wrote.

    Each write in a transaction registers `after_commit` with `connection.on_commit` (Django's
    public hook: a callback registered in a savepoint that rolls back is dropped with it, and
    all are dropped when the transaction rolls back). After a commit the first of them bumps and
    the rest find nothing left to do — registering one per write costs a list append, against
    the statement's own round trip (bench/fences.py measures it).
    """

    def __init__(self, connection):
        self.connection = connection
        self.bumping = False  # the bump's own UPDATE is not a write to bump for
        self.due = False  # a write since the last bump
        # The families written since the last bump (a savepoint's that rolled back included:
        # moving a family too many only costs its cached answers).
        self.families: set[str] = set()
        # Incident prose written, and an incident version moved, since the last bump.
        self.prose = self.versioned = False

    def bump(self):
        families = self.families | ({FACTS} if self.prose and not self.versioned else set())
        families = ALL if ALL in families else families
        self.bumping, self.due, self.families, self.prose, self.versioned = True, False, set(), False, False
        try:
            bump(connection=self.connection, families=families)
        finally:
            self.bumping = False

    def after_commit(self):
        if self.due:
            self.bump()

    def __call__(self, execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if not self.bumping:
            moves = _moves(sql)
            if moves is not _NOT_A_WRITE:
                self.written(moves)
        return result

    def written(self, moves=ALL):
        connection = self.connection
        self.due = True
        if moves is _PROSE:
            self.prose = True
        elif moves is _VERSIONED:
            self.versioned = True
        elif moves is ALL:
            self.families.add(ALL)
        else:
            self.families |= moves
        if not connection.in_atomic_block:
            self.bump()
        else:
            # Dropped with the transaction (or savepoint) if it rolls back: nothing changed then.
            connection.on_commit(self.after_commit, robust=True)


def written(connection, table: str | None = None) -> None:
    """A write made outside Django's cursor (COPY through psycopg's own) into `table` (None: not
    known): move the generations as the watcher would have."""
    moves = _table_moves(table)
    if moves is _NOT_A_WRITE:
        return
    for wrapper in connection.execute_wrappers:
        if isinstance(wrapper, _WriteWatcher):
            wrapper.written(moves)
            return


def watch_writes(sender, connection, **kwargs):
    """connection_created receiver: every new database connection gets the write watcher
    (not the server-level ones Django opens to create or drop a test database)."""
    if connection.alias in settings.DATABASES and not any(
        isinstance(wrapper, _WriteWatcher) for wrapper in connection.execute_wrappers
    ):
        # First, not last: `with connection.execute_wrapper(...)` pops the last wrapper when it
        # ends, and a connection opened inside one must keep its watcher.
        connection.execute_wrappers.insert(0, _WriteWatcher(connection))


def install() -> None:
    connection_created.connect(watch_writes, dispatch_uid="tracker.generation.watch_writes")
