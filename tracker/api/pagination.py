"""Page-number pagination that refuses, rather than silently corrects, bad page parameters;
and the change feed's cursor pages."""

import base64
import binascii
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param


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


# --- The change feed: keyset pages over (updated_at, id) ----------------------------------


def feed_settle_seconds() -> float:
    return float(getattr(settings, "TRACKER_FEED_SETTLE_SECONDS", 30))


def encode_cursor(instant: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{instant.isoformat()}|{pk}".encode()).decode().rstrip("=")


def decode_cursor(raw: str, name: str = "cursor") -> tuple[datetime, int]:
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        instant, pk = text.split("|")
        parsed = datetime.fromisoformat(instant)
        if parsed.tzinfo is None:
            raise ValueError
        return parsed, int(pk)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ValidationError({name: ["Not a cursor this API gave: pass the `next` link's cursor unchanged."]}) from None


def keyset_page(queryset, request, *, field: str, size: int, settle: float) -> tuple[list, str | None]:
    """One page of `queryset` ordered by (`field`, id) after the request's cursor, and the
    cursor of the next page (None at the end).

    Rows changed within the last `settle` seconds are left for a later page: a write's
    timestamp is taken before its transaction commits, so a row stamped earlier than ones
    already served could still appear, and a cursor that had moved past it would skip it."""
    queryset = queryset.order_by(field, "pk").filter(**{f"{field}__lte": timezone.now() - timedelta(seconds=settle)})
    raw = request.query_params.get("cursor")
    if raw:
        instant, pk = decode_cursor(raw)
        queryset = queryset.filter(Q(**{f"{field}__gt": instant}) | Q(**{field: instant, "pk__gt": pk}))
    rows = list(queryset[: size + 1])
    if len(rows) <= size:
        return rows, None
    last = rows[size - 1]
    return rows[:size], encode_cursor(getattr(last, field), last.pk)


FEED_PARAMS = ("updated_since", "cursor")


class TrackerPagination(StrictPageNumberPagination):
    """Pages by number (with a total) — or, when `updated_since` or `cursor` is given, the change
    feed: ordered by (updated_at, id), cursor pages that neither skip nor repeat a change while
    writes continue, and no total (`count` is null)."""

    def paginate_queryset(self, queryset, request, view=None):
        self.feed = any(name in request.query_params for name in FEED_PARAMS)
        if not self.feed:
            return super().paginate_queryset(queryset, request, view)
        if "ordering" in request.query_params:
            raise ValidationError({"ordering": ["The change feed (updated_since, cursor) is ordered by updated_at, id."]})
        if _positive_int(request, self.page_query_param) is not None:
            raise ValidationError({"page": ["The change feed (updated_since, cursor) pages by cursor, not page number."]})
        self.request = request
        rows, self.next_cursor = keyset_page(
            queryset, request, field="updated_at", size=self.get_page_size(request), settle=feed_settle_seconds()
        )
        return rows

    def get_paginated_response(self, data):
        if not self.feed:
            return super().get_paginated_response(data)
        next_url = None
        if self.next_cursor:
            next_url = replace_query_param(self.request.build_absolute_uri(), "cursor", self.next_cursor)
        return Response({"count": None, "next": next_url, "previous": None, "results": data})

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["nullable"] = True
        response["properties"]["count"]["description"] = "Total matches; null in the change feed (updated_since, cursor)."
        return response
