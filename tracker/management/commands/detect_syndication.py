"""Re-run near-copy detection over every report (after a threshold change, or an import)."""

from django.core.management.base import BaseCommand

from tracker.history import Channel, history_context
from tracker.services import syndication


class Command(BaseCommand):
    help = "Rebuild every report's text index and link near-copies to the earliest report of their cluster."

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-index",
            action="store_true",
            help="Keep the text index as it is (after a threshold change): only re-link.",
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Queue the detection on the task queue (TRACKER_TASKS_BACKEND) instead of running it here.",
        )

    def handle(self, *args, keep_index=False, queue=False, **options):
        if queue:
            result = syndication.detect_syndication_everywhere.enqueue(keep_index=keep_index)
            self.stdout.write(f"queued: syndication detection over every report (task {result.id})")
            return
        with history_context(channel=Channel.COMMAND, reason="detect_syndication"):
            counts = syndication.detect_all(keep_index=keep_index)
        self.stdout.write("reports: " + ", ".join(f"{n} {label}" for label, n in counts.items()))
