"""OpenAPI generation: every operation documents the errors it can answer with, and the
headers of versioned writes (If-Match, X-Change-Reason)."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from tracker.api.as_of import AS_OF_PARAMETER

IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description='The ETag of the version this write is based on, as a GET returned it (e.g. "3"). Missing: 428; stale: 412.',
)
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="A key of your choosing (e.g. a UUID) to make retries safe: the same key and body within 24 hours "
    "replays the first answer (header Idempotent-Replayed: true) instead of creating again; the same key with "
    "another body is a 422.",
)
# Bodies of the file formats (tracker.api.renderers).
FILE_SCHEMAS = {
    "text/csv": {"type": "string", "description": "CSV: a header row, then one row per item."},
    "application/x-ndjson": {"type": "string", "description": "One JSON object per line."},
    "application/geo+json": {
        "type": "object",
        "description": "An RFC 7946 FeatureCollection (a Feature for one item); properties are the item's fields.",
        "required": ["type"],
        "properties": {"type": {"type": "string", "enum": ["FeatureCollection", "Feature"]}},
    },
}
REASON_PARAMETER = OpenApiParameter(
    "X-Change-Reason",
    str,
    OpenApiParameter.HEADER,
    description="Why the change is made (at most 1000 characters); kept in the record's history.",
)


class ErrorSerializer(serializers.Serializer):
    """`{"detail": "..."}`: authentication, permission, not found, conflict, limits."""

    detail = serializers.CharField()


class MergedSerializer(ErrorSerializer):
    merged_into = serializers.IntegerField(help_text="The incident this one was merged into (also in Location).")


class ConflictSerializer(ErrorSerializer):
    referenced_by = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Records that still refer to this one."
    )


class PreconditionFailedSerializer(ErrorSerializer):
    current_version = serializers.IntegerField(help_text="The record's version now; its ETag is in the ETag header.")


VALIDATION_ERROR = {
    "type": "object",
    "description": (
        "Input errors keyed by the field, header or query parameter at fault (non_field_errors otherwise); "
        "errors inside a list of objects are keyed by position. A body that is not valid JSON gets `detail`."
    ),
    "properties": {"detail": {"type": "string"}},
    "additionalProperties": {
        "anyOf": [
            {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "object"}]}},
            {"type": "object"},
        ]
    },
    "example": {"occurred_after": ["Include a UTC offset (2020-01-12T00:01:00+03:00 or ...Z); a time without one is ambiguous."]},
}

# Actions that answer a paginated list although they are not `list`.
LIST_ACTIONS = {"list", "trash", "history"}
VERSIONED_METHODS = {"PUT", "PATCH", "DELETE"}


class TrackerAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the 400/401/403/404/409/412/413/415/428/429 responses
    our views return and the If-Match / X-Change-Reason headers of writes."""

    def _is_list_view(self, serializer=None):
        if getattr(self.view, "action", None) in ("trash",):
            return True
        return super()._is_list_view(serializer)

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        names = {getattr(p, "name", None) for p in parameters}
        if self.method in VERSIONED_METHODS and "If-Match" not in names:
            parameters.append(IF_MATCH_PARAMETER)
        if self.method in ("POST", *VERSIONED_METHODS) and "X-Change-Reason" not in names:
            parameters.append(REASON_PARAMETER)
        if self.method == "POST" and getattr(self.view, "action", None) in ("create", "bulk"):
            parameters.append(IDEMPOTENCY_PARAMETER)
        if self.method == "GET" and getattr(self.view, "action", None) in getattr(self.view, "as_of_actions", ()):
            parameters.append(AS_OF_PARAMETER)
        return parameters

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        # Errors are JSON whatever format was asked for (tracker.api.exceptions); files are
        # described as what they are, not as the JSON page they are made from.
        if not str(status_code).startswith("2"):
            media_types = ["application/json"]
        body = super()._get_response_for_code(serializer, status_code, media_types, direction)
        for media_type, schema in FILE_SCHEMAS.items():
            if media_type in body.get("content", {}):
                body["content"][media_type] = {"schema": schema}
        return body

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)

        def add(code: str, description: str, schema):
            if code not in responses:
                body = self._get_response_for_code(schema, code, direction=direction)
                body["description"] = description
                responses[code] = body

        detail = ErrorSerializer
        write = self.method in ("POST", *VERSIONED_METHODS)
        add("400", "Invalid input, header or query parameter; the body names each one.", VALIDATION_ERROR)
        add(
            "401",
            "Authentication required (writes, history, trash, or reads when public read is off), or the token is invalid.",
            detail,
        )
        add("403", "Authenticated, but without the permission this needs.", detail)
        if "{" in self.path:
            add("404", "No such record (or not visible to you).", detail)
        elif self._is_list_view():
            add("404", "Page number past the last page.", detail)
        if self.method == "DELETE":
            add("409", "Other records still refer to this one.", ConflictSerializer)
        if self.method == "GET" and "{" in self.path and getattr(self.view, "merges", False):
            add("301", "This record was merged into another: Location and `merged_into` point to it.", MergedSerializer)
        guarded = self.method in VERSIONED_METHODS or getattr(self.view, "action", None) in ("restore", "merge")
        if guarded:
            add("412", "If-Match names another version: the record changed since it was read.", PreconditionFailedSerializer)
            add("428", "If-Match is missing (where required) or `*`: name the version the write is based on.", detail)
        if write:
            add("413", "The request body is larger than the limit.", detail)
            add("415", "The body's content type is not JSON, form or multipart.", detail)
        if self.method == "POST" and getattr(self.view, "action", None) in ("create", "bulk"):
            add("409", "The first request with this Idempotency-Key is still being processed.", VALIDATION_ERROR)
            add("422", "This Idempotency-Key was used with a different request.", VALIDATION_ERROR)
        add("429", "Too many requests for this client's scope; retry after the Retry-After header's seconds.", detail)
        return responses
