"""One error format for the whole API: `{"<field>": ["message", ...]}` for input errors and
`{"detail": "message"}` otherwise. Model validation, database constraints and protected
deletes become 400/409 instead of 500s."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from tracker.models.base import CONSTRAINT_FIELDS


def constraint_error(exc: IntegrityError) -> dict[str, list[str]]:
    """Name the field of the constraint an IntegrityError reports, when we know it."""
    text = str(exc)
    for name, (field, message) in CONSTRAINT_FIELDS.items():
        if name in text:
            return {field: [message]}
    return {"non_field_errors": ["The change conflicts with existing data."]}


def exception_handler(exc, context):
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
