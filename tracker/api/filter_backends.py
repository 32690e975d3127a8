"""Filtering that never silently ignores what a client asked for."""

from django_filters.rest_framework import DjangoFilterBackend
from rest_framework.exceptions import ValidationError

from tracker import conf

# Query parameters every list endpoint accepts besides its filters; an export (unpaginated)
# takes only `format`, so a page parameter sent to it is refused rather than ignored.
GLOBAL_PARAMS = frozenset({"format"})
PAGE_PARAMS = frozenset({"page", "page_size", "count", "cursor"})


def known_params(filterset_class) -> set[str]:
    """The query parameters a filterset reads."""
    known = set(filterset_class.base_filters)
    for f in filterset_class.base_filters.values():
        # Range-style filters accept suffixed names (e.g. `near` + its own widget parts).
        known |= set(getattr(f, "extra_param_names", ()))
    return known


def param_errors(query_params, known: set[str] | None) -> dict[str, list[str]]:
    """What is wrong with the parameters: a NUL byte, too many values, or (with `known`) a
    name not known — each listed under the parameter's name."""
    errors = {}
    limit = conf.MAX_FILTER_VALUES
    for name, values in query_params.lists():
        if "\x00" in name or any("\x00" in v for v in values):
            errors[name.replace("\x00", "\\x00")] = ["Null characters are not allowed."]
        elif len(values) > limit:
            errors[name] = [f"At most {limit} values may be given ({len(values)} were)."]
        elif known is not None and name not in known:
            errors[name] = [f"Unknown query parameter. Known: {', '.join(sorted(known))}."]
    return errors


class StrictFilterBackend(DjangoFilterBackend):
    """django-filter, plus: an unknown query parameter or a NUL byte in any value is a 400
    naming the parameter (a typo like `kinds=airstrike` must not return everything)."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        action = getattr(view, "action", "list")
        # An action answering from the filtered list, not a page of it (the aggregates), names
        # its own parameters; the filters' are known to it as to the list.
        own = getattr(view, "action_params", {}).get(action)
        known = set(GLOBAL_PARAMS) if action == "export" or own is not None else GLOBAL_PARAMS | PAGE_PARAMS
        refused = getattr(view, "action_refuses", {}).get(action, {})
        if filterset_class is not None:
            known |= known_params(filterset_class) - set(refused)
        known |= set(own or ())
        known |= set(getattr(view, "query_params_known", ()))  # the view's own (as_of)
        strict = action in ("list", "export") or own is not None
        errors = param_errors(request.query_params, known if strict else None)
        errors.update({name: [refused[name]] for name in refused if name in request.query_params})
        if errors:
            raise ValidationError(errors)
        if getattr(view, "detail", False) and not request.query_params:
            # One record by its id, nothing to filter by: building the filterset and its form
            # would cost a write or a record's read ~2 ms for no change to the queryset.
            return queryset
        return super().filter_queryset(request, queryset, view)
