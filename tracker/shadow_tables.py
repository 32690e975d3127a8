"""Making other rows answer to the live tables' names for the duration of a block, so that the
tracker's ordinary read code — filters, list rows, aggregates, exports — serves them unchanged: a
release's frozen copy (tracker.release_tables) or the records as they stood at an instant
(tracker.history_tables).

The mechanism is temporary views named as the live tables: both databases resolve an unqualified
table name in the connection's temporary schema first. They are created on the primary (a
replica's session would not see them), inside one transaction, and dropped when the block ends.
On PostgreSQL a temporary view shadowing a table would not make a prepared statement re-parse;
the tracker prepares none (Django's default client-side binding).
"""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress

from django.db import DatabaseError, connection, transaction

from tracker import replicas

# Statements whose first words are these change no data (tracker.generation does not count them
# as writes, so reading a release or the past never empties the response cache).
VIEW_STATEMENTS = ("CREATE TEMP VIEW", "DROP VIEW IF EXISTS")


def live_table(table: str) -> str:
    """The live table itself, by a name the views do not shadow."""
    quote = connection.ops.quote_name
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_schema()")
            (schema,) = cursor.fetchone()
        return f"{quote(schema)}.{quote(table)}"
    return f"main.{quote(table)}"


@contextmanager
def shadowing(views: Mapping[str, str]) -> Iterator[None]:
    """Within the block, each live table named in `views` reads as its SELECT statement (made of
    quoted names and literals: a view takes no parameters)."""
    quote = connection.ops.quote_name
    with replicas.primary_only(), transaction.atomic(), connection.cursor() as cursor:
        for table, select in views.items():
            cursor.execute(f"CREATE TEMP VIEW {quote(table)} AS {select}")  # nosec B608 - quoted names, checked literals
        try:
            yield
        finally:
            for table in views:
                # A block that failed in the database is rolled back, the views with it.
                with suppress(DatabaseError):
                    cursor.execute(f"DROP VIEW IF EXISTS {_temporary(quote(table))}")


def _temporary(quoted: str) -> str:
    return f"pg_temp.{quoted}" if connection.vendor == "postgresql" else f"temp.{quoted}"
