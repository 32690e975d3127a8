"""A subscription's filter: a query string of the incident list, read by its own filterset."""

from types import SimpleNamespace

from django.core.exceptions import ValidationError
from django.http import QueryDict

from tracker.api.filter_backends import known_params, param_errors
from tracker.api.filtersets import IncidentFilterSet
from tracker.api.views import IncidentViewSet

# List parameters that do not select incidents: meaningless in a subscription, refused.
NOT_FILTERS = frozenset({"ordering"})


def parsed(text: str) -> QueryDict:
    return QueryDict(text.lstrip("?"))


def validate_filter(text: str, owner) -> None:
    """A 400-worthy error for the `filter` field, naming each bad parameter as the list would:
    unknown, repeated too often, or a value its filter refuses (for what `owner` may see: an id
    of an incident the owner cannot see is refused as the list refuses it)."""
    params = parsed(text)
    errors = param_errors(params, known_params(IncidentFilterSet) - NOT_FILTERS)
    if not errors:
        filterset = filterset_for(params, owner)
        if not filterset.is_valid():
            errors = {name: [str(message) for message in messages] for name, messages in filterset.errors.items()}
    if errors:
        raise ValidationError({"filter": [f"{name}: {' '.join(messages)}" for name, messages in sorted(errors.items())]})


def filterset_for(params: QueryDict, owner, queryset=None) -> IncidentFilterSet:
    """The list's filterset over what `owner` may see (the incidents `queryset` given, or all)."""
    queryset = IncidentViewSet.served_to(owner, detail=False) if queryset is None else queryset
    return IncidentFilterSet(params, queryset=queryset, request=SimpleNamespace(user=owner))
