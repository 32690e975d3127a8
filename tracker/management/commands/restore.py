"""Replace the database's contents with a backup written by `manage.py backup`."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tracker import release_tables
from tracker.models import Incident, Party, Place


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup`, replacing everything in the database."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--replace", action="store_true", help="Required when the database already holds data.")

    def handle(self, *args, path, replace, **options):
        has_data = Incident.all_objects.exists() or Place.all_objects.exists() or Party.objects.exists()
        if has_data and not replace:
            raise CommandError("The database holds data; pass --replace to overwrite it with the backup.")
        with transaction.atomic():
            # Empties every table, then recreates content types and permissions.
            call_command("flush", interactive=False, verbosity=0)
            call_command("loaddata", path, verbosity=0)
            # Backups hold no releases (manage.py backup says why): the flush removed their rows,
            # so their frozen tables are removed too.
            dropped = release_tables.drop_orphans()
        self.stdout.write(f"Restored {path}")
        if dropped:
            self.stdout.write(f"Removed {len(dropped)} release(s) the backup does not hold (ids {', '.join(map(str, dropped))}).")
