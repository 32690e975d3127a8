"""Page-number pagination that refuses, rather than silently corrects, bad page parameters."""

from django.conf import settings
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError


def _positive_int(request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: [f"A whole number is required; got '{raw[:50]}'."]}) from None
    if value < 1:
        raise ValidationError({name: ["Must be at least 1."]})
    return value


class StrictPageNumberPagination(pagination.PageNumberPagination):
    """`page` and `page_size` (1..1000). A malformed value is a 400; a page past the end, 404."""

    page_size_query_param = "page_size"
    max_page_size = settings.TRACKER_MAX_PAGE_SIZE

    def get_page_size(self, request):
        size = _positive_int(request, self.page_size_query_param)
        if size is None:
            return self.page_size
        if size > self.max_page_size:
            raise ValidationError({self.page_size_query_param: [f"Must be at most {self.max_page_size}."]})
        return size

    def paginate_queryset(self, queryset, request, view=None):
        _positive_int(request, self.page_query_param)
        try:
            return super().paginate_queryset(queryset, request, view)
        except NotFound as exc:
            # `detail` like every other 404, `page` naming the parameter at fault.
            raise NotFound({"detail": str(exc.detail), "page": [str(exc.detail)]}) from None

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["count", "next", "previous", "results"]
        return response
