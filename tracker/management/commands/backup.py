"""Write everything the tracker holds to one JSON file: curated records (trash included),
their full history, verdicts, API tokens (hashed), users and role groups.

Same command on SQLite and PostgreSQL; `manage.py restore FILE` reads it back. For very large
PostgreSQL databases `pg_dump` is faster, but this file is portable between the two.

Releases are not in the file: each is a frozen copy of tables (tracker.release_tables) that a
JSON dump of the models cannot carry, and a release restored without them could not be served.
`pg_dump` keeps them (one schema each); a restore from this file removes them.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

from tracker.models import Release

# What a backup holds, in loading order. contenttypes and permissions are recreated by
# migrations and referred to by natural key.
BACKUP_LABELS = ["auth.group", "auth.user", "tracker"]


class Command(BaseCommand):
    help = "Back up the tracker's data and history to a JSON file (restore with `manage.py restore FILE`)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="File to write (e.g. backups/tracker-2026-11-22.json).")

    def handle(self, *args, path, **options):
        call_command(
            "dumpdata",
            *BACKUP_LABELS,
            all=True,  # base managers: records in the trash too
            # The data generation moves forward only: a restore must not bring an old one back
            # (a response cached under it could be served again).
            exclude=["tracker.DataGeneration", "tracker.Release", "tracker.HistoricalRelease"],
            use_natural_foreign_keys=True,
            output=path,
            verbosity=0,
        )
        self.stdout.write(f"Backed up to {path}")
        releases = Release.objects.count()
        if releases:
            self.stdout.write(f"Not in the file: {releases} release(s) (their frozen tables; pg_dump keeps them).")
