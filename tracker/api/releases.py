"""/api/v1/releases/: the citable releases, and each release's records served read-only with the
live API's own viewsets, filters, aggregates and exports.

A release's routes are the live routes' read actions under `releases/NAME/` (`released_router`):
each viewset is subclassed with `ReleasedReadsMixin`, which answers only GET (405 otherwise),
keeps only the read actions (`RELEASED_ACTIONS`), and runs the whole request — rendering and a
streamed body included — inside `release_tables.reading`, so every query reads the release's
frozen tables. The response cache keys such answers by the release, which never changes.
"""

from contextlib import ExitStack

from django.http import HttpResponse, StreamingHttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import MethodNotAllowed, NotFound
from rest_framework.routers import SimpleRouter

from tracker import release_tables
from tracker.api import views
from tracker.api.caching import CachedReadsMixin
from tracker.models import Release
from tracker.models.releases import RELEASE_NAME
from tracker.representation import releases as release_texts
from tracker.representation import serializers
from tracker.selectors.releases import served, served_named

# What a release serves of each resource: its reads (history, trash, feeds and name resolution
# read what a release does not hold).
RELEASED_ACTIONS = {"list", "retrieve", "export", "aggregate", "compliance"}
RELEASE_PARAMETER = OpenApiParameter(
    "release",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The release's name (GET /api/v1/releases/).",
    # README's example (and the release the fuzzer's database holds: .ci/fuzz).
    examples=[OpenApiExample("A release of the Idlib 2020 data", value="idlib-2020")],
)
CFF_MEDIA_TYPE = "application/yaml; charset=utf-8"


class ReadOnlyMixin:
    """405 to any write, whoever asks (not 401 or 403 first: no one may write a release)."""

    http_method_names = ["get", "head", "options"]

    def initial(self, request, *args, **kwargs):
        if request.method.lower() not in self.http_method_names:
            raise MethodNotAllowed(request.method)
        super().initial(request, *args, **kwargs)


class ReleasedReadsMixin(ReadOnlyMixin):
    """A live viewset's reads, answered from the release named in the URL (first in the bases)."""

    release: Release | None = None
    as_of_actions = ()
    as_of_refused = "A release is one instant already: read it without as_of (or the live API with it)."

    @classmethod
    def get_extra_actions(cls):
        return [a for a in super().get_extra_actions() if a.__name__ in RELEASED_ACTIONS]

    def dispatch(self, request, *args, release=None, **kwargs):
        self.release = served_named(release)  # read live, before the switch
        if self.release is None:
            return super().dispatch(request, *args, **kwargs)  # refused in check_permissions
        # The release keys the cached answers at once; its tables are switched in only once the
        # cache has missed (`initial`), so a cached answer costs no transaction.
        self._tables = ExitStack()
        with release_tables.named(self.release), self._tables:
            response = super().dispatch(request, *args, **kwargs)
            if isinstance(response, StreamingHttpResponse):
                response.streaming_content = release_tables.streamed(self.release, response.streaming_content)
            elif not getattr(response, "is_rendered", True):
                response.render()  # the browsable API's forms query too
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # method, authentication, permissions, the cache
        if self.release is not None:
            self._tables.enter_context(release_tables.reading(self.release))

    def check_permissions(self, request):
        super().check_permissions(request)  # who may read at all, first: a name is not probed anonymously
        if self.release is None:
            raise NotFound("No release of that name (GET /api/v1/releases/ lists them).")


def _released(viewset: type) -> type:
    name = f"Released{viewset.__name__}"
    released = type(name, (ReleasedReadsMixin, viewset), {"__doc__": f"{viewset.__doc__}\n\nAs frozen in a release."})
    return extend_schema(parameters=[RELEASE_PARAMETER], tags=["releases"])(released)


RELEASED_VIEWSETS = {
    "incidents": views.IncidentViewSet,
    "ceasefires": views.CeasefireViewSet,
    "places": views.PlaceViewSet,
    "parties": views.PartyViewSet,
    "sources": views.SourceViewSet,
    "reports": views.ReportViewSet,
    "citations": views.CitationViewSet,
    "assessments": views.AssessmentViewSet,
}

released_router = SimpleRouter()
for prefix, viewset in RELEASED_VIEWSETS.items():
    basename = released_router.get_default_basename(viewset)
    released_router.register(prefix, _released(viewset), basename=f"release-{basename}")


class ReleasedViolationsView(ReleasedReadsMixin, views.CeasefireViolationsView):
    """Incidents that violate, or possibly violate, one ceasefire, as frozen in a release."""


ReleasedViolationsView = extend_schema(parameters=[RELEASE_PARAMETER], tags=["releases"])(ReleasedViolationsView)


@extend_schema_view(
    list=extend_schema(summary="List the releases", tags=["releases"]),
    retrieve=extend_schema(summary="Get a release: what it holds, its checksum and how to cite it", tags=["releases"]),
)
class ReleaseViewSet(ReadOnlyMixin, CachedReadsMixin, viewsets.ReadOnlyModelViewSet):
    """Citable releases (`manage.py release NAME`), newest first: each a frozen copy of every
    public record and verdict at its instant, served read-only under its `links`."""

    queryset = Release.objects.none()  # the model, for permissions and the schema
    serializer_class = serializers.ReleaseSerializer
    lookup_field = "name"
    lookup_value_regex = RELEASE_NAME
    filter_backends: list = []

    def get_queryset(self):
        return served()

    uncached_actions = ("citation",)  # a file, not a rendered answer

    @extend_schema(
        summary="A release's CITATION.cff",
        description="The release as a Citation File Format 1.2.0 file (a dataset: title, version = the release's "
        "name, date released, publisher, the export's URL and SHA-256), for reference managers and repositories.",
        # A YAML mapping (what YAML readers, schemathesis among them, make of the file).
        responses={(200, "application/yaml"): OpenApiTypes.OBJECT},
        tags=["releases"],
    )
    @action(detail=True, methods=["get"], url_path="CITATION.cff", url_name="citation", pagination_class=None)
    def citation(self, request, name=None):
        release = self.get_object()
        links = serializers.release_links(request, release)
        text = release_texts.citation_cff(release, links["self"], links["export"])
        response = HttpResponse(text, content_type=CFF_MEDIA_TYPE)
        response["Content-Disposition"] = 'inline; filename="CITATION.cff"'
        return response
