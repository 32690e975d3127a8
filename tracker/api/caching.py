"""Cached answers for every reader who may share them, keyed by the data generation and the
reader's visibility class; conditional GETs answered from the generation alone.

Dashboards, pipelines and the other services this tracker exists for poll the same lists over and
over; between two writes the answer cannot change, so it is served from the response cache
(settings: TRACKER_RESPONSE_CACHE_SECONDS, RESPONSE_CACHE_URL) after one small query that reads
the data generation (tracker.generation), which every committed write moves.

Who shares an answer: what a read returns depends on its reader only through the reader's
visibility class (tracker.models.visibility.visibility_class: the public, or those who may view
unpublished incidents), so an anonymous reader and a token that may not view unpublished
incidents share one cached answer, and every curator shares another — never across classes.

What is cached: a GET answered 200 with a body of at most TRACKER_RESPONSE_CACHE_MAX_BYTES, keyed
by the generation, the class, the full URL (host included: `next` links are absolute) and the
negotiated format. Authentication, permissions, throttles and content negotiation run before the
cache is looked up, so a cached answer is refused exactly when a fresh one would be. Not cached:
the browsable API's HTML (it carries the visitor's CSRF token), streamed exports, and answers
that depend on the clock (the change feed and the removals feed, which hold back their last
seconds).

Conditional GETs: such an answer carries an ETag made of the same key (unless it has its own —
a record's version, which `If-Match` writes compare), and a request whose `If-None-Match` names
the current one is answered 304 with no body, after the same checks, for the one generation
query. Both carry `Vary: Accept, Authorization, Cookie` for the caches between.
"""

import hashlib

from django.core.cache import caches
from django.http import HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.utils.cache import patch_vary_headers

from tracker import conf, generation, release_tables
from tracker.api.pagination import FEED_PARAMS
from tracker.models.visibility import visibility_class

CACHE_ALIAS = "responses"
CACHE_HEADER = "X-Cache"  # HIT or MISS, for clients and benchmarks to tell them apart
# What a shared answer differs by, for the HTTP caches between the tracker and its readers.
VARY = ("Accept", "Authorization", "Cookie")


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
    """Serves GETs from the response cache, shared within a visibility class, and answers
    conditional GETs (first in a view's bases: it wraps the others' `initial`,
    `handle_exception` and `finalize_response` — APIView's public hooks)."""

    #: Actions whose answer depends on the time of the request.
    uncached_actions = ("deleted",)

    def _cache_key(self, request) -> str | None:
        """The key of this request's answer, shared by every reader of its visibility class —
        None when the answer is not to be shared."""
        if (
            request.method != "GET"
            or cache_seconds() <= 0
            or getattr(self, "action", None) in self.uncached_actions
            or any(name in request.query_params for name in (*FEED_PARAMS, "as_of"))
        ):
            return None
        renderer = request.accepted_renderer
        if renderer.media_type.startswith("text/html"):
            # The browsable API's page embeds the visitor's own CSRF token: never shared.
            return None
        # A release never changes: its answers are keyed by it, not by the live data's generation.
        release = release_tables.current()
        if release is not None:
            current = f"r{release.pk}"
        else:
            # A record's history names users too (not in any family): the global generation.
            families = None if getattr(self, "action", None) == "history" else getattr(self, "cache_families", None)
            current = generation.current(families=families)
        if current is None:
            return None
        url = request.build_absolute_uri()
        readers = visibility_class(request.user)
        digest = hashlib.sha256(f"{readers}\n{renderer.format}\n{request.accepted_media_type}\n{url}".encode()).hexdigest()
        return f"tracker:response:{current}:{digest}"

    @staticmethod
    def _etag(key: str) -> str:
        # The generation(s) and the digest: it changes with any write the answer can show, and
        # with the class, URL, format.
        _, _, current, digest = key.split(":")
        return f'"g{current}-{digest[:32]}"'

    def initial(self, request, *args, **kwargs):
        # Authentication, permissions, throttles and negotiation first: they hold for a cached
        # answer as for a fresh one.
        super().initial(request, *args, **kwargs)
        self.response_cache_key = self._cache_key(request)
        if self.response_cache_key is None:
            return
        etag = self._etag(self.response_cache_key)
        if etag in _tags(request.headers.get("If-None-Match", "")):
            not_modified = HttpResponseNotModified(headers={"ETag": etag})
            patch_vary_headers(not_modified, VARY)
            not_modified.from_response_cache = True
            raise _Cached(not_modified)
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
        if not response.has_header("ETag"):  # a record keeps its version's
            response["ETag"] = self._etag(key)
        patch_vary_headers(response, VARY)
        response.render()
        if len(response.content) <= conf.RESPONSE_CACHE_MAX_BYTES:
            headers = {name: value for name, value in response.items() if name != CACHE_HEADER}
            caches[CACHE_ALIAS].set(key, (response.content, headers), cache_seconds())
            response[CACHE_HEADER] = "MISS"
        return response


def _tags(header: str) -> set[str]:
    """The entity tags an If-None-Match header lists (weak ones compared weakly, RFC 9110)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
