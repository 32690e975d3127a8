"""API rate limits per scope: `anon` (by client address), `user` (people) and `ingest`
(machine clients in the ingest role), counted in the shared cache so that all workers see the
same counts. A refused request is a 429 with `Retry-After`."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from tracker.proxies import client_address

INGEST_GROUP = "ingest"


def groups_of(user) -> set[str]:
    """The user's group names, read once and kept on the user object (for the request, or with
    a cached token: tracker/api/authentication.py)."""
    groups = getattr(user, "_tracker_groups", None)
    if groups is None:
        groups = user._tracker_groups = set(user.groups.values_list("name", flat=True))
    return groups


def scope_of(request) -> str:
    user = request.user
    if not user or not user.is_authenticated:
        return "anon"
    return "ingest" if INGEST_GROUP in groups_of(user) else "user"


class ScopedUserRateThrottle(SimpleRateThrottle):
    """One throttle, three scopes. Rates are read per request (not at import, as DRF's
    classes do), so settings changes apply at once."""

    def allow_request(self, request, view):
        self.scope = scope_of(request)
        self.rate = api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)
        if self.rate is None or self.rate == "off":  # e.g. behind a gateway that limits rates itself
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_rate(self):
        return None  # set per request in allow_request

    def get_ident(self, request):
        # The one rule for who the client is behind trusted proxies (TRACKER_PROXY_COUNT).
        return client_address(request)

    def get_cache_key(self, request, view):
        ident = request.user.pk if request.user and request.user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
