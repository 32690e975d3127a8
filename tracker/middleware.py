"""Request middleware of the tracker."""

from tracker.history import Channel, history_context


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
