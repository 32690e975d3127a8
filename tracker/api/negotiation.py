"""Content negotiation that names what was wrong: `?format=xml` is a 400 listing the formats
the endpoint offers, not DRF's bare 404."""

from django.http import Http404
from rest_framework.exceptions import ValidationError
from rest_framework.negotiation import DefaultContentNegotiation


class StrictContentNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404:
            asked = format_suffix or request.query_params.get(self.settings.URL_FORMAT_OVERRIDE)
            known = ", ".join(r.format for r in renderers)
            raise ValidationError({"format": [f"'{asked}' is not a format of this endpoint. Known: {known}."]}) from None
