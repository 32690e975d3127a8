"""Webhooks as the Standard Webhooks scheme defines them (standardwebhooks.com): how a delivery
is signed, when a failed one is tried again, and which answers mean what. Pure: no database, no
network (the sender is tracker/services/webhook_sender.py).

Signing: each subscription has a secret, `whsec_` + base64 of 32 random bytes, shown to its
owner once. A delivery carries `webhook-id` (the event's id, the same on every attempt, so a
receiver can drop duplicates), `webhook-timestamp` (the attempt's Unix time, so a receiver can
refuse replays) and `webhook-signature`: `v1,` + base64 of HMAC-SHA256 over
`<id>.<timestamp>.<body>` with the secret's bytes — one such signature per secret in force,
space-separated, so that while a rotated secret's overlap lasts a receiver holding either one
can verify.
"""

import base64
import hashlib
import hmac
import random
import secrets
from datetime import timedelta

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the scheme asks for 24 to 64

# How long after an event its delivery is still tried: a receiver down for a day still gets it.
RETRY_FOR = timedelta(hours=24)
# The wait before each retry (the scheme's example schedule, shortened to fit a day), each
# spread by up to ±JITTER so that receivers recovering together are not hit together.
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=4),
    timedelta(hours=8),
)
JITTER = 0.2
# A receiver's Retry-After is honoured up to this; beyond it, the schedule's own wait.
RETRY_AFTER_LIMIT = timedelta(hours=6)


def new_secret() -> str:
    """A fresh signing secret in the scheme's serialisation."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix(SECRET_PREFIX))


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64>` signature of the message under `secret`."""
    signed = message_id.encode() + b"." + str(timestamp).encode() + b"." + body
    return "v1," + base64.b64encode(hmac.new(_key(secret), signed, hashlib.sha256).digest()).decode()


def signature_header(secrets_in_force: list[str], message_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` header: a signature per secret in force, newest first."""
    return " ".join(sign(secret, message_id, timestamp, body) for secret in secrets_in_force)


def retry_delay(attempts: int, retry_after: timedelta | None = None, rng: random.Random | None = None) -> timedelta:
    """The wait before the next attempt after `attempts` failed ones: the schedule's, jittered,
    or the receiver's Retry-After when it asks for longer (up to RETRY_AFTER_LIMIT)."""
    base = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    delay = base * (1 + (rng or random).uniform(-JITTER, JITTER))  # nosec B311 - jitter, not a secret
    if retry_after is not None and delay < retry_after <= RETRY_AFTER_LIMIT:
        delay = retry_after
    return delay


def outcome(status: int | None) -> str:
    """What an answer means for a delivery: `delivered` (2xx); `retry` (no answer — a timeout
    or a refused connection — 5xx or 429); `gone` (410: the receiver wants no more, the
    subscription is paused); `failed` (anything else, redirects included: they are not
    followed, the owner fixes the URL)."""
    if status is None or status == 429 or 500 <= status <= 599:
        return "retry"
    if 200 <= status <= 299:
        return "delivered"
    return "gone" if status == 410 else "failed"


# The event types a subscription may ask for (README "Subscriptions").
INCIDENT_CREATED = "incident.created"
INCIDENT_CHANGED = "incident.changed"
INCIDENT_WITHDRAWN = "incident.withdrawn"  # left the subscriber's view: unpublished, rejected, trashed, merged, purged
ASSESSMENT_CHANGED = "assessment.changed"  # a verdict of the incident changed
EVENT_TYPES = (INCIDENT_CREATED, INCIDENT_CHANGED, INCIDENT_WITHDRAWN, ASSESSMENT_CHANGED)


def message_id() -> str:
    """A delivery's `webhook-id`: the same on every attempt (receivers drop duplicates by it)."""
    return "msg_" + secrets.token_urlsafe(18)
