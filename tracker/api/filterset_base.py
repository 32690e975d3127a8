"""The base of every FilterSet, with the one piece of django-filter's internals it relies on.

`TrackerFilterSet.__init__` replaces django-filter's (without calling it): building a FilterSet
per request deep-copies every filter — its form field, widget, choices and queryset — and then
creates a new form class: ~1,300 deepcopy calls, a fifth of the incident list's CPU. A filter's
only per-request state is the `model` and `parent` set below, so a shallow copy of each does,
and the form class is made once per FilterSet class. It depends on what django-filter's own
`__init__` sets (`is_bound`, `data`, `queryset`, `request`, `form_prefix`, `filters`);
tests/test_framework_fences.py pins the django-filter version it was written against, so an
upgrade re-reads this module first.
"""

import copy

import django_filters
from django.http import QueryDict

from tracker.api.filter_fields import InstantFilter

# The django-filter release whose FilterSet.__init__ this module stands in for.
WRITTEN_FOR_DJANGO_FILTER = "26.2"


def declared_only(model, **options) -> type:
    """A FilterSet's Meta: its model, and only the filters declared on the class — none generated
    from the model's fields (every public filter is written out, with its help text)."""
    return type("Meta", (), {"model": model, "fields": [], **options})


class TrackerFilterSet(django_filters.FilterSet):
    """Filters every list has: what changed since an instant (for clients keeping a copy).

    Built per request more cheaply than django-filter's default, which deep-copies every filter
    (its form field, widget, choices and queryset) and then creates a new form class: ~1,300
    deepcopy calls, a fifth of the incident list's CPU. A filter's only per-request state is the
    `model` and `parent` set below, so a shallow copy of each does; the form class is made once
    per FilterSet class (its form instances still deep-copy their fields, as every Django form)."""

    updated_since = InstantFilter(field_name="updated_at", lookup_expr="gte", help_text="Changed at or after this instant.")

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: copy.copy(filter_) for name, filter_ in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = queryset.model
            filter_.parent = self
            if filter_.method:
                filter_.method = filter_.method  # rebinds its FilterMethod to this copy

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            # Id filters of incidents (and what hangs off them) accept only ids the requesting
            # user may see (tracker.models.visibility): set on this request's own form fields.
            user = getattr(self.request, "user", None)
            for name, filter_ in self.filters.items():
                if getattr(filter_, "per_user", False) and name in form.fields:
                    form.fields[name].queryset = form.fields[name].queryset.visible_to(user)
        return self._form

    def get_form_class(self):
        form_class = type(self).__dict__.get("_form_class")
        if form_class is None:
            form_class = super().get_form_class()
            type(self)._form_class = form_class
        return form_class
