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

Answers that prose edits leave alone: a curator's commonest write, an edit of an incident's
prose (`Incident.PROSE_FIELDS`), changes no count, verdict, series or membership — unless the
answer searches text, or filters or orders by `updated_at`. A view's `prose_read(request)` says
what an answer does with prose: PROSE_FREE (aggregates, the compliance series, ceasefires: keyed
by the facts generation of tracker.generation, which such edits leave in place), PROSE_ROWS (a
list that shows prose in its rows but selects and orders without it), or PROSE_READ (the default:
the global generation, or the view's `cache_families`).

A PROSE_ROWS list is keyed by the facts generation and stored with its incidents' ids and
versions; each read checks the versions (one query of the page's ids). All the same: the stored
answer (HIT). Some moved: only those rows are read again (the view's `rows_by_id`), put in
place, and the answer rendered and stored again (REFRESHED). So a write to one incident costs a
reader one row, not the page, and lists without it stay HITs. Their ETag carries the versions.
"""

import hashlib

from django.core.cache import caches
from django.db import connections, router
from django.http import HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.utils.cache import patch_vary_headers
from rest_framework.response import Response

from tracker import conf, generation, release_tables
from tracker.api.pagination import FEED_PARAMS
from tracker.models.visibility import visibility_class

CACHE_ALIAS = "responses"
CACHE_HEADER = "X-Cache"  # HIT, MISS or REFRESHED, for clients and benchmarks to tell them apart
# What an answer does with incidents' prose (a view's `prose_read`): see the module's docstring.
PROSE_READ, PROSE_ROWS, PROSE_FREE = "read", "rows", "free"
# Headers an answer gets anew when it is rendered again from its stored data.
_RENDERED_HEADERS = frozenset({"content-type", "content-length", "etag", CACHE_HEADER.lower()})
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


def _hit(content: bytes, headers: dict) -> HttpResponse:
    response = HttpResponse(content, status=200, headers=headers)
    response[CACHE_HEADER] = "HIT"
    return response


def _answer(response: HttpResponse) -> None:
    """Answer from the cache (a stored answer or a 304): the view stops here."""
    if response.status_code == 304:
        patch_vary_headers(response, VARY)
    response.from_response_cache = True
    raise _Cached(response)


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
        prose = PROSE_READ if release is not None else self.prose_read(request)
        self.rows_checked = prose == PROSE_ROWS
        if release is not None:
            current = f"r{release.pk}"
        elif prose != PROSE_READ:
            facts = generation.current(families=(generation.FACTS,))
            current = None if facts is None else f"f{facts}"
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

    def prose_read(self, request) -> str:
        """What this answer does with incidents' prose: PROSE_READ unless a view says less."""
        return PROSE_READ

    @staticmethod
    def _etag(key: str, versions=None) -> str:
        # The generation(s) and the digest: it changes with any write the answer can show, and
        # with the class, URL, format — and, for a list checked row by row, its rows' versions.
        _, _, current, digest = key.split(":")
        if versions is None:
            return f'"g{current}-{digest[:32]}"'
        rows = hashlib.sha256(repr(versions).encode()).hexdigest()
        return f'"g{current}-{digest[:24]}-{rows[:16]}"'

    def initial(self, request, *args, **kwargs):
        # Authentication, permissions, throttles and negotiation first: they hold for a cached
        # answer as for a fresh one.
        super().initial(request, *args, **kwargs)
        self.response_cache_key = self._cache_key(request)
        if self.response_cache_key is None:
            return
        if self.rows_checked:
            self._serve_checked(request, caches[CACHE_ALIAS].get(self.response_cache_key))
            return
        etag = self._etag(self.response_cache_key)
        if etag in _tags(request.headers.get("If-None-Match", "")):
            _answer(HttpResponseNotModified(headers={"ETag": etag}))
        cached = caches[CACHE_ALIAS].get(self.response_cache_key)
        if cached is not None:
            _answer(_hit(*cached))

    def _serve_checked(self, request, cached) -> None:
        """A list checked row by row: raises _Cached with the stored answer (or 304) if its rows'
        versions stand, or with the answer's data with its moved rows read again; returns (the
        view renders the page) when nothing is stored or a moved row cannot be read again."""
        if cached is None:
            return
        content, headers, ids, versions = cached
        now = row_versions(type(self).queryset.model, ids)
        etag = self._etag(self.response_cache_key, now)
        if etag in _tags(request.headers.get("If-None-Match", "")):
            _answer(HttpResponseNotModified(headers={"ETag": etag}))
        if now == versions:
            _answer(_hit(content, headers))
        moved = [pk for pk, was, is_ in zip(ids, versions, now, strict=True) if was != is_]
        # The answer's data, stored apart so that a HIT does not unpickle a hundred items.
        data = caches[CACHE_ALIAS].get(f"{self.response_cache_key}:rows")
        fresh = {row["id"]: row for row in self.rows_by_id(moved)} if data is not None and None not in now else {}
        if data is None or len(fresh) != len(moved):
            return  # gone meanwhile (its removal moves the facts generation): the page anew
        results = [fresh.get(row["id"], row) for row in data["results"]]
        kept = {name: value for name, value in headers.items() if name.lower() not in _RENDERED_HEADERS}
        self.rows_refreshed = True
        raise _Cached(Response({**data, "results": results}, headers=kept))

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
        rows = None
        if getattr(self, "rows_checked", False):
            data = response.data
            rows = ([row["id"] for row in data["results"]], [row["version"] for row in data["results"]])
            response["ETag"] = self._etag(key, rows[1])
        elif not response.has_header("ETag"):  # a record keeps its version's
            response["ETag"] = self._etag(key)
        patch_vary_headers(response, VARY)
        response.render()
        if len(response.content) <= conf.RESPONSE_CACHE_MAX_BYTES:
            headers = {name: value for name, value in response.items() if name != CACHE_HEADER}
            if rows is None:
                caches[CACHE_ALIAS].set(key, (response.content, headers), cache_seconds())
            else:
                entries = {key: (response.content, headers, *rows), f"{key}:rows": response.data}
                caches[CACHE_ALIAS].set_many(entries, cache_seconds())
            response[CACHE_HEADER] = "REFRESHED" if getattr(self, "rows_refreshed", False) else "MISS"
        return response


def row_versions(model, ids: list[int]) -> list[int | None]:
    """The current version of each of these records, in their order (None: no such row) — one
    query of their primary keys, however the page was filtered."""
    if not ids:
        return []
    table, alias = model._meta.db_table, router.db_for_read(model)
    marks = ", ".join(["%s"] * len(ids))
    with connections[alias].cursor() as cursor:
        cursor.execute(f'SELECT id, version FROM "{table}" WHERE id IN ({marks})', ids)  # nosec B608 - a model's table
        found = dict(cursor.fetchall())
    return [found.get(pk) for pk in ids]


def _tags(header: str) -> set[str]:
    """The entity tags an If-None-Match header lists (weak ones compared weakly, RFC 9110)."""
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
