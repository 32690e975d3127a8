"""Cached answers for anonymous reads, keyed by the data generation.

Public dashboards and pipelines poll the same lists over and over; between two writes the
answer cannot change, so it is served from the response cache (settings:
TRACKER_RESPONSE_CACHE_SECONDS, RESPONSE_CACHE_URL) after one small query that reads the data
generation (tracker.generation), which every committed write moves.

What is cached: a GET by an anonymous client (everyone anonymous sees the same rows), answered
200 with a body of at most TRACKER_RESPONSE_CACHE_MAX_BYTES, keyed by the generation, the full
URL (host included: `next` links are absolute) and the negotiated format. Authentication,
permissions, throttles and content negotiation run before the cache is looked up, so a cached
answer is refused exactly when a fresh one would be. Not cached: anything an authenticated
client asks (what it may see depends on its role), the browsable API's HTML (it carries the
visitor's CSRF token), streamed exports, and answers that depend on the clock (the change feed
and the removals feed, which hold back their last seconds).
"""

import hashlib

from django.core.cache import caches
from django.http import HttpResponse, StreamingHttpResponse

from tracker import conf, generation
from tracker.api.pagination import FEED_PARAMS

CACHE_ALIAS = "responses"
CACHE_HEADER = "X-Cache"  # HIT or MISS, for clients and benchmarks to tell them apart


def cache_seconds() -> int:
    return int(conf.RESPONSE_CACHE_SECONDS)


class _Cached(Exception):
    """A stored answer found in `initial`: raised so that the handler does not run, answered by
    `handle_exception` (DRF's documented hook for turning what `initial` raises into a response,
    as it does for a refused permission)."""

    def __init__(self, response: HttpResponse):
        super().__init__("served from the response cache")
        self.response = response


class CachedReadsMixin:
    """Serves anonymous GETs from the response cache (first in a view's bases: it wraps the
    others' `initial`, `handle_exception` and `finalize_response` — APIView's public hooks)."""

    #: Actions whose answer depends on the time of the request.
    uncached_actions = ("deleted",)

    def _cache_key(self, request) -> str | None:
        if (
            request.method != "GET"
            or cache_seconds() <= 0
            or request.user.is_authenticated
            or getattr(self, "action", None) in self.uncached_actions
            or any(name in request.query_params for name in FEED_PARAMS)
        ):
            return None
        current = generation.current()
        if current is None:
            return None
        renderer = request.accepted_renderer
        if renderer.media_type.startswith("text/html"):
            # The browsable API's page embeds the visitor's own CSRF token: never shared.
            return None
        url = request.build_absolute_uri()
        digest = hashlib.sha256(f"{renderer.format}\n{request.accepted_media_type}\n{url}".encode()).hexdigest()
        return f"tracker:response:{current}:{digest}"

    def initial(self, request, *args, **kwargs):
        # Authentication, permissions, throttles and negotiation first: they hold for a cached
        # answer as for a fresh one.
        super().initial(request, *args, **kwargs)
        self.response_cache_key = self._cache_key(request)
        if self.response_cache_key is None:
            return
        cached = caches[CACHE_ALIAS].get(self.response_cache_key)
        if cached is not None:
            content, headers = cached
            response = HttpResponse(content, status=200, headers=headers)
            response[CACHE_HEADER] = "HIT"
            response.from_response_cache = True
            raise _Cached(response)

    def handle_exception(self, exc):
        if isinstance(exc, _Cached):
            return exc.response
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        key = getattr(self, "response_cache_key", None)
        if key is None or getattr(response, "from_response_cache", False):
            return response
        if response.status_code != 200 or isinstance(response, StreamingHttpResponse):
            return response
        response.render()
        if len(response.content) <= conf.RESPONSE_CACHE_MAX_BYTES:
            headers = {name: value for name, value in response.items() if name != CACHE_HEADER}
            caches[CACHE_ALIAS].set(key, (response.content, headers), cache_seconds())
            response[CACHE_HEADER] = "MISS"
        return response
