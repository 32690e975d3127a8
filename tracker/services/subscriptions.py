"""Writes to subscriptions (tracker/models/subscriptions.py): creating one issues its signing
secret, shown once; rotating issues a new one while the old keeps signing for an overlap.

A subscription's filter is checked by whoever reads filters — the webhooks interface registers
the incident list's own filterset in `FILTER_CHECKS` (tracker/apps.py) — so a filter the list
would refuse is refused here, naming the parameter, whichever interface wrote it.
"""

from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from tracker import conf
from tracker.domain import webhooks
from tracker.models import Subscription, SubscriptionSecret
from tracker.services import common, webhook_sender

# (filter text, owner) → None, or a ValidationError on `filter`.
FILTER_CHECKS: list[Callable[[str, Any], None]] = []


def checked(data: Mapping[str, Any], owner) -> dict:
    """`data` if its target URL and filter may be written for `owner`; else a ValidationError
    naming the field (the admin's form asks before saving, as the API's serializer does)."""
    data = dict(data)
    if "target_url" in data:
        try:
            webhook_sender.check_url(data["target_url"])
        except webhook_sender.TargetRefused as error:
            raise ValidationError({"target_url": str(error)}) from error
    if "filter" in data:
        for check in FILTER_CHECKS:
            check(data["filter"], owner)
    return data


def _issue_secret(subscription: Subscription) -> str:
    secret = webhooks.new_secret()
    SubscriptionSecret.objects.create(subscription=subscription, secret=secret, created_at=timezone.now())
    return secret


@common.operation()
def subscription_create(*, data: Mapping[str, Any], user) -> Subscription:
    """A new subscription of `data["owner"]` (the writer by default), with its signing secret
    in `issued_secret` (not stored on the subscription: shown to the owner once)."""
    owner = data.get("owner") or user
    held = Subscription.all_objects.filter(owner=owner).count()
    if held >= conf.WEBHOOK_MAX_SUBSCRIPTIONS:
        raise ValidationError(
            {"owner": f"At most {conf.WEBHOOK_MAX_SUBSCRIPTIONS} subscriptions per owner (TRACKER_WEBHOOK_MAX_SUBSCRIPTIONS)."}
        )
    subscription = common.create(Subscription, data={**checked(data, owner), "owner": owner}, user=user)
    subscription.issued_secret = _issue_secret(subscription)
    return subscription


@common.operation()
def subscription_update(*, subscription: Subscription, data: Mapping[str, Any], user, expected_version=None) -> Subscription:
    """Change a subscription; resuming one (`active` true) clears why it was paused."""
    data = checked(data, subscription.owner)
    if data.get("active") and not subscription.active:
        data["paused_reason"] = ""
    return common.update(subscription, data=data, user=user, expected_version=expected_version)


class Rotated(NamedTuple):
    secret: str  # the new one, shown this once
    previous_expire_at: Any  # when the secrets it replaces stop signing


@common.operation()
def rotate_secret(*, subscription: Subscription, user, overlap: timedelta | None = None) -> Rotated:
    """A new signing secret; the ones in force keep signing beside it for `overlap` (default
    TRACKER_WEBHOOK_SECRET_OVERLAP_HOURS), so the receiver can switch without losing a delivery."""
    overlap = overlap if overlap is not None else timedelta(hours=conf.WEBHOOK_SECRET_OVERLAP_HOURS)
    now = timezone.now()
    ends = now + overlap  # for every secret in force, however long its own overlap had to run
    in_force = Q(expires_at=None) | Q(expires_at__gt=ends)
    SubscriptionSecret.objects.filter(in_force, subscription=subscription).update(expires_at=ends)
    common.update(subscription, data={}, user=user)  # in its history: when the secret was rotated, by whom
    return Rotated(_issue_secret(subscription), ends)


def subscription_delete(*, subscription: Subscription, user, expected_version=None) -> None:
    """To the trash: no more deliveries (restorable, with its secrets and log)."""
    common.delete(subscription, user=user, expected_version=expected_version)


SUBSCRIPTIONS = common.Writes(
    create=subscription_create, update=subscription_update, delete=subscription_delete, instance_kwarg="subscription"
)
