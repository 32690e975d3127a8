"""API tokens, stored hashed: the database never holds a usable key."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from tracker.instants import validate_instant
from tracker.models.base import unique


def hash_token(key: str) -> str:
    """SHA-256 of the key. Keys are 40 random bytes, so a fast hash is enough (no dictionary to attack)."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """A bearer token for `Authorization: Token <key>`. Only a hash and a short prefix (to tell
    tokens apart in the admin) are stored; the key is shown once, when issued."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, blank=True, help_text="What the token is for (a service's name).")
    prefix = models.CharField(max_length=8, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)
    read_only = models.BooleanField(default=False, help_text="Only safe methods (GET, HEAD, OPTIONS) are allowed.")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(validators=[validate_instant], null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"
        constraints = [unique("apitoken_key_hash_unique", ["key_hash"], "Token collision; issue again.")]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @classmethod
    def issue(cls, *, user, name: str = "", read_only: bool = False, expires_at=None) -> tuple["ApiToken", str]:
        """Create a token for `user`; return it and the plain key (shown once, never stored)."""
        key = secrets.token_hex(20)
        token = cls.objects.create(
            user=user, name=name, prefix=key[:8], key_hash=hash_token(key), read_only=read_only, expires_at=expires_at
        )
        return token, key


class IdempotencyRecord(models.Model):
    """A create request's response kept under the client's `Idempotency-Key`, so a retry of the
    same request gets the same answer instead of creating again (tracker.api.idempotency).
    `status_code` is null while the first request is still running."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64, help_text="SHA-256 of the method, path and body.")
    status_code = models.PositiveSmallIntegerField(null=True)
    response_body = models.JSONField(null=True)
    response_headers = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [unique("idempotency_user_key_unique", ["user", "key"], "This key is already in use.")]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.key}"
