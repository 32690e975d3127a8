"""Thin viewsets: a queryset with its joins, a serializer, a filterset, and the service that
writes. Nothing here knows a business rule."""

from datetime import timedelta

from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, mixins, permissions, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.settings import api_settings
from rest_framework.utils.urls import replace_query_param

from tracker import conf
from tracker.api import filtersets
from tracker.api.as_of import AsOfMixin
from tracker.api.caching import PROSE_FREE, PROSE_READ, PROSE_ROWS, CachedReadsMixin
from tracker.api.exceptions import Merged
from tracker.api.idempotency import IdempotentCreateMixin, idempotent
from tracker.api.mixins import HistoryMixin, TrashMixin, VersionedWritesMixin
from tracker.api.pagination import decode_cursor, encode_cursor, feed_settle_seconds
from tracker.api.renderers import ACLEDRenderer, CSVRenderer, GEDRenderer, GeoJSONRenderer, NDJSONRenderer
from tracker.api.versioning import IF_MATCH
from tracker.choices import Verdict
from tracker.domain.names import transliteration_key
from tracker.models import Assessment, Ceasefire, Citation, Declaration, Incident, Party, Place, Report, Source
from tracker.models.assessments import effective_verdict_in
from tracker.representation import dataset_exports, incident_csv, incident_json, incident_rows, serializers
from tracker.representation.export import export_response
from tracker.representation.incident_rows import iso
from tracker.representation.links import hide_unseen_links
from tracker.selectors import aggregates, codebook
from tracker.selectors.changes import removed_incidents
from tracker.selectors.compliance import compliance, parse_basis
from tracker.selectors.duplicates import duplicates_of, merged_target
from tracker.selectors.places import resolve
from tracker.selectors.visibility import visible_statuses
from tracker.services import assessments, gazetteer, incidents, sources
from tracker.services import ceasefires as ceasefire_services
from tracker.services.common import Writes
from tracker.services.incident_bulk import incident_bulk_upsert
from tracker.services.provenance import CLAIM_RELATED

# Set on answers that rest on a ceasefire's verdicts while those are being recomputed.
PENDING_HEADER = "Verdicts-Pending-Since"

# Actions that serve many incidents: light serializer and citations, strict filters.
LIST_ACTIONS = ("list", "trash", "export", "aggregate")
# Export formats the database writes itself on PostgreSQL (None elsewhere: Python writes them).
DATABASE_WRITTEN = {"csv": incident_csv.stream, "ndjson": incident_json.ndjson_stream}
WITH_GEOJSON = [*api_settings.DEFAULT_RENDERER_CLASSES, GeoJSONRenderer]


class ListFormatsMixin:
    """CSV and GeoJSON are list formats (and the export's own): one record, its history or an
    action's answer stays JSON."""

    def get_renderers(self):
        renderers = super().get_renderers()
        if getattr(self, "action", None) in ("list", "export", "aggregate"):
            return renderers
        return [r for r in renderers if not isinstance(r, CSVRenderer | GeoJSONRenderer)]


class ServiceModelViewSet(
    AsOfMixin,
    CachedReadsMixin,
    ListFormatsMixin,
    IdempotentCreateMixin,
    VersionedWritesMixin,
    HistoryMixin,
    viewsets.ModelViewSet,
):
    """A ModelViewSet whose writes call service functions, guarded by If-Match.

    Subclasses set `writes` (the resource's service functions, tracker.services.common.Writes);
    `nested` maps a serializer's list fields (aliases, parties...) to the service's keyword for them.
    """

    writes: Writes

    nested: dict[str, str] = {}

    def _split(self, validated: dict) -> tuple[dict, dict]:
        data, extra = dict(validated), {}
        for field, kwarg in self.nested.items():
            if field in data:
                extra[kwarg] = data.pop(field)
        return data, extra

    def perform_create(self, serializer):
        data, extra = self._split(serializer.validated_data)
        serializer.instance = self.writes.create(data=data, user=self.request.user, **extra)

    def perform_update(self, serializer):
        data, extra = self._split(serializer.validated_data)
        instance = self.writes.update_instance(
            serializer.instance,
            data=data,
            user=self.request.user,
            expected_version=self.expected_version,
            **extra,
        )
        # Re-read so nested lists reflect the write (prefetch caches are stale).
        serializer.instance = self.get_queryset().get(pk=instance.pk)

    def perform_destroy(self, instance):
        self.writes.delete_instance(instance, user=self.request.user, expected_version=self.expected_version)


