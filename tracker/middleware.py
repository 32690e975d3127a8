"""Request middleware of the tracker."""

from csp.middleware import CSPMiddleware
from django.http import JsonResponse

from tracker import conf
from tracker.history import Channel, history_context


class RequestLimitsMiddleware:
    """API request bodies larger than TRACKER_MAX_BODY_BYTES are answered 413 before anything
    reads them (DRF's parsers would read them whole)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                return JsonResponse({"detail": "Content-Length must be a whole number of bytes."}, status=400)
            # Bulk ingest carries up to TRACKER_BULK_MAX_ITEMS records in one body.
            limit = conf.BULK_MAX_BODY_BYTES if request.path.endswith("/bulk/") else conf.MAX_BODY_BYTES
            if length > limit:
                return JsonResponse({"detail": f"The request body is {length} bytes; the limit is {limit} bytes."}, status=413)
        return self.get_response(request)


class HistoryChannelMiddleware:
    """Every write made while serving a request is recorded with the channel it came through:
    the admin or the API. The user is set by the service layer (API tokens authenticate inside
    the view, after middleware has run)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = Channel.ADMIN if request.path.startswith("/admin/") else Channel.API
        with history_context(channel=channel):
            return self.get_response(request)


def tile_origin(url_template: str) -> str:
    """scheme://host of a tile URL template ("" for none); a {s} subdomain becomes a wildcard."""
    scheme, _, rest = (url_template or "").partition("://")
    host = rest.split("/", 1)[0].replace("{s}", "*")
    return f"{scheme}://{host}" if scheme in ("http", "https") and host else ""


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's header (settings.CONTENT_SECURITY_POLICY), with the admin maps' tile server
    allowed as an image source: it is a setting (TRACKER_MAP_TILES_URL), read per response."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only)
        origin = tile_origin(conf.MAP_TILES_URL)
        if origin and not report_only:
            parts.update = {**(parts.update or {}), "img-src": [origin]}
        return parts
