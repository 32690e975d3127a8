"""Create or update the curator, reviewer and ingest groups. Safe to run any number of times."""

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand

from tracker.roles import ROLES


class Command(BaseCommand):
    help = "Create/refresh the role groups (curator, reviewer, ingest) and their permissions."

    def handle(self, *args, **options):
        for role, codenames in ROLES.items():
            perms = list(Permission.objects.filter(content_type__app_label="tracker", codename__in=codenames))
            missing = codenames - {p.codename for p in perms}
            if missing:
                raise RuntimeError(f"Unknown permissions for {role}: {sorted(missing)} (run migrate first).")
            group, created = Group.objects.get_or_create(name=role)
            group.permissions.set(perms)
            self.stdout.write(f"{'created' if created else 'updated'} group {role}: {len(perms)} permissions")
