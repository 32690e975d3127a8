"""Print the codebook as Markdown tables, or write them into README between its markers."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from tracker.selectors.codebook import markdown

START, END = "<!-- codebook:start (manage.py codebook --readme README.md) -->", "<!-- codebook:end -->"


def replaced(text: str, tables: str) -> str:
    """`text` with what lies between the markers replaced by `tables`."""
    if START not in text or END not in text:
        raise ValueError(f"the markers {START} and {END} are missing")
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{tables}\n{END}{tail}"


class Command(BaseCommand):
    help = "The codebook (vocabularies, definitions, verdict rules' version and parameters) as Markdown."

    def add_arguments(self, parser):
        parser.add_argument("--readme", help="Rewrite the tables between this file's codebook markers instead.")

    def handle(self, *args, readme=None, **options):
        tables = markdown()
        if readme is None:
            self.stdout.write(tables)
            return
        path = Path(readme)
        try:
            path.write_text(replaced(path.read_text(encoding="utf-8"), tables), encoding="utf-8")
        except (OSError, ValueError) as error:
            raise CommandError(f"{readme}: {error}") from None
        self.stdout.write(f"{readme}: codebook tables written")