def query_params(request, serializer_class) -> dict:
    """An action's query parameters, validated by `serializer_class`; an unknown one is a 400
    naming it, like the list filters'."""
    known = {*serializer_class().fields, "format"}
    unknown = sorted(set(request.query_params) - known)
    if unknown:
        raise ValidationError({name: [f"Unknown query parameter. Known: {', '.join(sorted(known))}."] for name in unknown})
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return query.validated_data


@extend_schema_view(list=extend_schema(summary="List parties"), retrieve=extend_schema(summary="Get a party"))
class PartyViewSet(ServiceModelViewSet):
    """Parties to conflicts: states, armed forces, groups, coalitions, international bodies."""

    # Its answers show parties only: incident writes leave them cached (tracker/generation.py).
    cache_families = ("parties",)
    queryset = Party.objects.select_related("parent").prefetch_related("aliases")
    serializer_class = serializers.PartySerializer
    filterset_class = filtersets.PartyFilterSet
    writes = gazetteer.PARTIES
    nested = {"aliases": "aliases"}


@extend_schema_view(list=extend_schema(summary="List places"), retrieve=extend_schema(summary="Get a place"))
class PlaceViewSet(TrashMixin, ServiceModelViewSet):
    """The gazetteer: places in their administrative hierarchy, with every spelling."""

    # Its answers show places and their names only: incident writes leave them cached.
    cache_families = ("places",)
    queryset = Place.objects.select_related("parent").prefetch_related("alternate_names")
    renderer_classes = WITH_GEOJSON
    serializer_class = serializers.PlaceSerializer
    filterset_class = filtersets.PlaceFilterSet
    writes = gazetteer.PLACES
    nested = {"alternate_names": "alternate_names"}

    @extend_schema(
        summary="Resolve a place name, whatever its spelling",
        parameters=[serializers.ResolveQuerySerializer],
        responses={200: serializers.ResolveSerializer},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def resolve(self, request):
        """Ranked candidates for a place name as a report spells it: the same name (score 1),
        another transliteration of it (0.9-0.99: case, diacritics, apostrophes and ayn/hamza
        marks, hyphens, the article al-/an-/ash-/el-, doubled letters and vowels ignored), or,
        with `similar`, places whose names are close (below 0.9: suggestions, not matches)."""
        query = query_params(request, serializers.ResolveQuerySerializer)
        results = resolve(query["name"], country=query.get("country"), limit=query["limit"], similar=query["similar"])
        body = {"name": query["name"], "key": transliteration_key(query["name"]), "results": results}
        return Response(serializers.ResolveSerializer(body).data)


@extend_schema_view(list=extend_schema(summary="List ceasefires"), retrieve=extend_schema(summary="Get a ceasefire"))
class CeasefireViewSet(ServiceModelViewSet):
    """Ceasefires with the parties they concern and each party's declared start."""

    queryset = Ceasefire.objects.select_related("scope", "zone", "verdict_recompute").prefetch_related(
        Prefetch("party_roles", queryset=Ceasefire.parties.through.objects.select_related("party", "committed_by", "area")),
        Prefetch("declarations", queryset=Declaration.objects.select_related("party")),
        "lifecycle",
    )
    serializer_class = serializers.CeasefireSerializer
    filterset_class = filtersets.CeasefireFilterSet
    writes = ceasefire_services.CEASEFIRES
    nested = {"party_roles": "parties", "lifecycle": "lifecycle"}

    def get_queryset(self):
        if getattr(self, "action", None) == "compliance":
            # The series reads the ceasefire's own columns, its ledger, its pending recompute and
            # its lifecycle (where it ends), not its parties or declarations: one query and one
            # prefetch instead of one and three (a declared basis reads its declaration itself).
            return Ceasefire.objects.select_related("compliance_ledger", "verdict_recompute").prefetch_related("lifecycle")
        return super().get_queryset()

    def prose_read(self, request) -> str:
        # Ceasefires and their compliance series show no incident's prose; their history is history.
        return PROSE_READ if self.action == "history" else PROSE_FREE

    @extend_schema(
        summary="Compliance before and after the start",
        parameters=[serializers.ComplianceQuerySerializer],
        responses={200: serializers.ComplianceSerializer},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def compliance(self, request, pk=None):
        """Daily counts of hostile incidents in the zone, by verdict and kind, for `days` local
        days before and after the start (curated, or a party's declared start), with the
        before/after daily rates and counts by perpetrator."""
        query = query_params(request, serializers.ComplianceQuerySerializer)
        ceasefire = self.get_object()
        basis = parse_basis(ceasefire, query["basis"])
        data = compliance(ceasefire, days=query["days"], basis=basis, statuses=visible_statuses(request.user))
        response = Response(serializers.ComplianceSerializer(data).data)
        if data["verdicts_pending_since"] is not None:
            response[PENDING_HEADER] = iso(data["verdicts_pending_since"])
        return response


@extend_schema_view(list=extend_schema(summary="List sources"), retrieve=extend_schema(summary="Get a source"))
class SourceViewSet(ServiceModelViewSet):
    """Outlets and organisations that report or claim incidents."""

    # Sources, with the parties they are affiliated or aligned with.
    cache_families = ("sources", "parties")
    queryset = Source.objects.select_related("affiliated_party")
    serializer_class = serializers.SourceSerializer
    filterset_class = filtersets.SourceFilterSet
    writes = sources.SOURCES


@extend_schema_view(list=extend_schema(summary="List reports"), retrieve=extend_schema(summary="Get a report"))
class ReportViewSet(TrashMixin, ServiceModelViewSet):
    """Documents (articles, statements) from sources."""

    # Reports, with their sources (and copies: other reports).
    cache_families = ("reports", "sources")
    queryset = Report.objects.select_related("source", "wire_source", "syndicated_from").prefetch_related(
        Prefetch("syndicated_copies", queryset=Report.objects.only("id", "syndicated_from_id")),
        Prefetch("syndicated_from__syndicated_copies", queryset=Report.objects.only("id", "syndicated_from_id")),
    )
    serializer_class = serializers.ReportSerializer
    filterset_class = filtersets.ReportFilterSet
    writes = sources.REPORTS


def selects_without_prose(params) -> bool:
    """Whether an incident list's (or aggregate's) parameters select and order the same whatever
    the incidents' prose (`Incident.PROSE_FIELDS`): not when they search text, or filter or order
    by `updated_at`, which a prose edit moves."""
    if "q" in params or "updated_since" in params:
        return False
    return not any("updated_at" in value for value in params.getlist("ordering"))


class IncidentRowsListMixin:
    """Incident lists as value rows, not instances through the serializer: the same body for a
    fraction of the CPU (tracker.representation.incident_rows)."""

    def build_rows(self, rows) -> list[dict]:
        """List items of these value rows, as this reader may see them (their links too)."""
        return hide_unseen_links(incident_rows.build(rows), self.request.user)

    def rows_by_id(self, ids: list[int]) -> list[dict]:
        """These incidents' list rows, as this reader may see them (the response cache's refresh of
        the rows a prose edit moved: tracker.api.caching)."""
        return self.build_rows(incident_rows.rows_queryset(self.get_queryset().filter(pk__in=ids)))

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        rows = self.paginator.paginate_queryset(queryset, request, view=self, rows=incident_rows.rows_queryset)
        return self.get_paginated_response(self.build_rows(rows))


@extend_schema_view(list=extend_schema(summary="List incidents"), retrieve=extend_schema(summary="Get an incident"))
class IncidentViewSet(IncidentRowsListMixin, TrashMixin, ServiceModelViewSet):
    """Alleged hostile acts: when, where, by whom, with what casualties, and who says so."""

    queryset = Incident.objects.select_related(
        "place", "perpetrator", "provenance", "target_party", "origin_place"
    ).prefetch_related(
        Prefetch(
            "assessments",
            queryset=Assessment.objects.select_related("ceasefire", "override_by", "bound_as", "rules").order_by("ceasefire_id"),
        ),
    )
    serializer_class = serializers.IncidentDetailSerializer
    filterset_class = filtersets.IncidentFilterSet
    renderer_classes = WITH_GEOJSON
    writes = incidents.INCIDENTS
    merges = True  # a merged duplicate's id answers 301 (schema)
    # The aggregates take the list's filters and their own parameters; groups have their own
    # order, so the list's `ordering` is refused there rather than ignored.
    action_params = {"aggregate": tuple(serializers.AggregateQuerySerializer().fields)}
    action_refuses = {"aggregate": {"ordering": "Does not apply to aggregates: groups come in their keys' order."}}

    def get_serializer_class(self):
        # Claims side by side and consensus ranges on one incident; lists stay light.
        return serializers.IncidentSerializer if self.action in LIST_ACTIONS else serializers.IncidentDetailSerializer

    def get_queryset(self):
        queryset = self.served_to(self.request.user, detail=self.action not in LIST_ACTIONS, queryset=super().get_queryset())
        if getattr(self, "reading_to_write", False):
            # The incident a PUT, PATCH or DELETE changes, without its citations and verdicts: the
            # answer reads those after the write (perform_update), so reading them before is waste.
            queryset = queryset.prefetch_related(None)
        return queryset

    def prose_read(self, request) -> str:
        # A list shows prose in its rows; an aggregate shows none (tracker.api.caching).
        shown = {"list": PROSE_ROWS, "aggregate": PROSE_FREE}.get(self.action, PROSE_READ)
        return shown if selects_without_prose(request.query_params) else PROSE_READ

    @classmethod
    def served_to(cls, user, *, detail: bool, queryset=None):
        """The incidents `user` may see, read as a list (light) or a detail serializes them (also
        what a subscription's delivery carries: tracker/webhooks/)."""
        if detail:
            citations = Citation.objects.select_related(*CLAIM_RELATED)
        else:
            citations = Citation.objects.only("id", "incident_id", "report_id")
        queryset = cls.queryset.all() if queryset is None else queryset
        return queryset.prefetch_related(Prefetch("citations", queryset=citations.order_by("id"))).visible_to(user)

    def get_object(self):
        self.reading_to_write = self.request.method in self.if_match_methods
        try:
            return super().get_object()
        except Http404:
            # A merged duplicate's id points at the incident it was merged into.
            pk = self.kwargs.get(self.lookup_field)
            target = (
                merged_target(int(pk), self.request.user) if self.action not in ("trash", "restore", "purge") and pk else None
            )
            if target is None:
                raise
            base = self.request.path.split(f"/{pk}/")[0]  # this API version's /incidents
            raise Merged(int(pk), target, self.request.build_absolute_uri(f"{base}/{target}/")) from None
        finally:
            self.reading_to_write = False

    @extend_schema(
        summary="Export the filtered incidents (streamed, unpaginated)",
        description="The whole result of the list's filters, streamed in constant memory: `format=csv` (the list's "
        "flat columns), `geojson` (one FeatureCollection) or `ndjson` (one incident per line, the default). At most "
        "TRACKER_EXPORT_MAX_ROWS (default 1,000,000) rows: more is a 400, never a silently cut file. "
        "`format=acled` and `format=ged` write CSV in ACLED's and UCDP GED's own columns and codes, which those "
        "datasets' pipelines and the tracker's importers read (tracker/representation/dataset_exports.py says what "
        "each column holds).",
        responses={
            (200, "application/x-ndjson"): OpenApiTypes.STR,
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/geo+json"): OpenApiTypes.OBJECT,
        },
    )
    @action(
        detail=False,
        methods=["get"],
        pagination_class=None,
        renderer_classes=[NDJSONRenderer, CSVRenderer, GeoJSONRenderer, ACLEDRenderer, GEDRenderer],
    )
    def export(self, request):
        filtered = self.filter_queryset(self.get_queryset())
        fmt = request.accepted_renderer.format
        if fmt in ("acled", "ged"):
            # The datasets' own columns and codes (tracker/representation/dataset_exports.py).
            encoded = dataset_exports.stream(filtered.order_by("occurred_at", "id"), fmt)
            return export_response(filtered, None, fmt, {}, "incidents", encoded=encoded)
        return export_response(
            incident_rows.rows_queryset(filtered),
            self.get_serializer_class(),
            fmt,
            self.get_serializer_context(),
            "incidents",
            build=self.build_rows,
            # PostgreSQL formats the CSV and NDJSON itself (the same bytes); elsewhere Python does.
            encoded=DATABASE_WRITTEN[fmt](filtered, visible_statuses(request.user)) if fmt in DATABASE_WRITTEN else None,
        )

    @extend_schema(
        summary="Aggregate the filtered incidents: counts and casualty sums per group",
        description="Every filter of the list, plus `group_by` (time, area, party, kind, status, verdict or H3 cell) "
        "and `metric`. One row per group, in the groups' order, and the totals over the filtered incidents (whose "
        "count is the list's). `format=csv` for a spreadsheet; `format=geojson` when grouped by an area (country, "
        "admin1, admin2 or h3), each group with its area's shape. At most TRACKER_AGGREGATE_MAX_GROUPS (default "
        "10,000) groups: more is a 400. tracker/selectors/aggregates.py says how each grouping is computed.",
        parameters=[serializers.AggregateQuerySerializer],
        responses={
            (200, "application/json"): serializers.AggregateSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            (200, "application/geo+json"): OpenApiTypes.OBJECT,
        },
    )
    @action(
        detail=False,
        methods=["get"],
        pagination_class=None,
        renderer_classes=[*api_settings.DEFAULT_RENDERER_CLASSES, CSVRenderer, GeoJSONRenderer],
    )
    def aggregate(self, request):
        filtered = self.filter_queryset(self.get_queryset())  # validates the filters first
        known = self.action_params["aggregate"]
        params = serializers.AggregateQuerySerializer(data={k: v for k, v in request.query_params.items() if k in known})
        params.is_valid(raise_exception=True)
        query = params.validated_data
        ceasefire = request.query_params.get("ceasefire")
        wanted = aggregates.Request(
            group_by=query["group_by"],
            metrics=query["metric"],
            time_zone=query["time_zone"],
            ceasefire=Ceasefire.objects.filter(pk=ceasefire).first() if ceasefire else None,
            h3_resolution=query.get("h3_resolution"),
            max_groups=conf.AGGREGATE_MAX_GROUPS,
        )
        geojson = request.accepted_renderer.format == "geojson"
        try:
            if geojson and not set(wanted.group_by) & set(aggregates.AREA_GROUPS):
                raise aggregates.AggregateError(
                    "format", f"GeoJSON needs an area among the groups: {', '.join(aggregates.AREA_GROUPS)}."
                )
            found = aggregates.aggregate(filtered, wanted)
        except aggregates.AggregateError as error:
            raise ValidationError({error.param: [str(error)]}) from None
        if geojson:
            aggregates.add_shapes(found["results"], wanted)
        return Response(
            {
                "group_by": list(wanted.group_by),
                "metrics": list(found["totals"]),
                "time_zone": wanted.time_zone if set(wanted.group_by) & set(aggregates.TIME_GROUPS) else None,
                "ceasefire": wanted.ceasefire.pk if wanted.ceasefire else None,
                "h3_resolution": wanted.h3_resolution,
                "columns": found["columns"],
                "count": len(found["results"]),
                "totals": found["totals"],
                "results": found["results"],
            }
        )

    @extend_schema(
        summary="Create or update many incidents at once, by external id",
        description="A JSON list of incidents (the create body, each with `external_source` and `external_id`), at "
        "most TRACKER_BULK_MAX_ITEMS (default 1000). Each is created, or updated in place when its external id "
        "exists, in its own transaction: valid items are saved even when others fail. The answer lists, in order, "
        "each item's outcome — created, updated, unchanged (nothing written) or error with its field errors — and "
        "the counts. Needs the add and change permissions; one history entry per item written.",
        request=serializers.IncidentDetailSerializer(many=True),
        responses={200: serializers.BulkResultSerializer},
    )
    @action(detail=False, methods=["post"], url_path="bulk", filter_backends=[], pagination_class=None)
    def bulk(self, request):
        return idempotent(request, lambda: self._bulk(request))

    def _bulk(self, request):
        items = request.data
        if not isinstance(items, list):
            raise ValidationError({"non_field_errors": ["Expected a JSON list of incidents."]})
        limit = conf.BULK_MAX_ITEMS
        if len(items) > limit:
            raise ValidationError(
                {"non_field_errors": [f"At most {limit} items per request (TRACKER_BULK_MAX_ITEMS); got {len(items)}."]}
            )

        def validate(item, live):
            serializer = self.get_serializer(instance=live, data=item)
            return (serializer.validated_data, {}) if serializer.is_valid() else (None, serializer.errors)

        return Response(incident_bulk_upsert(items, user=request.user, validate=validate, as_errors=as_serializer_error))

    @extend_schema(
        summary="Incidents removed since an instant (to mirror deletions)",
        description="Incidents deleted (in the trash), merged into another, or purged at or after `since`, oldest "
        "first, in cursor pages — and, for readers who see only published incidents, those withdrawn from "
        "publication (a reviewer moved them back to review, or rejected them), which they must remove too. With the change feed (`updated_since`) this is what a client keeping a copy needs: "
        "restored incidents reappear in the feed. Like the feed, it serves removals at least "
        "TRACKER_FEED_SETTLE_SECONDS old.",
        parameters=[serializers.RemovedQuerySerializer],
        responses={200: serializers.RemovalPageSerializer},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None, url_path="deleted")
    def deleted(self, request):
        params = query_params(request, serializers.RemovedQuerySerializer)
        after = decode_cursor(params["cursor"]) if params.get("cursor") else None
        until = timezone.now() - timedelta(seconds=feed_settle_seconds())
        size = params["page_size"]
        found = removed_incidents(params["since"], until, after=after, limit=size + 1, statuses=visible_statuses(request.user))
        next_url = None
        if len(found) > size:
            found = found[:size]
            next_url = replace_query_param(request.build_absolute_uri(), "cursor", encode_cursor(found[-1].at, found[-1].id))
        return Response({"next": next_url, "results": serializers.RemovalSerializer(found, many=True).data})

    @extend_schema(
        summary="Possible duplicates of an incident",
        description="Incidents of a compatible kind whose time windows overlap this one's and whose locations lie "
        "within TRACKER_DUPLICATE_RADIUS_KM (default 5 km), nearest first.",
        parameters=[],
        responses={200: serializers.DuplicateSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def duplicates(self, request, pk=None):
        incident = self.get_object()
        found = duplicates_of(incident, Incident.objects.visible_to(request.user))
        return Response(serializers.DuplicateSerializer(found, many=True).data)

    @extend_schema(
        summary="Merge this incident into another (it is a duplicate)",
        description="Moves this incident's citations to `into` (a claim `into` already has goes to the trash), puts "
        "this incident in the trash with `merged_into`, and from then on its id answers GET with 301 to the kept "
        "incident. Needs the change and delete permissions. If-Match (this incident's version) is optional.",
        request=serializers.MergeSerializer,
        parameters=[OpenApiParameter(IF_MATCH, str, OpenApiParameter.HEADER, description="Optional ETag guard.")],
        responses={200: serializers.IncidentDetailSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def merge(self, request, pk=None):
        merged = self.get_object()
        body = serializers.MergeSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        kept = incidents.incident_merge(
            merged=merged,
            kept=body.validated_data["into"],
            user=request.user,
            reason=body.validated_data.get("reason", ""),
            expected_version=self.expected_version,
        )
        kept = self.get_queryset().get(pk=kept.pk)
        return Response(serializers.IncidentDetailSerializer(kept, context=self.get_serializer_context()).data)


@extend_schema_view(list=extend_schema(summary="List citations"), retrieve=extend_schema(summary="Get a citation"))
class CitationViewSet(TrashMixin, ServiceModelViewSet):
    """What each report claims about each incident."""

    queryset = Citation.objects.select_related("claimant", "named_perpetrator")
    serializer_class = serializers.CitationSerializer
    filterset_class = filtersets.CitationFilterSet
    writes = incidents.CITATIONS

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)


@extend_schema_view(
    list=extend_schema(summary="List assessments"),
    retrieve=extend_schema(summary="Get an assessment"),
    partial_update=extend_schema(
        summary="Override a verdict (reviewers)",
        description="Set `override_verdict` with a non-empty `override_reason`; an empty `override_verdict` clears the override.",
    ),
)
class AssessmentViewSet(
    AsOfMixin,
    CachedReadsMixin,
    ListFormatsMixin,
    VersionedWritesMixin,
    HistoryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """The tracker's verdicts: each incident against each ceasefire that could concern it.
    Computed automatically; reviewers may override one with a reason."""

    # Assessments of incidents in the trash are kept for a restore but not shown.
    queryset = Assessment.objects.filter(incident__deleted_at__isnull=True).select_related(
        "ceasefire", "override_by", "bound_as", "rules", "incident__provenance"
    )
    serializer_class = serializers.AssessmentSerializer
    filterset_class = filtersets.AssessmentFilterSet
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self):
        return super().get_queryset().visible_to(self.request.user)

    def perform_update(self, serializer):
        data, user = serializer.validated_data, self.request.user
        if data.get("override_verdict"):
            assessments.assessment_override(
                assessment=serializer.instance,
                verdict=data["override_verdict"],
                reason=data.get("override_reason", ""),
                user=user,
                expected_version=self.expected_version,
            )
        elif "override_verdict" in data:
            assessments.assessment_override_clear(
                assessment=serializer.instance, user=user, expected_version=self.expected_version
            )
        serializer.instance = self.get_queryset().get(pk=serializer.instance.pk)


@extend_schema(
    summary="Violations of a ceasefire",
    description="Incidents whose effective verdict against this ceasefire is `violation` or `possible`; the same filters, ordering and pagination as `/api/v1/incidents/`.",
)
class CeasefireViolationsView(CachedReadsMixin, IncidentRowsListMixin, generics.ListAPIView):
    """Incidents that violate, or possibly violate, one ceasefire. While its verdicts are being
    recomputed after a change, the `Verdicts-Pending-Since` header says since when."""

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        state = getattr(getattr(self, "ceasefire", None), "verdict_recompute", None)
        if state is not None and state.pending_since is not None:
            response[PENDING_HEADER] = iso(state.pending_since)
        return response

    action = "list"  # the strict filter backend checks list parameters
    renderer_classes = WITH_GEOJSON

    def prose_read(self, request) -> str:
        return PROSE_ROWS if selects_without_prose(request.query_params) else PROSE_READ

    queryset = Incident.objects.none()  # the model, for permissions and the schema
    serializer_class = serializers.IncidentSerializer  # the incident list's rows (incident_rows), as documented
    filterset_class = IncidentViewSet.filterset_class

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        ceasefire = get_object_or_404(Ceasefire.objects.select_related("verdict_recompute"), pk=self.kwargs["pk"])
        self.ceasefire = ceasefire
        violating = Assessment.objects.filter(effective_verdict_in([Verdict.VIOLATION, Verdict.POSSIBLE]), ceasefire=ceasefire)
        return IncidentViewSet.queryset.filter(pk__in=violating.values("incident_id")).visible_to(self.request.user)


class CodebookView(generics.GenericAPIView):
    """Every vocabulary with what it means, and the verdict rules' version and parameters: what a
    reader needs to interpret any answer. It holds no data, so anyone may read it."""

    permission_classes = [permissions.AllowAny]
    http_method_names = ["get", "head", "options"]
    filter_backends: list = []
    pagination_class = None
    serializer_class = serializers.CodebookSerializer

    @extend_schema(
        summary="The codebook: vocabularies, definitions, verdict rules",
        description="Each vocabulary (incident kinds, statuses, precisions, party roles, verdicts and their reasons, "
        "confidence grades...) with what it classifies, the fields that use it, and its terms with their labels and, "
        "where a label is not enough, definitions; and the verdict rules' version and the parameters in force "
        "(docs/VERDICTS.md explains each rule). The same source as the schema's enums and README's tables.",
    )
    def get(self, request):
        return Response(codebook.codebook())
