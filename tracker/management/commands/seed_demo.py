"""Fill a database with deterministic synthetic demo data (tracker.demo.seed)."""

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from tracker.demo import seed as demo
from tracker.models import Incident


def positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Add N synthetic incidents with their places, parties, sources, ceasefires, reports, citations, provenance "
        "and verdicts (deterministic for a seed; bulk inserts). For benchmarks and demos, not for a curated database."
    )

    def add_arguments(self, parser):
        parser.add_argument("--incidents", type=positive, required=True, help="How many incidents (e.g. 1000000).")
        parser.add_argument("--seed", type=int, default=1, help="The same seed gives the same data (default 1).")
        parser.add_argument("--ceasefires", type=positive, default=12)
        parser.add_argument(
            "--flush",
            action="store_true",
            help="Empty the database first (users and all). Without it, it must hold no incidents.",
        )

    def handle(self, *args, incidents, seed: int, ceasefires: int, flush: bool, **options):
        if flush:
            call_command("flush", interactive=False, verbosity=0)
        elif Incident.all_objects.exists():
            raise CommandError(
                "The database already holds incidents: seed_demo fills an empty one (add --flush to empty it first)."
            )
        step = max(incidents // 10, 1)

        def progress(done: int) -> None:
            if done % step < 5000 or done == incidents:
                self.stderr.write(f"  {done:,} incidents")

        summary = demo.seed(incidents, seed=seed, ceasefires=ceasefires, progress=progress)
        rows = summary.rows
        self.stdout.write(
            f"seeded: {rows['incidents']:,} incidents, {rows['reports']:,} reports, {rows['citations']:,} citations, "
            f"{rows['assessments']:,} assessments; {rows['places']:,} places, {rows['parties']} parties, "
            f"{rows['sources']} sources, {rows['ceasefires']} ceasefires"
        )
        self.stdout.write("seconds: " + ", ".join(f"{k} {v}" for k, v in summary.seconds.items()))
