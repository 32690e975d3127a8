"""Who may do what through the API: Django model permissions, plus public read."""

from rest_framework import permissions

from tracker import conf
from tracker.models.auth import ApiToken

# Actions whose permission is not the one their HTTP method implies.
ACTION_PERMS = {
    # History names the curators behind each change: never public.
    "history": ["%(app_label)s.view_%(model_name)s"],
    # Whoever may delete may see the trash and undo a delete.
    "trash": ["%(app_label)s.delete_%(model_name)s"],
    "restore": ["%(app_label)s.delete_%(model_name)s"],
    # A merge moves citations and trashes the duplicate.
    "merge": ["%(app_label)s.change_%(model_name)s", "%(app_label)s.delete_%(model_name)s"],
    # A bulk upsert creates some incidents and updates others.
    "bulk": ["%(app_label)s.add_%(model_name)s", "%(app_label)s.change_%(model_name)s"],
    # Removing for good is the reviewers' call.
    "purge": ["%(app_label)s.purge_%(model_name)s"],
}


class TrackerModelPermissions(permissions.DjangoModelPermissions):
    """Writes need the model's add/change/delete permission (a role group gives them).

    Reads are open to everyone while ``TRACKER_PUBLIC_READ`` is true; otherwise they need the
    model's view permission. History, trash, restore and purge need their own permission
    (ACTION_PERMS) whatever the setting. Read-only tokens may only read.
    """

    perms_map = {
        **permissions.DjangoModelPermissions.perms_map,
        "GET": ["%(app_label)s.view_%(model_name)s"],
        "HEAD": ["%(app_label)s.view_%(model_name)s"],
        "OPTIONS": [],
    }

    def has_permission(self, request, view):
        safe = request.method in permissions.SAFE_METHODS
        if not safe and isinstance(request.auth, ApiToken) and request.auth.read_only:
            self.message = "This token is read-only."
            return False
        action = getattr(view, "action", None)
        if action in ACTION_PERMS:
            if not request.user or not request.user.is_authenticated:
                return False
            model = self._queryset(view).model
            kwargs = {"app_label": model._meta.app_label, "model_name": model._meta.model_name}
            return request.user.has_perms([perm % kwargs for perm in ACTION_PERMS[action]])
        if safe and conf.PUBLIC_READ:
            return True
        return super().has_permission(request, view)


class OwnSubscriptions(permissions.BasePermission):
    """Subscriptions are their owner's: any signed-in account may hold some (the API shows each
    account its own only), as long as it may read the incidents they deliver — everyone while
    ``TRACKER_PUBLIC_READ`` is true, else those with the incident view permission. Read-only
    tokens may only read them."""

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method not in permissions.SAFE_METHODS and isinstance(request.auth, ApiToken) and request.auth.read_only:
            self.message = "This token is read-only."
            return False
        if not conf.PUBLIC_READ and not request.user.has_perm("tracker.view_incident"):
            self.message = "Subscriptions deliver incidents, which this account may not read."
            return False
        return True
