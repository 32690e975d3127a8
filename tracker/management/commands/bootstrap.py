"""Make a fresh database ready to use: roles, the Idlib 2020 data and a demo curator.

Idempotent: the fixture is loaded only into an empty database, and existing users are kept.
"""

import os

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from tracker.models import Ceasefire, Incident, Place
from tracker.services.fixtures import load_fixture

DEV_PASSWORD = "idlib-2020-demo"


class Command(BaseCommand):
    help = "Create roles, load fixtures/idlib_2020.json into an empty database, and create a demo curator."

    def add_arguments(self, parser):
        parser.add_argument("--fixture", default="fixtures/idlib_2020.json")
        parser.add_argument("--no-demo-user", action="store_true")

    @transaction.atomic
    def handle(self, *args, fixture, no_demo_user, **options):
        call_command("setup_roles", stdout=self.stdout)
        if Incident.objects.exists() or Place.objects.exists() or Ceasefire.objects.exists():
            self.stdout.write("Data already present: fixture not loaded again.")
        else:
            load_fixture(fixture, stdout=self.stdout)
            # Fixtures load raw rows; verdicts are derived data, computed here.
            call_command("recompute_assessments", stdout=self.stdout)
        if not no_demo_user:
            self._demo_user()

    def _demo_user(self):
        from django.conf import settings

        username = os.environ.get("DJANGO_SUPERUSER_USERNAME") or os.environ.get("TRACKER_DEMO_USERNAME", "curator")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD") or os.environ.get("TRACKER_DEMO_PASSWORD")
        if not password:
            if not settings.DEBUG:
                raise CommandError("Set TRACKER_DEMO_PASSWORD (or pass --no-demo-user) when DJANGO_DEBUG is false.")
            password = DEV_PASSWORD
        User = get_user_model()
        user, created = User.objects.get_or_create(username=username, defaults={"is_staff": True})
        if created:
            user.set_password(password)
            user.save()
        user.groups.add(Group.objects.get(name="curator"))
        if created or user.check_password(password):
            self.stdout.write(f"Demo curator {'created' if created else 'ready'}: username '{username}', password '{password}'")
        else:
            self.stdout.write(f"Demo curator '{username}' exists with a password changed since; it was left as is.")
        self.stdout.write("Admin: /admin/  API: /api/v1/  Docs: /api/docs/")
