"""Recompute every incident's provenance: claimants, contested flag and suggested confidence."""

from django.core.management.base import BaseCommand
from django.db import transaction

from tracker.models import Incident
from tracker.services.provenance import refresh_all


class Command(BaseCommand):
    help = "Recompute every incident's independent claimants and suggested confidence (after a bulk load)."

    def handle(self, *args, **options):
        with transaction.atomic():
            changed = refresh_all()
        self.stdout.write(f"provenance: {changed} changed, {Incident.all_objects.count() - changed} unchanged")
