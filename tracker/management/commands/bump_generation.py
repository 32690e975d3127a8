"""Move the data generation by hand, after changing data outside Django (psql, another program):
the API's cached answers are then never served again."""

from django.core.management.base import BaseCommand

from tracker import generation


class Command(BaseCommand):
    help = "Invalidate every cached API answer (after writes made outside the tracker, e.g. with psql)."

    def handle(self, *args, **options):
        generation.bump()
        self.stdout.write(f"Data generation is now {generation.current(using='default')}.")
