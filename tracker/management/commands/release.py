"""Freeze the public record as a citable release, list the releases, or check one's checksum."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from tracker import release_tables
from tracker.history import Channel, history_context
from tracker.models import Release
from tracker.representation.releases import export_checksum
from tracker.services.releases import freeze


class Command(BaseCommand):
    help = (
        "Freeze every public record and verdict, as they stand now, into a release called NAME, served read-only at "
        "/api/v1/releases/NAME/ (README: Releases). --list shows the releases; --verify NAME recomputes one's checksum."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="The release's name: letters, digits, '.', '_', '-' (e.g. 2026-12).")
        parser.add_argument("--title", default="", help="What the release is, for its citation.")
        parser.add_argument("--user", help="The username the release is recorded as made by.")
        parser.add_argument("--list", action="store_true", help="List the releases.")
        parser.add_argument("--verify", action="store_true", help="Recompute NAME's checksum and compare.")

    def handle(self, *args, name=None, title="", user=None, list=False, verify=False, **options):
        if list:
            for release in Release.objects.all():
                self.stdout.write(
                    f"{release.name}\t{release.instant.isoformat()}\t{release.counts.get('incidents', 0)}\t{release.checksum}"
                )
            return
        if not name:
            raise CommandError("Give the release's NAME (or --list).")
        if verify:
            return self._verify(name)
        actor = None
        if user:
            actor = get_user_model().objects.filter(username=user).first()
            if actor is None:
                raise CommandError(f"--user: no user {user!r}.")
        try:
            with history_context(channel=Channel.COMMAND, reason=f"release {name}", user=actor):
                release = freeze(name, title=title, user=actor, checksum=export_checksum)
        except ValidationError as error:
            raise CommandError(
                "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
            ) from None
        self.stdout.write(
            f"Release {release.name}: {release.counts['incidents']} incidents as of {release.instant.isoformat()}, "
            f"SHA-256 {release.checksum}."
        )

    def _verify(self, name: str) -> None:
        release = Release.objects.filter(name=name).first()
        if release is None:
            raise CommandError(f"No release {name!r}.")
        with release_tables.reading(release):
            found = export_checksum(release)
        if found != release.checksum:
            raise CommandError(f"Release {name}: its export's SHA-256 is {found}, not the {release.checksum} it was sealed with.")
        self.stdout.write(f"Release {name}: checksum {found} verified.")
