"""Issue an API token for a user; the key is printed once, on the last line."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker.models import ApiToken


class Command(BaseCommand):
    help = "Print a new API token for USERNAME (use as 'Authorization: Token <key>'). The key is the last line."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for.")
        parser.add_argument("--read-only", action="store_true", help="Allow only GET/HEAD/OPTIONS.")
        parser.add_argument("--expires-days", type=int, default=None, help="Expire after this many days.")

    def handle(self, *args, username, name, read_only, expires_days, **options):
        try:
            user = get_user_model().objects.get(username=username)
        except get_user_model().DoesNotExist:
            raise CommandError(f"No user named '{username}'.") from None
        if expires_days is not None and expires_days < 1:
            raise CommandError("--expires-days must be at least 1.")
        expires_at = timezone.now() + timedelta(days=expires_days) if expires_days else None
        token, key = ApiToken.issue(user=user, name=name, read_only=read_only, expires_at=expires_at)
        kind = "read-only token" if read_only else "token"
        until = f", expires {expires_at:%Y-%m-%d %H:%MZ}" if expires_at else ""
        self.stderr.write(f"Issued {kind} {token.prefix}… for {username}{until}. It is shown only now:")
        self.stdout.write(key)
