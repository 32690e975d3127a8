"""`Idempotency-Key` on create requests (the IETF httpapi draft's header): a client that retries
a POST after a timeout, with the same key and body, gets the first answer replayed instead of a
second record; the same key with another body is a 422. Keys are per user and kept
TRACKER_IDEMPOTENCY_HOURS (24)."""

import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from tracker import conf
from tracker.models import IdempotencyRecord

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
KEPT_HEADERS = ("Location", "ETag")
# Answers that depend on the moment, not on the request: never replayed.
TRANSIENT = frozenset({408, 409, 412, 423, 425, 429})


def _hours() -> float:
    return float(conf.IDEMPOTENCY_HOURS)


def _fingerprint(request) -> str:
    body = json.dumps(request.data, cls=JSONEncoder, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def _replay(record: IdempotencyRecord) -> Response:
    response = Response(record.response_body, status=record.status_code)
    for name, value in record.response_headers.items():
        response[name] = value
    response[REPLAYED] = "true"
    return response


def idempotent(request, handler) -> Response:
    """Run `handler()` (the create) once per (user, Idempotency-Key); replay its answer after."""
    key = request.headers.get(HEADER)
    if key is None or not request.user.is_authenticated:
        return handler()
    if not 1 <= len(key) <= 255 or not key.isprintable():
        raise ValidationError({HEADER: ["Must be 1 to 255 printable characters."]})
    fingerprint = _fingerprint(request)
    IdempotencyRecord.objects.filter(user=request.user, created_at__lt=timezone.now() - timedelta(hours=_hours())).delete()
    try:
        with transaction.atomic():
            record = IdempotencyRecord.objects.create(user=request.user, key=key, request_hash=fingerprint)
    except IntegrityError:
        earlier = IdempotencyRecord.objects.get(user=request.user, key=key)
        if earlier.request_hash != fingerprint:
            return Response(
                {HEADER: ["This key was used with a different request; use a new key for a new request."]},
                status=status.HTTP_422_UNPROCESSABLE_ENTITY,
            )
        if earlier.status_code is None:
            return Response(
                {HEADER: ["The first request with this key is still being processed; retry shortly."]},
                status=status.HTTP_409_CONFLICT,
            )
        return _replay(earlier)
    try:
        response = handler()
    except BaseException:
        record.delete()  # nothing was created: a retry may run
        raise
    if response.status_code >= 500 or response.status_code in TRANSIENT or not hasattr(response, "data"):
        # Not the request's final answer (a race, a limit, a fault): a retry must run it again.
        record.delete()
        return response
    record.status_code = response.status_code
    record.response_body = json.loads(json.dumps(response.data, cls=JSONEncoder))
    record.response_headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    record.save(update_fields=["status_code", "response_body", "response_headers"])
    return response


class IdempotentCreateMixin:
    """POST creates honour Idempotency-Key."""

    def create(self, request, *args, **kwargs):
        return idempotent(request, lambda: super(IdempotentCreateMixin, self).create(request, *args, **kwargs))
