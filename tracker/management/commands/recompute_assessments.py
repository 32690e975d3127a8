"""Recompute violation assessments in bulk."""

from django.core.management.base import BaseCommand, CommandError

from tracker.history import Channel, history_context
from tracker.models import Ceasefire
from tracker.services.assessments import recompute


class Command(BaseCommand):
    help = "Recompute every incident's assessment against every ceasefire (or one ceasefire's) and print counts."

    def add_arguments(self, parser):
        parser.add_argument("--ceasefire", type=int, action="append", help="Only this ceasefire id (repeatable).")

    def handle(self, *args, ceasefire, **options):
        if ceasefire:
            missing = set(ceasefire) - set(Ceasefire.objects.filter(pk__in=ceasefire).values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No ceasefire with id {', '.join(map(str, sorted(missing)))}.")
        with history_context(channel=Channel.COMMAND, reason="recompute_assessments"):
            counts = recompute(ceasefire)
        self.stdout.write(
            f"assessments: {counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged, {counts.deleted} deleted"
        )
