"""`Authorization: Token <key>` against hashed, expirable, optionally read-only tokens."""

from django.utils import timezone
from rest_framework import authentication, exceptions

from tracker.models.auth import ApiToken, hash_token
from tracker.replicas import pin_to_primary, user_wrote_recently


class HashedTokenAuthentication(authentication.TokenAuthentication):
    """DRF's token scheme, looked up by the key's SHA-256 instead of the key itself."""

    keyword = "Token"

    def authenticate_credentials(self, key):
        try:
            token = ApiToken.objects.select_related("user").get(key_hash=hash_token(key))
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
        if user_wrote_recently(token.user_id):  # read its own writes (tracker.replicas)
            pin_to_primary()
        return (token.user, token)
