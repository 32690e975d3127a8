"""Page-number pagination that refuses, rather than silently corrects, bad page parameters;
and the change feed's cursor pages."""

import base64
import binascii
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone
from rest_framework import pagination
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from tracker import conf, instants


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


def _wants_count(request) -> bool:
    raw = request.query_params.get("count")
    if raw is None:
        return False
    if raw not in ("true", "false"):
        raise ValidationError({"count": [f"Must be true or false; got '{raw[:50]}'."]})
    return raw == "true"


# No table here holds 2**62 rows; past that a database's OFFSET overflows (a 500 on SQLite and
# PostgreSQL alike) instead of returning the empty page that is the honest answer.
MAX_OFFSET = 2**62


class StrictPageNumberPagination(pagination.PageNumberPagination):
    """`page` and `page_size` (1..1000). A malformed value is a 400; a page past the end, 404.

    The total is counted only when asked for (`count=true`); otherwise `count` is null and a
    page reads one row more than it serves to know whether there is a next. An exact count
    costs a scan of every match (90 ms on 200,000 SQLite rows, against ~1 ms for the page
    itself), and the services that poll lists all day need `next`, not the total."""

    page_size_query_param = "page_size"
    count_query_param = "count"
    display_page_controls = False  # the browsable API's page links need a total; `next` is in the body

    @property
    def max_page_size(self) -> int:
        return conf.MAX_PAGE_SIZE  # read per request, so a settings override reaches it

    def get_page_size(self, request):
        size = _positive_int(request, self.page_size_query_param)
        if size is None:
            return self.page_size
        if size > self.max_page_size:
            raise ValidationError({self.page_size_query_param: [f"Must be at most {self.max_page_size}."]})
        return size

    def paginate_queryset(self, queryset, request, view=None, rows=None):
        """The page's rows: instances of `queryset`, or what `rows(queryset)` reads (a lean
        list's value rows; the count stays on `queryset`, whose joins are the filters' only)."""
        self.request = request
        self.page_size_used = size = self.get_page_size(request)
        self.number = _positive_int(request, self.page_query_param) or 1
        self.count = queryset.count() if _wants_count(request) else None
        start = (self.number - 1) * size
        if start > MAX_OFFSET or (self.count is not None and start and start >= self.count):
            rows = []  # past the end, without asking the database for an offset it cannot hold
        else:
            rows = list((rows(queryset) if rows else queryset)[start : start + size + 1])
        self.has_next = len(rows) > size
        if self.number > 1 and not rows:
            # `detail` like every other 404, `page` naming the parameter at fault.
            raise NotFound({"detail": self.invalid_page_message, "page": [self.invalid_page_message]})
        return rows[:size]

    invalid_page_message = "Invalid page."

    def get_next_link(self):
        if not self.has_next:
            return None
        return replace_query_param(self.request.build_absolute_uri(), self.page_query_param, self.number + 1)

    def get_previous_link(self):
        if self.number == 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data):
        return Response(
            {"count": self.count, "next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_paginated_response_schema(self, schema):
        response = super().get_paginated_response_schema(schema)
        response["required"] = ["count", "next", "previous", "results"]
        response["properties"]["count"]["nullable"] = True
        response["properties"]["count"]["description"] = "Total matches with `count=true`; otherwise null."
        return response

    def get_schema_operation_parameters(self, view):
        return [
            *super().get_schema_operation_parameters(view),
            {
                "name": self.count_query_param,
                "required": False,
                "in": "query",
                "description": "true: include the total number of matches (`count`), at the cost of counting them.",
                "schema": {"type": "boolean", "default": False},
            },
        ]


# --- The change feed: keyset pages over (updated_at, id) ----------------------------------


def feed_settle_seconds() -> float:
    return float(conf.FEED_SETTLE_SECONDS)


def encode_cursor(instant: datetime, pk: int) -> str:
    return base64.urlsafe_b64encode(f"{instant.isoformat()}|{pk}".encode()).decode().rstrip("=")


def decode_cursor(raw: str, name: str = "cursor") -> tuple[datetime, int]:
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        instant, pk = text.split("|")
        parsed = datetime.fromisoformat(instant)
        if parsed.tzinfo is None or not instants.in_range(parsed):
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
    if isinstance(last, dict):  # value rows (a lean list)
        return rows[:size], encode_cursor(last[field], last["id"])
    return rows[:size], encode_cursor(getattr(last, field), last.pk)


FEED_PARAMS = ("updated_since", "cursor")


class TrackerPagination(StrictPageNumberPagination):
    """Pages by number (with a total) — or, when `updated_since` or `cursor` is given, the change
    feed: ordered by (updated_at, id), cursor pages that neither skip nor repeat a change while
    writes continue, and no total (`count` is null)."""

    def paginate_queryset(self, queryset, request, view=None, rows=None):
        self.feed = any(name in request.query_params for name in FEED_PARAMS)
        if not self.feed:
            return super().paginate_queryset(queryset, request, view, rows)
        if "ordering" in request.query_params:
            raise ValidationError({"ordering": ["The change feed (updated_since, cursor) is ordered by updated_at, id."]})
        if _positive_int(request, self.page_query_param) is not None:
            raise ValidationError({"page": ["The change feed (updated_since, cursor) pages by cursor, not page number."]})
        if _wants_count(request):
            raise ValidationError({"count": ["The change feed (updated_since, cursor) has no total."]})
        self.request = request
        rows, self.next_cursor = keyset_page(
            rows(queryset) if rows else queryset,
            request,
            field="updated_at",
            size=self.get_page_size(request),
            settle=feed_settle_seconds(),
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
        response["properties"]["count"]["description"] = (
            "Total matches with `count=true`; otherwise null, and always null in the change feed (updated_since, cursor)."
        )
        return response
