"""Which subscriptions the changed incidents match, without a query per subscription.

A subscription matches an incident when the incident list, read by the subscription's owner
with the subscription's filter, would include it. So the match is the list's own filterset,
run over the changed incidents only: each subscription's filtered queryset, restricted to their
ids, and all of them (a chunk at a time) in one UNION ALL query that answers (subscription,
incident) pairs. Before that, the filters' plain terms (kind, status) are checked against the
incidents in Python, so a subscription that cannot match any of them costs nothing — with many
subscriptions most do not. tests/test_subscription_matching.py holds the answer equal to
reading the list, over random incidents and filters.
"""

from collections import defaultdict
from collections.abc import Iterable

from django.db.models import IntegerField, Value

from tracker.models import Incident, Subscription
from tracker.models.visibility import visibility_class
from tracker.webhooks.filters import filterset_for, parsed

CHUNK = 100  # subscriptions per query: SQLite allows at most 500 terms in a compound SELECT
# Filter terms on the incident's own fields, checked in Python first (the same comparison).
PLAIN_TERMS = ("kind", "status")


def _could_match(params, incidents: list[Incident]) -> list[int]:
    wanted = {term: set(params.getlist(term)) for term in PLAIN_TERMS if params.getlist(term)}
    return [i.pk for i in incidents if all(getattr(i, term) in values for term, values in wanted.items())]


def matches(
    subscriptions: Iterable[Subscription], incidents: list[Incident], invalid: dict[int, str] | None = None
) -> dict[int, set[int]]:
    """Subscription id → the ids of these (live) incidents its owner would read in its list.
    A filter the list would refuse now (it was valid when written: a place or party it names
    has gone since) matches nothing; with `invalid`, its subscription id → what is wrong.

    Subscriptions with the same filter whose owners see the same incidents (one visibility
    class) share one answer: the filter is evaluated once for all of them."""
    groups: dict[tuple, list[Subscription]] = defaultdict(list)
    for subscription in subscriptions:
        params = parsed(subscription.filter)
        terms = tuple(sorted((name, tuple(values)) for name, values in params.lists()))
        groups[terms, visibility_class(subscription.owner)].append(subscription)
    queries, members = [], []
    for group in groups.values():
        first = group[0]
        params = parsed(first.filter)
        ids = _could_match(params, incidents)
        if not ids:
            continue
        base = Incident.objects.filter(pk__in=ids).visible_to(first.owner)
        filterset = filterset_for(params, first.owner, queryset=base)
        if not filterset.is_valid():
            if invalid is not None:
                problem = "; ".join(
                    f"{name}: {' '.join(map(str, messages))}" for name, messages in sorted(filterset.errors.items())
                )
                invalid.update((subscription.pk, problem) for subscription in group)
            continue
        queries.append(filterset.qs.order_by().values_list(Value(len(members), output_field=IntegerField()), "pk"))
        members.append(group)
    found = defaultdict(set)
    for start in range(0, len(queries), CHUNK):
        chunk = queries[start : start + CHUNK]
        union = chunk[0].union(*chunk[1:], all=True) if len(chunk) > 1 else chunk[0]
        for group_index, incident_id in union:
            for subscription in members[group_index]:
                found[subscription.pk].add(incident_id)
    return found
