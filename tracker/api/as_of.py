"""`as_of=<instant>`: a resource's lists and records as they stood then, read from their history
(tracker/history_tables.py says how, and what a withdrawal does to the past)."""

from contextlib import ExitStack

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.exceptions import ValidationError

from tracker import history_tables
from tracker.api.filter_fields import InstantField
from tracker.models.visibility import visibility_class

PARAM = "as_of"
AS_OF_PARAMETER = OpenApiParameter(
    PARAM,
    OpenApiTypes.DATETIME,
    OpenApiParameter.QUERY,
    description="Answer as the records stood at this instant (ISO 8601 with offset, or a date: midnight UTC), from "
    "their history. For readers of published incidents, only incidents public then and still public now. Not cached.",
)


class AsOfMixin:
    """Answers the actions in `as_of_actions` as of the instant `as_of` names (first in a
    viewset's bases: it wraps the others' `initial` and the whole dispatch, rendering and a
    streamed body included)."""

    as_of_actions: tuple[str, ...] = ("list", "retrieve", "export", "aggregate")
    as_of_refused = "Not available here: only on a resource's lists, records, export and aggregates."
    #: Query parameters the strict filter backend accepts besides the filters.
    query_params_known: tuple[str, ...] = (PARAM,)
    as_of = None

    def dispatch(self, request, *args, **kwargs):
        self._as_of_block = ExitStack()
        with self._as_of_block:
            response = super().dispatch(request, *args, **kwargs)
            if self.as_of is not None:
                if isinstance(response, StreamingHttpResponse):
                    public = visibility_class(self.request.user) == "public"
                    response.streaming_content = history_tables.streamed(self.as_of, public, response.streaming_content)
                elif not getattr(response, "is_rendered", True):
                    response.render()  # inside the block: the browsable API's forms query too
        return response

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # authentication and permissions first
        raw = request.query_params.get(PARAM)
        if raw is None:
            return
        if getattr(self, "action", None) not in self.as_of_actions:
            raise ValidationError({PARAM: [self.as_of_refused]})
        try:
            instant = InstantField().clean(raw)
        except DjangoValidationError as error:
            raise ValidationError({PARAM: error.messages}) from None
        if instant > timezone.now():
            raise ValidationError({PARAM: ["Is in the future: history ends now."]})
        self.as_of = instant
        public = visibility_class(request.user) == "public"
        self._as_of_block.enter_context(history_tables.reading(instant, public=public))
