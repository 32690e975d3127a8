"""Write everything the tracker holds to one JSON file: curated records (trash included),
their full history, verdicts, API tokens (hashed), users and role groups.

Same command on SQLite and PostgreSQL; `manage.py restore FILE` reads it back. For very large
PostgreSQL databases `pg_dump` is faster, but this file is portable between the two.
"""

from django.core.management import call_command
from django.core.management.base import BaseCommand

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
            exclude=["tracker.DataGeneration"],
            use_natural_foreign_keys=True,
            output=path,
            verbosity=0,
        )
        self.stdout.write(f"Backed up to {path}")
