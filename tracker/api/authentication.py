"""`Authorization: Token <key>` against hashed, expirable, optionally read-only tokens.

A token found valid is kept in the shared cache for TRACKER_TOKEN_CACHE_SECONDS (5), with its
user and the user's permissions already read: a service polling the API pays the token lookup,
the `last_used_at` check and the permission queries once per few seconds, not on every request
(they were most of a cached answer's cost to a token reader). Expiry is still checked on every
request. Revoking or changing a token, and changing its user (deactivated, roles or permissions
changed), drops the user's cached tokens at once (`forget`, connected in tracker/apps.py); with
a per-process cache (no CACHE_URL) other processes notice within the cache's seconds.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone
from rest_framework import authentication, exceptions

from tracker import conf
from tracker.api.throttling import groups_of
from tracker.models.auth import ApiToken, hash_token
from tracker.replicas import pin_to_primary, user_wrote_recently


def _cache_key(key_hash: str) -> str:
    return f"tracker:token:{key_hash}"


class HashedTokenAuthentication(authentication.TokenAuthentication):
    """DRF's token scheme, looked up by the key's SHA-256 instead of the key itself."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        digest = hash_token(key)
        seconds = conf.TOKEN_CACHE_SECONDS
        token = cache.get(_cache_key(digest)) if seconds > 0 else None
        if token is None:
            token = self._looked_up(digest)
            if seconds > 0:
                token.user.get_all_permissions()  # read now, kept on the user object with it,
                groups_of(token.user)  # as the throttle's scope is
                cache.set(_cache_key(digest), token, seconds)
        if token.is_expired:
            raise exceptions.AuthenticationFailed("Token has expired.")
        if user_wrote_recently(token.user_id):  # read its own writes (tracker.replicas)
            pin_to_primary()
        return (token.user, token)

    def _looked_up(self, digest: str) -> ApiToken:
        try:
            token = ApiToken.objects.select_related("user").get(key_hash=digest)
        except ApiToken.DoesNotExist:
            raise exceptions.AuthenticationFailed("Invalid token.") from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("User inactive or deleted.")
        if token.is_expired:
            raise exceptions.AuthenticationFailed("Token has expired.")
        # Record use at most once a minute: a busy ingest client should not write on every request.
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token


def forget(sender=None, instance=None, **kwargs) -> None:
    """Drop the cached tokens whose user's rights may have changed: a receiver of ApiToken's
    and the user model's saves and deletes, and of the user–group, user–permission and
    group–permission relations changing (from either side)."""
    if not kwargs.get("action", "post_").startswith("post_"):
        return  # a relation about to change: act once it has
    if isinstance(instance, ApiToken):
        cache.delete(_cache_key(instance.key_hash))
        return
    user_model = get_user_model()
    tokens = ApiToken.objects.all()
    if isinstance(instance, user_model):
        tokens = tokens.filter(user=instance)
    elif kwargs.get("model") is user_model and kwargs.get("pk_set"):  # group.user_set.add(...)
        tokens = tokens.filter(user__in=kwargs["pk_set"])
    elif isinstance(instance, Group):  # the group's permissions changed
        tokens = tokens.filter(user__groups=instance)
    # Else (a permission's groups changed, a relation cleared from its far side): every token.
    cache.delete_many([_cache_key(h) for h in tokens.values_list("key_hash", flat=True)])
