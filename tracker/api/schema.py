"""OpenAPI generation: every operation documents the errors it can answer with."""

from drf_spectacular.openapi import AutoSchema
from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """`{"detail": "..."}`: authentication, permission, not found, conflict."""

    detail = serializers.CharField()


class ConflictSerializer(ErrorSerializer):
    referenced_by = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="Records that still refer to this one."
    )


VALIDATION_ERROR = {
    "type": "object",
    "description": "Input errors keyed by the field or query parameter at fault (non_field_errors otherwise).",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
    "example": {"occurred_after": ["Include a UTC offset (2020-01-12T00:01:00+03:00 or ...Z); a time without one is ambiguous."]},
}


class TrackerAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema plus the 400/401/403/404/409 responses our views return."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)

        def add(code: str, description: str, schema):
            if code not in responses:
                body = self._get_response_for_code(schema, code, direction=direction)
                body["description"] = description
                responses[code] = body

        detail = ErrorSerializer
        write = self.method in ("POST", "PUT", "PATCH", "DELETE")
        is_list = self._is_list_view()
        if write or is_list:
            add("400", "Invalid input or query parameter; the body names each one.", VALIDATION_ERROR)
        add("401", "Authentication required (writes, or reads when public read is off), or the token is invalid.", detail)
        add("403", "Authenticated, but without the permission this needs.", detail)
        if not is_list and self.method != "POST":
            add("404", "No such record.", detail)
        if is_list:
            add("404", "Page number past the last page.", detail)
        if self.method == "DELETE":
            add("409", "Other records still refer to this one.", ConflictSerializer)
        return responses
