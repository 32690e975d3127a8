"""Releasing: freezing the public record under a name, so that figures drawn from it can be cited
and checked later (tracker.models.Release; the copy itself: tracker.release_tables)."""

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from tracker import release_tables
from tracker.domain.verdicts import RULES_VERSION, rule_parameters
from tracker.models import Release, VerdictRecompute
from tracker.selectors.releases import contents
from tracker.services import common


@common.operation()
def _freeze(release: Release, user, checksum: Callable[[Release], str], one_snapshot: bool) -> Release:
    if one_snapshot:
        # Every table copied from one snapshot (the default, read committed, takes one per statement).
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    # The instant is read before the transaction's first query, which fixes its snapshot: nothing
    # committed before the instant is missing from the copy.
    release.instant = timezone.now()
    pending = list(
        VerdictRecompute.objects.filter(pending_since__isnull=False)
        .order_by("ceasefire_id")
        .values_list("ceasefire_id", flat=True)
    )
    if pending:
        raise ValidationError(
            {
                "name": f"The verdicts of ceasefire(s) {', '.join(map(str, pending))} are being recomputed: a release would "
                "freeze stale verdicts. Wait for the recompute (or run `manage.py recompute_assessments`) and release again."
            }
        )
    common.save_validated(release, user=user)
    release_tables.create(release.pk)
    with release_tables.reading(release):
        release.counts = contents()
        release.checksum = checksum(release)
    return common.save_validated(release, user=user)


def freeze(name: str, *, user, checksum: Callable[[Release], str], title: str = "") -> Release:
    """Copy every public record and verdict, as they stand now, into a release called `name`,
    and seal it with `checksum(release)` (the SHA-256 of its export, which the representation
    layer computes while the release is being read). One transaction: a release is complete or
    absent. Refused (ValidationError naming the field) for a name in use or malformed, and while
    any ceasefire's verdicts wait for a recompute."""
    release = Release(name=name, title=title, rules_version=RULES_VERSION, rules_parameters=rule_parameters())
    release.full_clean(exclude=["instant", "counts"])
    # Within a caller's transaction (a test's), its isolation cannot change any more.
    one_snapshot = connection.vendor == "postgresql" and not connection.in_atomic_block
    return _freeze(release, user, checksum, one_snapshot)
