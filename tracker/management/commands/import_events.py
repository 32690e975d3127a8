"""Import events from an ACLED or UCDP GED file: `manage.py import_events --format acled PATH`."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from tracker.importers import FORMATS
from tracker.services.imports import ImportFileError, import_file


class Command(BaseCommand):
    help = (
        "Import events from a dataset file (ACLED export, UCDP GED). Idempotent: a re-import updates "
        "incidents in place by their external id. Prints created/updated/unchanged/skipped/failed counts."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="CSV file to import.")
        parser.add_argument("--format", required=True, choices=sorted(FORMATS), help="The file's dataset format.")
        parser.add_argument("--dry-run", action="store_true", help="Do everything, then roll back: what would happen.")
        parser.add_argument(
            "--row-by-row",
            action="store_true",
            help="Write each row through the services one at a time (slower; the bulk path is the default).",
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="No progress bar (there is none when stderr is not a terminal)."
        )

    def handle(self, *args, path, format, dry_run, row_by_row, no_progress, **options):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file.")
        show = not no_progress and sys.stderr.isatty()
        with (
            file.open("rb") as stream,
            tqdm(total=file.stat().st_size, unit="B", unit_scale=True, disable=not show, desc=file.name) as bar,
        ):
            try:
                summary = import_file(
                    stream,
                    format,
                    dry_run=dry_run,
                    label=f"import {format} {file.name}",
                    on_progress=lambda done: bar.update(done - bar.n),
                    bulk=not row_by_row,
                )
            except ImportFileError as error:
                raise CommandError(f"{path}: {error}") from None
        for line in summary.lines():
            self.stdout.write(line)
