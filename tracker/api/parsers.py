"""Request body parsers: JSON that cannot exhaust the parser's stack."""

from django.core.exceptions import ValidationError
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

from tracker.validators import loads_json


class DepthLimitedJSONParser(JSONParser):
    """DRF's strict JSON parser with a nesting limit (tracker.validators.MAX_JSON_DEPTH): a body
    of 100,000 '[' is a 400 naming the limit, not a RecursionError."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding") or "utf-8"
        try:
            return loads_json(stream.read().decode(encoding), parse_constant=strict_constant)
        except ValidationError as invalid:
            raise ParseError(invalid.messages[0]) from None
        except ValueError as exc:  # malformed JSON, bad bytes, NaN/Infinity
            raise ParseError(f"JSON parse error - {exc}") from None
