"""Replace the database's contents with a backup written by `manage.py backup`."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

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
        self.stdout.write(f"Restored {path}")
