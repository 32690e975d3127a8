"""Who may do what through the API: Django model permissions, plus public read."""

from django.conf import settings
from rest_framework import permissions

from tracker.models.auth import ApiToken


class TrackerModelPermissions(permissions.DjangoModelPermissions):
    """Writes need the model's add/change/delete permission (a role group gives them).

    Reads are open to everyone while ``TRACKER_PUBLIC_READ`` is true; otherwise they need the
    model's view permission. Read-only tokens may only read.
    """

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
    }

    def has_permission(self, request, view):
        safe = request.method in permissions.SAFE_METHODS
        if safe and settings.TRACKER_PUBLIC_READ:
            return True
        if not safe and isinstance(request.auth, ApiToken) and request.auth.read_only:
            self.message = "This token is read-only."
            return False
        return super().has_permission(request, view)
