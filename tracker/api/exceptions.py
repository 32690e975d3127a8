"""One error format for the whole API: `{"<field>": ["message", ...]}` for input errors and
`{"detail": "message"}` otherwise. Model validation, database constraints and protected
deletes become 400/409 instead of 500s."""

from django.apps import apps
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError, UniqueConstraint
from django.http import JsonResponse
from django.views.defaults import page_not_found
from django.views.defaults import server_error as default_server_error
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from tracker.api.versioning import etag
from tracker.models.base import CONSTRAINT_FIELDS
from tracker.services.common import VersionConflict


def _sqlite_unique_name(text: str) -> str | None:
    """SQLite names a failed UNIQUE constraint by its columns ("tracker_report.url"); find ours."""
    if "UNIQUE constraint failed:" not in text:
        return None
    columns = {part.strip() for part in text.split(":", 1)[1].split(",")}
    for model in apps.get_app_config("tracker").get_models():
        for constraint in model._meta.constraints:
            if isinstance(constraint, UniqueConstraint) and constraint.fields:
                names = {f"{model._meta.db_table}.{model._meta.get_field(f).column}" for f in constraint.fields}
                if names == columns:
                    return constraint.name
    return None


def constraint_error(exc: IntegrityError) -> dict[str, list[str]]:
    """Name the field of the constraint an IntegrityError reports, when we know it.

    PostgreSQL and SQLite name CHECK constraints, PostgreSQL names UNIQUE ones, SQLite lists
    the UNIQUE columns instead.
    """
    text = str(exc)
    name = _sqlite_unique_name(text)
    if name in CONSTRAINT_FIELDS:
        field, message = CONSTRAINT_FIELDS[name]
        return {field: [message]}
    for name, (field, message) in CONSTRAINT_FIELDS.items():
        if name in text:
            return {field: [message]}
    return {"non_field_errors": ["The change conflicts with existing data."]}


class Merged(exceptions.APIException):
    """The incident asked for was merged into another: GET answers 301 to the kept one, other
    methods 404, both with a pointer (`merged_into`)."""

    status_code = status.HTTP_404_NOT_FOUND

    def __init__(self, pk: int, target: int, location: str):
        self.pk, self.target, self.location = pk, target, location
        super().__init__(f"Incident {pk} was merged into incident {target}.")


# Formats whose errors are answered in JSON: an error is not a CSV row, a feature or a record.
FILE_FORMATS = {"csv", "geojson", "ndjson", "acled", "ged"}


def exception_handler(exc, context):
    response = _response_for(exc, context)
    request = context.get("request")
    if response is not None and request is not None:
        renderer = getattr(request, "accepted_renderer", None)
        if renderer is None or renderer.format in FILE_FORMATS:
            request.accepted_renderer, request.accepted_media_type = JSONRenderer(), JSONRenderer.media_type
    return response


def _response_for(exc, context):
    if isinstance(exc, Merged):
        body = {"detail": str(exc.detail), "merged_into": exc.target}
        if context["request"].method in ("GET", "HEAD"):
            return Response(body, status=status.HTTP_301_MOVED_PERMANENTLY, headers={"Location": exc.location})
        return Response(body, status=status.HTTP_404_NOT_FOUND)
    if isinstance(exc, VersionConflict):
        set_rollback()
        if exc.current_version is None:
            return Response({"detail": "No such record."}, status=status.HTTP_404_NOT_FOUND)
        response = Response(
            {"detail": str(exc), "current_version": exc.current_version}, status=status.HTTP_412_PRECONDITION_FAILED
        )
        response["ETag"] = etag(exc.current_version)
        return response
    if isinstance(exc, RequestDataTooBig):
        return Response({"detail": "The request body is too large."}, status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, SuspiciousOperation):  # e.g. too many query parameters
        return Response({"detail": str(exc) or "Malformed request."}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, (ProtectedError, RestrictedError)):
        set_rollback()
        blockers = sorted({f"{obj._meta.verbose_name} {obj.pk}" for obj in list(exc.protected_objects)[:10]})
        return Response(
            {"detail": "Cannot delete: other records refer to this one.", "referenced_by": blockers},
            status=status.HTTP_409_CONFLICT,
        )
    elif isinstance(exc, IntegrityError):
        set_rollback()
        return Response(constraint_error(exc), status=status.HTTP_400_BAD_REQUEST)
    return drf_exception_handler(exc, context)


def not_found(request, exception=None):
    """handler404: JSON under /api/ (a URL no route matches, e.g. a non-numeric id), the
    usual page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Not found."}, status=404)
    return page_not_found(request, exception)


def server_error(request):
    """handler500: JSON under /api/, the usual page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": "Server error."}, status=500)
    return default_server_error(request)
