"""Re-run near-copy detection over every report (after a threshold change, or an import)."""

from django.core.management.base import BaseCommand
from django.db.models import F

from tracker.history import Channel, history_context
from tracker.models import Report
from tracker.services import common, syndication


class Command(BaseCommand):
    help = "Rebuild every report's text index and link near-copies to the earliest report of their cluster."

    def add_arguments(self, parser):
        parser.add_argument(
            "--keep-index",
            action="store_true",
            help="Keep the text index as it is (after a threshold change): only re-link.",
        )

    def handle(self, *args, keep_index=False, **options):
        ordered = Report.objects.order_by(F("published_at").asc(nulls_last=True), "pk")
        if not keep_index:
            syndication.index_all()
        cache = syndication.Fingerprints()
        counts = {"linked": 0, "originals": 0, "unchanged": 0, "decided by a curator": 0}
        with history_context(channel=Channel.COMMAND, reason="detect_syndication"):
            # Earliest first, so each report's earlier matches already point at their root.
            for report in ordered.iterator(chunk_size=500):
                if report.syndication_decision:
                    counts["decided by a curator"] += 1
                    continue
                link = syndication.link_for(report, cache=cache)
                target = link["syndicated_from"].pk if link["syndicated_from"] else None
                current = (report.syndicated_from_id, report.syndication_score, report.syndication_shared_sentences)
                if (target, link["syndication_score"], link["syndication_shared_sentences"]) == current:
                    counts["unchanged"] += 1
                    continue
                common.update(report, data=link, user=None)
                counts["linked" if target else "originals"] += 1
        self.stdout.write("reports: " + ", ".join(f"{n} {label}" for label, n in counts.items()))
