"""Recompute violation assessments in bulk."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tracker.history import Channel, history_context
from tracker.models import Ceasefire
from tracker.services.assessments import recompute
from tracker.services.recompute import request_ceasefire_verdicts


class Command(BaseCommand):
    help = "Recompute every incident's assessment against every ceasefire (or one ceasefire's) and print counts."

    def add_arguments(self, parser):
        parser.add_argument("--ceasefire", type=int, action="append", help="Only this ceasefire id (repeatable).")
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue one task per ceasefire on the task queue (TRACKER_TASKS_BACKEND) instead of running here; "
            "its verdicts read as pending until a worker is done.",
        )

    def handle(self, *args, ceasefire, queue, **options):
        if ceasefire:
            missing = set(ceasefire) - set(Ceasefire.objects.filter(pk__in=ceasefire).values_list("pk", flat=True))
            if missing:
                raise CommandError(f"No ceasefire with id {', '.join(map(str, sorted(missing)))}.")
        if queue:
            ceasefires = Ceasefire.objects.all() if not ceasefire else Ceasefire.objects.filter(pk__in=ceasefire)
            with transaction.atomic():
                for one in ceasefires.order_by("pk"):
                    request_ceasefire_verdicts(one)
            self.stdout.write(f"queued: the verdicts of {ceasefires.count()} ceasefire(s)")
            return
        with history_context(channel=Channel.COMMAND, reason="recompute_assessments"):
            counts = recompute(ceasefire)
        self.stdout.write(
            f"assessments: {counts.created} created, {counts.updated} updated, {counts.unchanged} unchanged, {counts.deleted} deleted"
        )
