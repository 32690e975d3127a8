"""What every resource viewset shares beyond DRF: versioned writes (ETag / If-Match), the
history context of a request, `/history/`, and the trash (`/trash/`, `/restore/`, `/purge/`)."""

from django.db.models import Q
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from tracker import history
from tracker.api.schema import ConflictSerializer
from tracker.api.versioning import IF_MATCH, etag, parse_if_match
from tracker.representation import serializers
from tracker.selectors.history import hide_unseen_links, history_of, with_changes
from tracker.selectors.visibility import visible_statuses
from tracker.services import common

CHANGE_REASON = "X-Change-Reason"
MAX_REASON = 1000


class VersionedWritesMixin:
    """Writes run in a history context naming the user and the reason (header
    `X-Change-Reason`); PUT/PATCH/DELETE must carry `If-Match`; detail responses carry `ETag`."""

    #: Methods that must name the version they change.
    if_match_methods = ("PUT", "PATCH", "DELETE")
    # Ids are whole numbers that fit a 64-bit key: anything else is a (JSON) 404 without
    # reaching a view (or the database, which would refuse an out-of-range number).
    lookup_value_regex = "[0-9]{1,18}"

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.expected_version = parse_if_match(request.headers.get(IF_MATCH), required=request.method in self.if_match_methods)
        reason = request.headers.get(CHANGE_REASON, "").strip()
        if len(reason) > MAX_REASON:
            raise ValidationError({CHANGE_REASON: [f"At most {MAX_REASON} characters."]})
        # Undone when the request middleware's history context ends.
        history.bind(user=request.user, reason=reason)

    def finalize_response(self, request, response, *args, **kwargs):
        data = getattr(response, "data", None)
        if self.detail and response.status_code in (200, 201) and isinstance(data, dict) and isinstance(data.get("version"), int):
            response["ETag"] = etag(data["version"])
        return super().finalize_response(request, response, *args, **kwargs)


class HistoryMixin:
    """`GET /<resource>/{id}/history/`: every change of the record, newest first."""

    @extend_schema(
        summary="Change history",
        description="Every change of this record, newest first: who, when, through which channel (admin, api, import, command, system), why, and the fields it changed with their old and new values. Needs the view permission (history names curators), also for records in the trash.",
        responses={200: serializers.HistoryEntrySerializer(many=True)},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def history(self, request, pk=None):
        model = self.get_queryset().model
        records = getattr(model, "all_objects", model._default_manager).all()
        record_id = int(pk) if str(pk).isdigit() and len(str(pk)) < 19 else None
        entries = history_of(model, record_id)
        restricted = hasattr(records, "visible_to") and visible_statuses(request.user) is not None
        if restricted:
            # The visibility rule holds for history too: a draft incident's citation, verdict or
            # own history is absent to whoever may not see the draft.
            records = records.visible_to(request.user)
        # The history of a purged record outlives it — for those who may see unverified records.
        exists = record_id is not None and (records.filter(pk=record_id).exists() or (not restricted and entries.exists()))
        if not exists:
            return Response({"detail": "No such record."}, status=status.HTTP_404_NOT_FOUND)
        page = self.paginate_queryset(entries)
        older = None
        if page:
            last = page[-1]
            older = entries.filter(
                Q(history_date__lt=last.history_date) | Q(history_date=last.history_date, history_id__lt=last.history_id)
            ).first()
        with_changes(page, older)
        hide_unseen_links(page, request.user)
        return self.get_paginated_response(serializers.HistoryEntrySerializer(page, many=True).data)


class TrashMixin:
    """The trash of a soft-deletable resource: DELETE moves a record there; `trash/` lists it,
    `restore/` brings it back with its links, `purge/` (reviewers) removes it for good."""

    def get_queryset(self):
        if getattr(self, "action", None) in ("trash", "restore", "purge"):
            # The viewset's joins and prefetches, over the trash instead of the live rows.
            live = self.queryset
            trashed = live.model.trashed.all()
            trashed.query.select_related = live.query.select_related
            return trashed.prefetch_related(*live._prefetch_related_lookups)
        return super().get_queryset()

    @extend_schema(
        summary="List the trash",
        description="Deleted records, most recently deleted first. Needs the delete permission.",
        parameters=[],
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def trash(self, request):
        page = self.paginate_queryset(self.get_queryset().order_by("-deleted_at", "-pk"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Restore from the trash",
        description="Brings the record back as it was, with the records deleted along with it. If-Match is optional here.",
        request=None,
        parameters=[OpenApiParameter(IF_MATCH, str, OpenApiParameter.HEADER, description="Optional ETag guard.")],
        responses={200: None},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def restore(self, request, pk=None):
        instance = self.get_object()
        restored = self.writes.restore_instance(instance, user=request.user, expected_version=self.expected_version)
        return Response(self.get_serializer(self.queryset.get(pk=restored.pk)).data)

    @extend_schema(
        summary="Purge from the trash (reviewers)",
        description="Removes a record that is already in the trash, for good; its history stays.",
        request=None,
        responses={204: None, 409: OpenApiResponse(ConflictSerializer, description="Other records still refer to it.")},
    )
    @action(detail=True, methods=["delete"], filter_backends=[])
    def purge(self, request, pk=None):
        instance = self.get_object()
        common.purge(instance, user=request.user, expected_version=self.expected_version)
        return Response(status=status.HTTP_204_NO_CONTENT)
